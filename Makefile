# lttle — build, test and run everything from here.
# Every target is idempotent; outputs go to build/ (ignored by git, cached by CI).

SHELL := /bin/bash
BUILD := build
export LTTLE_BUILD := $(abspath $(BUILD))

.PHONY: all setup build test demo bench clean
all: build

include mk/*.mk
