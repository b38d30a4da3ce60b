#!/usr/bin/env bash
# Runs real models as bmodels on the chip simulator, for both targets.
#
#   test/e2e/run_tpu.sh <build-dir> [--only a,b] [--targets BM1684,BM1684X] [--no-stress] [--keep]
#
# For every (model, target): `bmneto --test_input input.npy` writes the bmodel
# and the reference data of the reference interpreter, then
# `bmrt_test --context_dir --export_output` runs the bmodel on the cmodel and
# must print "cmp success" at --accuracy_f=$ACC_F (against our interpreter),
# and its exported outputs must match the real oracles, onnxruntime-node
# (cached in the e2e cache as run.sh does) and torch (when the export saved
# its output), within compare.py --max-rel $MAX_REL --max-abs $MAX_ABS. One
# line per (model, target) with the error against the oracles, the simulated
# latency and MAC utilization; ends with exactly "tpu: N passed, M failed".
#
# Exports come from the e2e cache (<build-dir>/e2e-cache/<key>, the same key
# as test/e2e/run.sh); missing ones are made with gen_models.py and
# prep_fixtures.py. Tiling stress cases (unless --no-stress):
#   resnet18_1024  ResNet-18 at 1x3x1024x1024 (gen_models.py's export with the
#                  input size changed)
#   conv2048       a 2048->2048 1x1 conv and a 3x3 conv with odd channel
#                  counts and spatial sizes, batch 4 (generated ONNX)
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
FIXTURES="${ONNTC_FIXTURES:-$ROOT/../shared/fixtures}"

# Gates (see compare.py): the bmodel against the interpreter element-wise
# (bmrt_test's rule, where 0.01 hid everything) and against the oracles.
# The bmodel's error against the interpreter is ~5e-6 and the interpreter's
# against the oracles up to 6.3e-06 (maxrel, test/e2e/run.sh), so these
# leave a margin of 10x or more.
ACC_F=1e-4
MAX_REL=5e-4
MAX_ABS=2e-3

MODELS=(resnet18 resnet50 mobilenet_v2 squeezenet1_1 shufflenet_v2_x1_0 googlenet ulfd-rfb320-nopost)
STRESS=(conv2048 resnet18_1024)
TARGETS=(BM1684 BM1684X)

usage() {
  echo "usage: $0 <build-dir> [--only name,name] [--targets T,T] [--no-stress] [--keep]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
BUILD="$(cd "$1" 2>/dev/null && pwd)" || { echo "tpu: build dir '$1' not found" >&2; exit 2; }
shift
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --only) [ $# -ge 2 ] || usage; IFS=, read -r -a MODELS <<<"$2"; STRESS=(); shift ;;
    --targets) [ $# -ge 2 ] || usage; IFS=, read -r -a TARGETS <<<"$2"; shift ;;
    --no-stress) STRESS=() ;;
    --keep) KEEP=1 ;;
    *) usage ;;
  esac
  shift
done
# --only may name stress cases too.
sel=()
for m in "${MODELS[@]}"; do
  case "$m" in conv2048|resnet18_1024) STRESS+=("$m") ;; *) sel+=("$m") ;; esac
done
MODELS=("${sel[@]}")

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
T_START=$(date +%s.%N)
BMNETO="$BUILD/bin/bmneto"
BMRT="$BUILD/bin/bmrt_test"
ncases=$(( (${#MODELS[@]} + ${#STRESS[@]}) * ${#TARGETS[@]} ))
for t in "$BMNETO" "$BMRT"; do
  if [ ! -x "$t" ]; then
    echo "tpu: $t is missing; build it with: ninja -C $BUILD bmneto bmrt_test"
    echo "tpu: 0 passed, $ncases failed"
    exit 1
  fi
done

# The same cache key as test/e2e/run.sh, so both share the exports.
KEY=$( { cat "$HERE/gen_models.py" "$HERE/prep_fixtures.py" "$HERE/ort_run.js" "$HERE/npy.js";
         "$PY" -c 'import torch, torchvision; print(torch.__version__, torchvision.__version__)'; } |
       sha256sum | cut -c1-16)
CACHE="$BUILD/e2e-cache/$KEY"
mkdir -p "$CACHE"
WORK="$BUILD/tpu-work"
mkdir -p "$WORK"

fixtures=()
mapfile -t fixtures < <("$PY" "$HERE/prep_fixtures.py" --list --fixtures "$FIXTURES" --out /dev/null)
is_fixture() { local f; for f in "${fixtures[@]}"; do [ "$1" = "$f" ] && return 0; done; return 1; }

missing=()
for m in "${MODELS[@]}"; do
  is_fixture "$m" && continue
  [ -f "$CACHE/$m/meta.json" ] || missing+=("$m")
done
if ((${#missing[@]})); then
  echo "tpu: exporting ${#missing[@]} model(s) into $CACHE"
  "$PY" "$HERE/gen_models.py" --out "$CACHE" "${missing[@]}" 2>> "$CACHE/export.log" | sed 's/^/  /'
fi
# Fixtures are prepared until every one is there (a missing fixture is
# looked for again next run, never remembered as missing).
for f in "${fixtures[@]}"; do
  if [ ! -f "$CACHE/$f/model.path" ]; then
    "$PY" "$HERE/prep_fixtures.py" --fixtures "$FIXTURES" --out "$CACHE"
    break
  fi
done

# Stress exports, kept next to the others (same key: gen_models.py's code).
for s in "${STRESS[@]}"; do
  case "$s" in
    resnet18_1024)
      if [ ! -f "$CACHE/$s/meta.json" ]; then
        echo "tpu: exporting ResNet-18 at 1x3x1024x1024"
        # gen_models.py's own export with the input size of resnet18 changed.
        "$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import gen_models as g
g.MODELS["resnet18"] = ({}, 1024); g.export_one("resnet18", sys.argv[2], 13)' \
          "$HERE" "$CACHE/$s" > /dev/null 2>> "$CACHE/export.log"
      fi ;;
    conv2048)
      if [ ! -f "$CACHE/$s/meta.json" ]; then
        # 2048->2048 1x1 conv on 7x7 (sizes not multiples of 64 or of the EU
        # width), then ReLU, a 3x3 conv 2048->67 (stride 1, pad 1) and a 3x3
        # conv 67->131 with stride 2 on the odd 7x7 map; batch 4.
        "$PY" -c 'import sys, os, json, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
out = sys.argv[1]; os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(2048)
def w(*s): return (rng.standard_normal(s) / np.sqrt(np.prod(s[1:]))).astype(np.float32)
inits = [numpy_helper.from_array(w(2048, 2048, 1, 1), "w1"),
         numpy_helper.from_array(w(2048) * 0.1, "b1"),
         numpy_helper.from_array(w(67, 2048, 3, 3), "w2"),
         numpy_helper.from_array(w(131, 67, 3, 3), "w3")]
nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"]),
         helper.make_node("Relu", ["c1"], ["r1"]),
         helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c2"], ["r2"]),
         helper.make_node("Conv", ["r2", "w3"], ["y"], pads=[1, 1, 1, 1], strides=[2, 2])]
shape = [4, 2048, 7, 7]
g = helper.make_graph(nodes, "conv2048",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 131, 4, 4])], inits)
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(m)
onnx.save(m, os.path.join(out, "model.onnx"))
np.save(os.path.join(out, "input.npy"), rng.standard_normal(shape).astype(np.float32))
json.dump({"name": "conv2048", "shape": shape}, open(os.path.join(out, "meta.json"), "w"))' \
          "$CACHE/$s" 2>> "$CACHE/export.log"
      fi ;;
  esac
done

pass=0
fail=0
failed=()
run_case() { # model target
  local m="$1" tgt="$2" dir="$CACHE/$1" out="$WORK/$1-$2" model shape rc secs t0 rt lat util
  rm -rf "$out"; mkdir -p "$out"
  if is_fixture "$m"; then
    [ -f "$dir/model.path" ] && model="$(cat "$dir/model.path")"
  else
    [ -f "$dir/meta.json" ] && model="$dir/model.onnx"
  fi
  if [ -z "${model:-}" ] || [ ! -f "$model" ]; then
    echo "FAIL $m $tgt (no export in $dir; see $CACHE/export.log)"
    fail=$((fail + 1)); failed+=("$m/$tgt"); return
  fi
  shape=$("$PY" -c 'import json,sys; print("[" + ",".join(map(str, json.load(open(sys.argv[1]))["shape"])) + "]")' "$dir/meta.json")
  t0=$(date +%s.%N)
  # --cmp false: run.sh already checks the optimised graph; here the
  # reference data of the optimised graph is what the bmodel must match.
  timeout 1800 "$BMNETO" --model "$model" --shapes "$shape" --net_name "$m" --outdir "$out/compilation" \
    --target "$tgt" --cmp false --test_input "$dir/input.npy" > "$out/bmneto.log" 2>&1
  rc=$?
  secs=$(elapsed "$t0")
  # For scripts/bench_tpu.sh: what was run, and the compile wall time.
  printf '%s\n%s\n%s\n' "$model" "$dir/input.npy" "$secs" > "$out/case.txt"
  if [ $rc -ne 0 ] || [ ! -f "$out/compilation/compilation.bmodel" ]; then
    echo "FAIL $m $tgt (bmneto exit $rc, ${secs}s): $( (grep -m1 'error:' "$out/bmneto.log" || tail -1 "$out/bmneto.log") | cut -c1-240)"
    fail=$((fail + 1)); failed+=("$m/$tgt"); return
  fi
  # The real oracles: onnxruntime-node's outputs (computed once, cached next
  # to the export as run.sh does) and torch's when the export saved them.
  if [ ! -f "$dir/ort/done" ]; then
    if ! node "$HERE/ort_run.js" --model "$model" --input "$dir/input.npy" \
         --outdir "$dir/ort" > "$out/ort.log" 2>&1; then
      echo "FAIL $m $tgt (onnxruntime-node failed: $(tail -1 "$out/ort.log"))"
      fail=$((fail + 1)); failed+=("$m/$tgt"); return
    fi
    touch "$dir/ort/done"
  fi
  local oracles=(--oracle ort $(ls "$dir"/ort/out_*.npy | sort -V))
  [ -f "$dir/torch_out.npy" ] && oracles+=(--oracle torch "$dir/torch_out.npy")
  t0=$(date +%s.%N)
  # --export_output writes the outputs (SDK ref-data layout) to ./output.dat.
  (cd "$out" && timeout 1800 "$BMRT" --context_dir "$out/compilation" --export_output \
     --accuracy_f="$ACC_F") > "$out/bmrt_test.log" 2>&1
  rc=$?
  rt=$(elapsed "$t0")
  lat=$(sed -n 's/.*latency \([0-9.]*\) us.*/\1/p' "$out/bmrt_test.log" | head -1)
  util=$(sed -n 's/.*MAC utilization \([0-9.]*%\).*/\1/p' "$out/bmrt_test.log" | head -1)
  if [ $rc -ne 0 ] || ! grep -q 'cmp success' "$out/bmrt_test.log" || grep -q 'cmp failed' "$out/bmrt_test.log"; then
    echo "FAIL $m $tgt (bmrt_test exit $rc, ${rt}s): $( (grep -m1 -i 'cmp failed\|error' "$out/bmrt_test.log" || tail -1 "$out/bmrt_test.log") | cut -c1-240)"
    fail=$((fail + 1)); failed+=("$m/$tgt"); return
  fi
  local res
  res=$("$PY" "$HERE/compare.py" "$out/output.dat" "${oracles[@]}" \
          --max-rel "$MAX_REL" --max-abs "$MAX_ABS" 2>&1)
  rc=$?
  echo "$res" > "$out/compare.log"
  if [ $rc -ne 0 ]; then
    echo "FAIL $m $tgt (bmodel output against the oracles): $res"
    fail=$((fail + 1)); failed+=("$m/$tgt"); return
  fi
  printf 'PASS %-20s %-8s %s  latency %10.3f ms  MAC util %7s  compile %6ss  cmodel %6ss\n' \
    "$m" "$tgt" "$(echo "$res" | awk '{print $1, $3}')" \
    "$(awk -v u="${lat:-0}" 'BEGIN{print u/1000}')" "${util:-?}" "$secs" "$rt"
  pass=$((pass + 1))
  [ "$KEEP" -eq 1 ] || rm -rf "$out/compilation" "$out/output.dat"
}

for m in "${MODELS[@]}"; do
  for tgt in "${TARGETS[@]}"; do run_case "$m" "$tgt"; done
done
for s in "${STRESS[@]}"; do
  for tgt in "${TARGETS[@]}"; do run_case "$s" "$tgt"; done
done

echo "tpu: total time $(elapsed "$T_START")s; logs in $WORK"
((fail)) && echo "tpu: failed: ${failed[*]}"
echo "tpu: ${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
