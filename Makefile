.PHONY: test bench

# test is the test command of the README and .ci/run.
test:
	go test -race ./...

# bench runs the benchmarks of docs/performance.md and prints their ratios against the targets.
bench:
	scripts/bench.sh
