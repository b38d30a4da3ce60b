#!/usr/bin/env bash
# The Fashion-MNIST INT8 proof (issue 9), short form for the test suite.
#
#   test/e2e/run_int8_fmnist.sh <build-dir> [--limit N] [--batch B]
#
# scripts/int8/fashion_mnist.py does the work (docs/int8-proofs.md):
#   selftest  its idx parsing, INT8 (de)quantization, tpu_model --info parser;
#   train  the small CNN on the Fashion-MNIST train split (Debian package
#          dataset-fashion-mnist, Debian torch, 1 thread, ~4 min); the ONNX is
#          cached in <build-dir>/int8/model and only retrained when the
#          training recipe in the script changes;
#   int8   bmneto FP32 bmodel at batch B, scored on the first N t10k images
#          through bmrt_test --export_output runs on the cmodel; then
#          convert_imageset (200 train images) -> on_to_umodel (x/255) ->
#          calibration_use_pb -> the INT8 net's top-1 on the reference
#          interpreter (bmnetu --emit=quantized-ir --test_input, per batch)
#          -> bmnetu (INT8, FP32 in/out) and the same score on the cmodel.
# Gates: the FP32 bmodel's top-1 within $MAX_FP32_DIFF pt of torch's on the
# same images (the harness is right), the INT8 top-1 (reference and cmodel)
# at most $MAX_DROP pt below the FP32 one, the cmodel's INT8 predictions
# equal to the reference interpreter's. One PASS/FAIL line per step; ends with exactly
# "int8_fmnist: N passed, M failed"; exit status 0 only if all passed.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
SCRIPT="$ROOT/scripts/int8/fashion_mnist.py"
DATA=/usr/share/datasets/fashion-mnist

# 5000 images: the drop gate is 1 pt = 50 images; the FP32 bmodel takes ~12 s
# on the cmodel at batch 250, the INT8 reference ~35 s (20 bmnetu runs).
LIMIT=5000
BATCH=250
MAX_DROP=1.0
# FP32 on the cmodel vs torch: only last-bit rounding differs, which flips
# an argmax at most on a near tie.
MAX_FP32_DIFF=0.1

usage() {
  echo "usage: $0 <build-dir> [--limit N] [--batch B]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
BUILD="$(cd "$1" 2>/dev/null && pwd)" || { echo "int8_fmnist: build dir '$1' not found" >&2; exit 2; }
shift
while [ $# -gt 0 ]; do
  case "$1" in
    --limit) [ $# -ge 2 ] || usage; LIMIT="$2"; shift ;;
    --batch) [ $# -ge 2 ] || usage; BATCH="$2"; shift ;;
    *) usage ;;
  esac
  shift
done

T_START=$(date +%s)
MODEL="$BUILD/int8/model"
WORK="$BUILD/int8/e2e"
pass=0
fail=0
ok() { echo "PASS $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
finish() {
  echo "int8_fmnist: total time $(( $(date +%s) - T_START ))s; logs in $WORK"
  echo "int8_fmnist: ${pass} passed, ${fail} failed"
  [ "$fail" -eq 0 ] && exit 0
  exit 1
}
# A field of a JSON file (floats to 2 decimals), or empty.
field() {
  "$PY" -c 'import json,sys
v = json.load(open(sys.argv[1])).get(sys.argv[2])
print("" if v is None else "%.2f" % v if isinstance(v, float) else v)' "$1" "$2" 2>/dev/null
}

# bmnetu is checked by the int8 step, after the FP32 score.
for t in bmneto bmrt_test tpu_model convert_imageset on_to_umodel calibration_use_pb; do
  if [ ! -x "$BUILD/bin/$t" ]; then
    bad "tools: $BUILD/bin/$t is missing; build it with: ninja -C $BUILD $t"
  fi
done
if [ ! -f "$DATA/t10k-images-idx3-ubyte.gz" ]; then
  bad "data: $DATA is missing (apt-get install dataset-fashion-mnist)"
fi
if ! "$PY" -c 'import torch, onnx, cv2, numpy' 2>/dev/null; then
  bad "python: $PY lacks torch/onnx/cv2/numpy (Debian python3-torch python3-onnx python3-opencv)"
fi
((fail)) && finish
mkdir -p "$WORK"

# 0. The script's own checks (INT8 input quantization etc.).
if "$PY" "$SCRIPT" selftest >"$WORK/selftest.log" 2>&1; then
  ok "selftest"
else
  bad "selftest: $(grep -m1 FAIL "$WORK/selftest.log" | cut -c1-240)"
fi

# 1. Train (cached).
t0=$(date +%s)
if "$PY" "$SCRIPT" train --out "$MODEL" >"$WORK/train.log" 2>&1; then
  ok "train: $(tail -1 "$WORK/train.log" | sed 's/^train: //' | cut -c1-200) ($(( $(date +%s) - t0 ))s)"
else
  bad "train (see $WORK/train.log): $(tail -1 "$WORK/train.log" | cut -c1-240)"
  finish
fi

# 2. FP32 and INT8 bmodels scored on the cmodel.
rm -f "$WORK/eval_fp32/eval_summary.json" "$WORK/eval_int8/eval_summary.json" "$WORK/int8_summary.json"
t0=$(date +%s)
"$PY" "$SCRIPT" int8 --build "$BUILD" --work "$WORK" --model-dir "$MODEL" \
  --limit "$LIMIT" --batch "$BATCH" --max-drop "$MAX_DROP" >"$WORK/int8.log" 2>&1
rc=$?
secs=$(( $(date +%s) - t0 ))
err="$( (grep 'error:' "$WORK/int8.log" | tail -1 | grep . || tail -1 "$WORK/int8.log") | cut -c1-300)"

fp32_json="$WORK/eval_fp32/eval_summary.json"
if [ -f "$fp32_json" ]; then
  f32=$(field "$fp32_json" top1); tt=$(field "$fp32_json" torch_top1)
  n=$(field "$fp32_json" images); spb=$(field "$fp32_json" seconds_per_batch)
  msg="fp32: cmodel top-1 ${f32}% vs torch ${tt}% over $n images (${spb}s per batch of $BATCH)"
  if [ -n "$tt" ] && awk -v a="$f32" -v b="$tt" -v m="$MAX_FP32_DIFF" \
      'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= m) }'; then
    ok "$msg"
  else
    bad "$msg: differ by more than $MAX_FP32_DIFF pt"
  fi
else
  bad "fp32 (see $WORK/int8.log): $err"
  finish
fi

sum_json="$WORK/int8_summary.json"
ref=""
[ -f "$sum_json" ] && ref=$(field "$sum_json" int8_reference_top1)
if [ -n "$ref" ]; then
  rdrop=$(field "$sum_json" int8_reference_drop_pt)
  msg="int8-ref: reference interpreter (bmnetu --emit=quantized-ir) top-1 ${ref}% vs FP32 $(field "$sum_json" fp32_top1)%, drop $rdrop pt (gate $MAX_DROP)"
  if awk -v d="$rdrop" -v m="$MAX_DROP" 'BEGIN { exit !(d <= m) }'; then ok "$msg"; else bad "$msg"; fi
else
  bad "int8-ref (see $WORK/int8.log): $err"
  finish
fi
i8=$(field "$sum_json" int8_top1)
if [ -n "$i8" ]; then
  msg="int8: cmodel top-1 ${i8}% vs FP32 $(field "$sum_json" fp32_top1)%, drop $(field "$sum_json" drop_pt) pt (gate $MAX_DROP) over $(field "$sum_json" images) images, cmodel = reference: $(field "$sum_json" cmodel_matches_reference) (${secs}s)"
  if [ "$rc" -ne 0 ]; then
    bad "$msg: $err"
  elif [ "$(field "$sum_json" cmodel_matches_reference)" != True ]; then
    # docs/int8.md: the bmodel on the cmodel matches the INT8 reference exactly.
    bad "$msg: the cmodel's predictions differ from the reference interpreter's"
  else
    ok "$msg"
  fi
else
  bad "int8 (see $WORK/int8.log): $err"
fi
finish
