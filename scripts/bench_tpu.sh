#!/usr/bin/env bash
# Prints, per model and target, what the bmodel path costs and what the chip
# simulator predicts, next to the published real-chip figures. Not a test.
#
#   scripts/bench_tpu.sh [build-dir] [--only name,name] [--ort-runs N]
#
# Runs test/e2e/run_tpu.sh --keep --no-stress (compiles with bmneto, runs
# bmrt_test on the cmodel), then times onnxruntime-node on the same model and
# input. Columns:
#   compile s   bmneto wall time (import, optimise, one reference run, codegen, write)
#   cmodel s    bmrt_test "calculate time" (wall time of the simulated launch)
#   ort ms      onnxruntime-node median over N runs after one warm-up
#   cmodel/ort  ratio of the two wall times, measured in the same run
#   sim ms      simulated latency; MAC util: simulated MAC utilization
#   chip ms     published real-chip fp32 batch-1 figure
#               (/work/shared/reference/sophon-toolchain.md section 8), "-" if none
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build"
ONLY=()
ORT_RUNS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY=(--only "$2"); shift ;;
    --ort-runs) ORT_RUNS="$2"; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "bench_tpu: unknown option $1" >&2; exit 2 ;;
    *) BUILD="$1" ;;
  esac
  shift
done
BUILD="$(cd "$BUILD" && pwd)"
PY=/usr/bin/python3

echo "bench_tpu: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$BUILD/tpu-work"
stamp="$BUILD/tpu-work/.bench-start"
touch "$stamp"
"$ROOT/test/e2e/run_tpu.sh" "$BUILD" --keep --no-stress "${ONLY[@]}" | sed 's/^/  /'

# Published fp32 1b figures, model:target -> ms.
published() {
  case "$1:$2" in
    resnet50:BM1684) echo 6.36 ;;
    resnet50:BM1684X) echo 9.14 ;;
    *) echo - ;;
  esac
}

printf '%-20s %-8s %9s %9s %9s %10s %9s %8s %8s\n' model target "compile s" "cmodel s" "ort ms" \
  "cmodel/ort" "sim ms" "MAC util" "chip ms"
declare -A ort_ms
for d in "$BUILD"/tpu-work/*/; do
  d="${d%/}"
  # Only the cases of this run (older folders may be left from other runs).
  [ "$d/case.txt" -nt "$stamp" ] || continue
  base="$(basename "$d")"
  tgt="${base##*-}"
  m="${base%-*}"
  [ -f "$d/bmrt_test.log" ] || { printf '%-20s %-8s (failed to compile; see %s)\n' "$m" "$tgt" "$d/bmneto.log"; continue; }
  mapfile -t c < "$d/case.txt"
  if [ -z "${ort_ms[$m]:-}" ]; then
    ort_ms[$m]=$(node "$ROOT/test/e2e/ort_run.js" --model "${c[0]}" --input "${c[1]}" \
                   --runs "$ORT_RUNS" --warmup 1 2>/dev/null | tail -1 |
                 "$PY" -c 'import json,sys,statistics; print("%.2f" % statistics.median(json.load(sys.stdin)["times_ms"]))' 2>/dev/null)
    [ -n "${ort_ms[$m]}" ] || ort_ms[$m]=nan
  fi
  calc=$(sed -n 's/.*calculate  *time(s): \([0-9.]*\).*/\1/p' "$d/bmrt_test.log" | head -1)
  lat=$(sed -n 's/.*latency \([0-9.]*\) us.*/\1/p' "$d/bmrt_test.log" | head -1)
  util=$(sed -n 's/.*MAC utilization \([0-9.]*%\).*/\1/p' "$d/bmrt_test.log" | head -1)
  ok=""
  grep -q 'cmp success' "$d/bmrt_test.log" || ok=" (cmp FAILED)"
  awk -v m="$m" -v t="$tgt" -v cs="${c[2]}" -v calc="${calc:-nan}" -v ort="${ort_ms[$m]}" \
      -v lat="${lat:-nan}" -v util="${util:-?}" -v pub="$(published "$m" "$tgt")" -v ok="$ok" \
      'BEGIN { r = (ort + 0 > 0) ? sprintf("%.0fx", calc * 1000 / ort) : "-";
               printf "%-20s %-8s %9.1f %9.2f %9s %10s %9.2f %8s %8s%s\n",
                      m, t, cs, calc, ort, r, lat / 1000, util, pub, ok }'
done
echo "bench_tpu: load average after $(cut -d' ' -f1-3 /proc/loadavg)"
