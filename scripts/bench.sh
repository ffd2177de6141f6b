#!/usr/bin/env bash
# Runs the benchmarks of docs/performance.md and prints their ratios against the project's targets.
#
#   scripts/bench.sh                 # 5 runs of each benchmark, about 2.5 minutes on 2 cores
#   COUNT=10 scripts/bench.sh        # more runs, steadier medians
#   BENCH_OUT=new.txt scripts/bench.sh
#
# The raw `go test -bench` output goes to $BENCH_OUT (default bench.out) for benchstat; the summary
# uses the median of the runs. It never fails on a missed target: it reports it. Other load on the
# machine shows in the times: run it on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."

count="${COUNT:-5}"
out="${BENCH_OUT:-bench.out}"
: >"$out"

# Each round runs every benchmark once, so the two sides of a ratio run seconds apart and see
# the same machine load; -count would run all rounds of one side before the other.
bench() {
	go test -run '^$' -benchmem -count 1 "$@" >>"$out"
}
for round in $(seq "$count"); do
	echo "round $round of $count: client overhead, fake throughput, runs lists, scheduler year" >&2
	bench -bench '^BenchmarkClientOverhead$' .
	bench -bench '^Benchmark(Throughput|ListRunsHTTP)$' ./warehousesynctest
	bench -bench '^BenchmarkServeInProcess$' -benchtime 5000x ./warehousesynctest
	bench -bench '^BenchmarkTestFake$' -benchtime 300x ./warehousesynctest
	bench -bench '^BenchmarkHundredHourlyYear$' -benchtime 1x -cpu 1,2 ./internal/engine
	bench -bench '^BenchmarkListRuns$' ./internal/engine
done

awk -v count="$count" -v out="$out" '
# Values are kept per "name|unit" and per "name@procs|unit"; the name loses its -GOMAXPROCS suffix.
/^Benchmark/ {
	name = $1; procs = 1
	if (match(name, /-[0-9]+$/)) { procs = substr(name, RSTART + 1); name = substr(name, 1, RSTART - 1) }
	for (i = 3; i < NF; i += 2) {
		v[name "|" $(i + 1)] = v[name "|" $(i + 1)] " " $i
		v[name "@" procs "|" $(i + 1)] = v[name "@" procs "|" $(i + 1)] " " $i
	}
}
function median(key,    n, a, i, j, t) {
	if (!(key in v)) { missing = missing " " key; return 0 }
	n = split(v[key], a, " ")
	for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return (n % 2) ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
}
function verdict(ok) { return ok ? "ok" : "MISSED" }
function client(label, server,    base, tc, tn, ac, an) {
	base = "BenchmarkClientOverhead/server=" server
	tc = median(base "/caller=client|ns/op"); tn = median(base "/caller=nethttp|ns/op")
	ac = median(base "/caller=client|allocs/op"); an = median(base "/caller=nethttp|allocs/op")
	if (tn == 0 || an == 0) return
	printf "   %-22s client %7.1f µs %4d allocs | net/http %7.1f µs %4d allocs | time %.2fx allocs %.2fx", \
		label, tc / 1000, ac, tn / 1000, an, tc / tn, ac / an
	if (server == "none") printf "  (no target)\n"; else printf "  %s\n", verdict(tc / tn <= 1.2 && ac / an <= 1.5)
}
function throughput(label, server,    f, bl) {
	f = median("BenchmarkThroughput/server=" server "|req/s"); bl = median("BenchmarkThroughput/server=baseline|req/s")
	if (bl == 0) return
	printf "   %-30s %8.0f req/s | baseline %8.0f req/s | %.2fx  %s\n", label, f, bl, f / bl, verdict(f / bl >= 0.5)
}
function paired(label, bench, target,    r) {
	r = median(bench "|ratio")
	if (r == 0) return
	printf "   %-30s fake %8.1f µs | floor %8.1f µs | %.2fx  %s\n", label, median(bench "|fake-ns/op") / 1000, \
		median(bench "|bare-ns/op") / 1000, r, verdict(r <= target)
}
function year(procs,    key, s, bpr, rps) {
	key = "BenchmarkHundredHourlyYear@" procs
	s = median(key "|ns/op") / 1e9; bpr = median(key "|B/retained-run"); rps = median(key "|runs/s")
	if (s == 0) return
	printf "   GOMAXPROCS=%d   %5.2f s  %9.0f runs/s  %5.1f B/retained run  %s\n", procs, s, rps, bpr, verdict(s < 5 && bpr < 512)
}
function pages(label, bench,    p1, p1000, f1, f1000) {
	p1 = median(bench "/page1|ns/op"); p1000 = median(bench "/page1000|ns/op")
	f1 = median(bench "/page1_filtered|ns/op"); f1000 = median(bench "/page1000_filtered|ns/op")
	if (p1 == 0 || f1 == 0) return
	printf "   %-16s page 1 %8.1f µs, page 1000 %8.1f µs: %.2fx | filtered %8.1f / %8.1f µs: %.2fx  %s\n", \
		label, p1 / 1000, p1000 / 1000, p1000 / p1, f1 / 1000, f1000 / 1000, f1000 / f1, verdict(p1000 / p1 <= 2 && f1000 / f1 <= 2)
}
END {
	printf "\nPerformance summary: median of %d runs (raw results in %s)\n", count, out
	print "1. Client overhead: Pipelines.Get vs hand-written net/http + encoding/json (target: time <= 1.2x, allocs <= 1.5x)"
	client("plain server", "plain"); client("fake server", "fake"); client("no network", "none")
	print "2. Fake throughput: 70% reads, 30% writes, 4 keep-alive clients per core (target: >= 0.5x baseline)"
	throughput("fake", "fake"); throughput("fake, +1,000 pipelines", "fake1000")
	throughput("fake, +1,000, real time", "fake1000rt")
	print "2b. The fake own cost, paired in each iteration with a bare handler or httptest.NewServer"
	paired("runs page of 100 (<= 2x)", "BenchmarkServeInProcess/runs100", 2)
	paired("GET pipeline (<= 1.1x)", "BenchmarkServeInProcess/pipeline", 1.1)
	paired("fake per test (<= 1.3x)", "BenchmarkTestFake", 1.3)
	print "3. Scheduler: 100 hourly pipelines for a year, 876,000 runs (target: < 5 s, < 512 B per retained run)"
	year(1); year(2)
	print "4. Runs list: page 1,000 vs page 1 of 100,000 runs, 50 per page (target: <= 2x)"
	pages("engine", "BenchmarkListRuns"); pages("fake over HTTP", "BenchmarkListRunsHTTP")
	if (missing != "") printf "missing results:%s\n", missing
	print "Compare two runs: go run golang.org/x/perf/cmd/benchstat@latest old.out new.out"
}' "$out"
