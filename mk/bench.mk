# make bench: figures printed as ratios measured in one run (test/bench/*.bench.ts).
.PHONY: bench
bench: setup build guest image guest-test-prereqs
	node build/js/test/bench/flash.bench.js
