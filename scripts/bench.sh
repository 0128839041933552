#!/usr/bin/env bash
# Runs the media benchmarks and writes bench-results/bench.txt (go test's
# output, for benchstat) and bench-results/bench.json (one object per
# benchmark: name, package, iterations and every reported metric).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench-results
go test -run '^$' -bench . -benchmem -count "${BENCH_COUNT:-1}" ./media/... ./ui/terminal/... | tee bench-results/bench.txt
awk '
  /^pkg: / { pkg = $2 }
  /^Benchmark/ {
    name = $1; sub(/-[0-9]+$/, "", name)
    line = sprintf("{\"package\":\"%s\",\"name\":\"%s\",\"iterations\":%s", pkg, name, $2)
    for (i = 3; i + 1 <= NF; i += 2) {
      unit = $(i + 1); gsub(/"/, "", unit)
      line = line sprintf(",\"%s\":%s", unit, $i)
    }
    rows[n++] = line "}"
  }
  END {
    print "["
    for (i = 0; i < n; i++) printf "  %s%s\n", rows[i], (i < n - 1 ? "," : "")
    print "]"
  }' bench-results/bench.txt > bench-results/bench.json
echo "wrote bench-results/bench.json" >&2
