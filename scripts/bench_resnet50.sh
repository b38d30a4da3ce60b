#!/usr/bin/env bash
# Prints compile and reference-interpreter figures for a seeded torchvision
# ResNet-50 at 1x3x224x224, and the interpreter / onnxruntime-node time ratio
# measured in the same run on the same input. Not a test: it only prints.
#
#   scripts/bench_resnet50.sh [build-dir] [--runs N] [--rounds R] [--threads T]
#
# Each of R rounds times N interpreter runs (bmneto_bench) and then N
# onnxruntime-node runs (test/e2e/ort_run.js), each after one warm-up run;
# alternating the two spreads any load from other processes over both.
# Figures are medians over all R*N runs. --threads sets the thread count of
# both (default: all cores for both).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build"
RUNS=5
ROUNDS=3
THREADS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift ;;
    --rounds) ROUNDS="$2"; shift ;;
    --threads) THREADS="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "bench: unknown option $1" >&2; exit 2 ;;
    *) BUILD="$1" ;;
  esac
  shift
done
BUILD="$(cd "$BUILD" && pwd)"
PY=/usr/bin/python3

for t in bmneto bmneto_bench; do
  if [ ! -x "$BUILD/bin/$t" ]; then
    echo "bench: building $t"
    ninja -C "$BUILD" -j2 "$t" >/dev/null
  fi
done

DIR="$BUILD/bench"
MODEL="$DIR/resnet50/model.onnx"
INPUT="$DIR/resnet50/input.npy"
# resnet50_bn is the same net exported with its BatchNormalization nodes kept
# (torch folds them otherwise), so that the optimiser has work to do.
BN_MODEL="$DIR/resnet50_bn/model.onnx"
for m in resnet50 resnet50_bn; do
  if [ ! -f "$DIR/$m/meta.json" ]; then
    echo "bench: exporting a seeded torchvision ResNet-50 to $DIR/$m/model.onnx"
    "$PY" "$ROOT/test/e2e/gen_models.py" --out "$DIR" "$m" 2>/dev/null >/dev/null
  fi
done

echo "ResNet-50 1x3x224x224 fp32, $(nproc) cores, $RUNS runs x $ROUNDS rounds, threads=${THREADS/#0/all}"
echo "machine load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# One whole bmneto compile (import, optimise, two reference runs for --cmp,
# writing the output directory), as a user sees it.
rm -rf "$DIR/compilation"
t0=$(date +%s.%N)
"$BUILD/bin/bmneto" --model "$MODEL" --shapes "[1,3,224,224]" --net_name resnet50 \
  --target BM1684X --outdir "$DIR/compilation" --test_input "$INPUT" > "$DIR/bmneto.log"
whole=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')

# Import + optimise with BatchNormalization still in the graph (one interpreter
# run, only for the compile figures).
bn=$("$BUILD/bin/bmneto_bench" --model "$BN_MODEL" --shapes "[1,3,224,224]" \
     --test_input "$INPUT" --runs 1 --threads "$THREADS")

ours=()
ort=()
imp=()
for ((r = 0; r < ROUNDS; ++r)); do
  out=$("$BUILD/bin/bmneto_bench" --model "$MODEL" --shapes "[1,3,224,224]" \
        --test_input "$INPUT" --runs "$RUNS" --threads "$THREADS")
  read -r -a t <<<"$(echo "$out" | awk '$1 == "interp_s" { $1 = ""; print }')"
  ours+=("${t[@]}")
  # shellcheck disable=SC2207  # four numbers, split on purpose
  imp+=($(echo "$out" | awk '$1 == "import_s" { i = $2 } $1 == "optimize_s" { o = $2 }
                              $1 == "import_cpu_s" { ic = $2 } $1 == "optimize_cpu_s" { oc = $2 }
                              END { print i, o, ic, oc }'))
  ort_args=(--model "$MODEL" --input "$INPUT" --runs "$RUNS" --warmup 1)
  [ "$THREADS" -gt 0 ] && ort_args+=(--threads "$THREADS")
  json=$(node "$ROOT/test/e2e/ort_run.js" "${ort_args[@]}")
  read -r -a t <<<"$(echo "$json" | "$PY" -c 'import json,sys; print(" ".join("%.4f" % (x / 1000) for x in json.load(sys.stdin)["times_ms"]))')"
  ort+=("${t[@]}")
done

"$PY" - "$whole" "${#ours[@]}" "${ours[@]}" "${ort[@]}" -- "${imp[@]}" <<'EOF'
import statistics, sys
a = sys.argv[1:]
whole = float(a[0]); n = int(a[1])
ours = [float(x) for x in a[2:2 + n]]
rest = a[2 + n:]
sep = rest.index("--")
ort = [float(x) for x in rest[:sep]]
imp = [float(x) for x in rest[sep + 1:]]
rounds = [imp[i:i + 4] for i in range(0, len(imp), 4)]
med = statistics.median
i_wall = med(r[0] for r in rounds); o_wall = med(r[1] for r in rounds)
i_cpu = med(r[2] for r in rounds); o_cpu = med(r[3] for r in rounds)
print("import:            %.3f s wall (%.3f s CPU)" % (i_wall, i_cpu))
print("optimize:          %.3f s wall (%.3f s CPU)" % (o_wall, o_cpu))
print("import+optimize:   %.3f s wall (%.3f s CPU)" % (i_wall + o_wall, i_cpu + o_cpu))
print("bmneto end to end: %.2f s (import, optimise, 2 reference runs for --cmp, write)" % whole)
print("interpreter:       median %.1f ms  (min %.1f, max %.1f, %d runs)"
      % (med(ours) * 1e3, min(ours) * 1e3, max(ours) * 1e3, len(ours)))
print("onnxruntime-node:  median %.1f ms  (min %.1f, max %.1f, %d runs)"
      % (med(ort) * 1e3, min(ort) * 1e3, max(ort) * 1e3, len(ort)))
print("ratio interpreter / onnxruntime-node: %.2fx (medians); %.2fx (minima)"
      % (med(ours) / med(ort), min(ours) / min(ort)))
EOF
echo "$bn" | awk '$1 == "nodes" { n = $2 } $1 == "import_s" { i = $2 } $1 == "optimize_s" { o = $2 }
  END { printf "same net with its BatchNormalization nodes kept: import %.3f s, optimize %.3f s, import+optimize %.3f s wall\n", i, o, i + o }'
echo "machine load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
