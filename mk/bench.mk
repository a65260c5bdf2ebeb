# make bench: figures printed as ratios measured in one run (test/bench/*.bench.ts),
# also written to build/bench/latest.json. LTTLE_BENCH_APPS (default 10) sets how
# many seed apps the deep-suspend part deploys and deep-suspends at once.
.PHONY: bench
bench: setup build guest image guest-test-prereqs image-webapp kube
	rm -f build/bench/latest.json
	node build/js/test/bench/flash.bench.js
	node build/js/test/bench/deep-suspend.bench.js
	node build/js/test/bench/kube.bench.js
	node build/js/test/bench/kube-hosts.bench.js
	node build/js/test/bench/branches.bench.js
