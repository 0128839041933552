#!/usr/bin/env bash
# Measures the camera's simulcast encoding (issue 3) and writes
# bench-results/simulcast.json:
#  - the Go benchmarks of media/send (three 720p30 layers from one
#    capture, and one 720p stream for comparison: CPU as a share of one
#    core, each layer's ms/frame) and of the I420 downscaler;
#  - our VP8 encoder against libvpx's vpxenc --rt with the same settings
#    (media/vpx/defaults.go and encoder.go) on the same clips of the
#    synthetic camera, as the sender's three layers get them (180p and
#    360p at 20 fps, halved as the sender halves, 720p at 30 fps, each at
#    its bitrate): the CPU time (user + system) of each process, in
#    alternated runs. The 720p layer alone gives the 1.2x mark of issue 3
#    (best of BENCH_RUNS); the three layers together give what libvpx
#    itself needs for the three-layer job on this machine, the floor under
#    the sender's figure (which adds the capture copy and the scaling);
#  - the three-layer figure issue 3 sets a goal for (under 35 % of one
#    core): every run, the best and the median. This VM's speed varies by
#    up to 1.5x from one minute to the next, with the same binary, and
#    interference only ever adds time: the best run is the cost, the
#    median what a busy minute gives.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench-results
command -v vpxenc >/dev/null || { echo "bench-simulcast: vpxenc missing (scripts/deps.sh installs vpx-tools)" >&2; exit 1; }
runs=${BENCH_RUNS:-7}
frames=${BENCH_FRAMES:-150}
kbps=1126 # the 720p layer's share of a 1.7 Mbps camera budget (media/send)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go test -run '^$' -bench 'Simulcast720p30|Single720p30' -benchtime 300x -count "${BENCH_COUNT:-7}" ./media/send | tee "$work/go.txt"
go test -run '^$' -bench 'Downscale' -benchmem -count "${BENCH_COUNT:-3}" ./media | tee -a "$work/go.txt"

go build -o "$work/vp8clip" ./scripts/vp8clip
# The layers: name, halvings (-scale), frame rate, bitrate (media/send's
# ratesFor at 320x180 and 640x360, the rest of 1.7 Mbps for 720p).
layers=("180p 4 20 150" "360p 2 20 424" "720p 1 30 $kbps")
for l in "${layers[@]}"; do
  read -r name scale fps _ <<< "$l"
  "$work/vp8clip" write -o "$work/$name.y4m" -width 1280 -height 720 -frames "$frames" -scale "$scale" -fps "$fps"
done
vpxenc_args=(--codec=vp8 --rt --cpu-used=-6 --threads=1 --passes=1 --lag-in-frames=0
  --end-usage=cbr --min-q=2 --max-q=56 --undershoot-pct=100 --overshoot-pct=15
  --buf-sz=1000 --buf-initial-sz=500 --buf-optimal-sz=600 --drop-frame=30 --resize-allowed=0
  --kf-min-dist=0 --kf-max-dist=300 --error-resilient=1 --static-thresh=1 --max-intra-rate=900
  --noise-sensitivity=0 --token-parts=0 -q --ivf)
# cpu_s OUT CMD... runs CMD, its output into OUT, and prints its CPU time
# in seconds: perf's task clock when perf works here (microseconds), else
# GNU time's user + system (10 ms steps).
cpu_s() {
  local out=$1
  shift
  if command -v perf >/dev/null && perf stat -x, -e task-clock -o "$work/t" true 2>/dev/null; then
    perf stat -x, -e task-clock -o "$work/t" "$@" > "$out"
    awk -F, '/task-clock/ { print $1 / 1000 }' "$work/t"
  else
    /usr/bin/time -f '%U %S' -o "$work/t" "$@" > "$out"
    awk '{ print $1 + $2 }' "$work/t"
  fi
}
add() { awk -v a="$1" -v b="$2" 'BEGIN { print a + b }'; }
best_ours="" best_theirs="" all_ours=() all_theirs=()
for _ in $(seq "$runs"); do
  sum_ours=0 sum_theirs=0
  for l in "${layers[@]}"; do
    read -r name _ fps rate <<< "$l"
    o=$(cpu_s "$work/$name.json" "$work/vp8clip" encode -kbps "$rate" -fps "$fps" "$work/$name.y4m")
    t=$(cpu_s /dev/null vpxenc "${vpxenc_args[@]}" --target-bitrate="$rate" -o "$work/$name.ivf" "$work/$name.y4m")
    sum_ours=$(add "$sum_ours" "$o") sum_theirs=$(add "$sum_theirs" "$t")
    if [ "$name" = 720p ]; then
      best_ours=$(awk -v a="$o" -v b="${best_ours:-1e9}" 'BEGIN { print (a < b ? a : b) }')
      best_theirs=$(awk -v a="$t" -v b="${best_theirs:-1e9}" 'BEGIN { print (a < b ? a : b) }')
    fi
  done
  all_ours+=("$sum_ours") all_theirs+=("$sum_theirs")
done
clock="GNU time user+system"
command -v perf >/dev/null && perf stat -x, -e task-clock -o "$work/t" true 2>/dev/null && clock="perf task-clock"
load=$(cut -d' ' -f1-3 /proc/loadavg)
ours_bytes=$(sed -n 's/.*"bytes":\([0-9]*\).*/\1/p' "$work/720p.json")
# IVF adds a 32-byte file header and 12 bytes per frame.
theirs_bytes=$(( $(stat -c %s "$work/720p.ivf") - 32 - 12 * frames ))

{
  echo "{"
  echo '  "go_benchmarks": ['
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
    END { for (i = 0; i < n; i++) printf "    %s%s\n", rows[i], (i < n - 1 ? "," : "") }' "$work/go.txt"
  echo "  ],"
  awk '
    /^BenchmarkSimulcast720p30\/all/ { for (i = 3; i + 1 <= NF; i++) if ($(i + 1) == "cpu%@30fps") v[n++] = $i }
    END {
      for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      med = n % 2 ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
      printf "  \"three_layers_720p30\": {\"goal_cpu_percent\":\"< 35\",\"cpu_percent_best\":%.1f,\"cpu_percent_median\":%.1f,\"cpu_percent_runs\":[", v[0], med
      for (i = 0; i < n; i++) printf "%s%.1f", (i ? "," : ""), v[i]
      printf "]},\n"
    }' "$work/go.txt"
  awk -v f="$frames" -v k="$kbps" -v runs="$runs" -v o="$best_ours" -v t="$best_theirs" -v ob="$ours_bytes" -v tb="$theirs_bytes" \
    -v clock="$clock" -v load="$load" -v oc="vp8clip encode -kbps $kbps 720p.y4m" -v tc="vpxenc ${vpxenc_args[*]} --target-bitrate=$kbps -o 720p.ivf 720p.y4m" 'BEGIN {
      printf "  \"vp8_vs_vpxenc\": {\"clip\":\"synthetic camera 1280x720, %d frames at 30 fps\",\"kbps\":%d,", f, k
      printf "\"ours_cpu_s\":%.3f,\"vpxenc_cpu_s\":%.3f,\"ratio\":%.3f,", o, t, o / t
      printf "\"ours_cpu_ms_frame\":%.3f,\"vpxenc_cpu_ms_frame\":%.3f,", 1000 * o / f, 1000 * t / f
      printf "\"ours_bytes\":%d,\"vpxenc_bytes\":%d,", ob, tb
      printf "\"runs\":%d,\"best_of\":\"%s\",\"load_average\":\"%s\",", runs, clock, load
      printf "\"ours_command\":\"%s\",\"vpxenc_command\":\"%s\"},\n", oc, tc
    }'
  # The three layers' encoding alone, both encoders: CPU seconds for
  # frames/30 seconds of video, as a share of one core.
  awk -v f="$frames" -v o="${all_ours[*]}" -v t="${all_theirs[*]}" '
    function stats(list, name,   v, n, i, j, x, med, out) {
      n = split(list, v, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
      med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      out = sprintf("\"%s_cpu_percent_best\":%.1f,\"%s_cpu_percent_median\":%.1f,\"%s_cpu_percent_runs\":[", name, 100 * v[1] * 30 / f, name, 100 * med * 30 / f, name)
      for (i = 1; i <= n; i++) out = out sprintf("%s%.1f", (i > 1 ? "," : ""), 100 * v[i] * 30 / f)
      MED[name] = med
      return out "]"
    }
    BEGIN {
      printf "  \"three_layers_encode_only\": {\"layers\":\"180p and 360p at 20 fps, 720p at 30 fps; 150, 424 and 1126 kbps\",%s,%s,\"median_ratio\":%.3f}\n", stats(o, "ours"), stats(t, "vpxenc"), MED["ours"] / MED["vpxenc"]
    }'
  echo "}"
} > bench-results/simulcast.json
echo "wrote bench-results/simulcast.json" >&2
