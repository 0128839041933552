#!/usr/bin/env bash
# Measures the audio processing (media/apm TestMeasure) and writes the
# table to media/apm/testdata/measure.json (and the log next to it): every
# delay with processing off and on, the library settings tried
# (APM_SWEEP=1), speexdsp's canceller with our delay finder when
# libspeexdsp-dev is installed (tag apmspeex), and BenchmarkProcess10ms.
# TestMeasure fails when a threshold of issue 4 is missed; the table is
# written anyway.
set -uo pipefail
cd "$(dirname "$0")/.."

out=media/apm/testdata
mkdir -p "$out"
tags=()
if pkg-config --exists speexdsp 2>/dev/null; then
  tags=(-tags apmspeex)
else
  echo "apm-data: libspeexdsp-dev not installed, no speexdsp rows" >&2
fi

APM_MEASURE=1 APM_SWEEP=1 APM_REPORT="$PWD/$out/measure.json" \
  go test "${tags[@]}" -count=1 -run '^TestMeasure$' -v ./media/apm >"$out/measure.log" 2>&1
status=$?
go test -run '^$' -bench '^BenchmarkProcess10ms$' -benchtime 3s -count 3 ./media/apm >>"$out/measure.log" 2>&1 || status=1
sed -n '/delay config/,/of one core/p; /want/p; /Benchmark/p' "$out/measure.log"
exit $status
