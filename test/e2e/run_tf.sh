#!/usr/bin/env bash
# The TensorFlow front-end bmnett on the real fixtures.
#
#   test/e2e/run_tf.sh <build-dir> [--targets BM1684,BM1684X] [--keep]
#
# res10-ssd-face (OpenCV's SSD face detector, uint8 weights, dilated convs):
#   tf_oracle.py runs OpenCV DNN (readNetFromTensorflow(pb, pbtxt)) on a real
#   photo and writes the NHWC input and OpenCV's mbox_loc / mbox_conf_flatten.
#   For each target, `bmnett --test_input` compiles the graph and writes the
#   reference outputs; they must match OpenCV with cosine >= 0.99999 and
#   max relative error (max |ours - ref| / max |ref|) <= 1e-4. Then
#   `bmrt_test --context_dir` runs compilation.bmodel on the cmodel and must
#   print "cmp success".
# tf-mtcnn (a whole MTCNN pipeline with while loops): bmnett must fail with
#   one error listing the unsupported ops (control flow, TensorArrays,
#   NonMaxSuppressionV2, CropAndResize, ...) and leave --outdir untouched.
# One line per case; the last line is "tf: N passed, M failed".
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
FIXTURES="${ONNTC_FIXTURES:-$ROOT/../shared/fixtures}"
TARGETS=(BM1684 BM1684X)

usage() { echo "usage: $0 <build-dir> [--targets T,T] [--keep]" >&2; exit 2; }
[ $# -ge 1 ] || usage
BUILD="$(cd "$1" 2>/dev/null && pwd)" || { echo "tf: build dir '$1' not found" >&2; exit 2; }
shift
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --targets) [ $# -ge 2 ] || usage; IFS=, read -r -a TARGETS <<<"$2"; shift ;;
    --keep) KEEP=1 ;;
    *) usage ;;
  esac
  shift
done

BMNETT="$BUILD/bin/bmnett"
BMRT="$BUILD/bin/bmrt_test"
ncases=$(( ${#TARGETS[@]} + 1 ))
for t in "$BMNETT" "$BMRT"; do
  if [ ! -x "$t" ]; then
    echo "tf: $t is missing; build it with: ninja -C $BUILD bmnett bmrt_test"
    echo "tf: 0 passed, $ncases failed"
    exit 1
  fi
done
WORK="$BUILD/e2e-tf"
rm -rf "$WORK"
mkdir -p "$WORK"
pass=0
fail=0
ok() { echo "PASS $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# --- res10-ssd-face -----------------------------------------------------------
RES10="$FIXTURES/tensorflow/res10-ssd-face"
PB="$RES10/opencv_face_detector_uint8.pb"
REF="$WORK/res10-ref"
if ! "$PY" "$HERE/tf_oracle.py" "$PB" "$RES10/opencv_face_detector.pbtxt" \
      "$FIXTURES/images/faces/ulfd-group.jpg" "$REF" > "$WORK/oracle.log" 2>&1; then
  for tgt in "${TARGETS[@]}"; do
    bad "res10-ssd-face $tgt: the OpenCV oracle failed: $(tail -1 "$WORK/oracle.log")"
  done
else
  for tgt in "${TARGETS[@]}"; do
    out="$WORK/res10-$tgt"
    t0=$(date +%s)
    if ! "$BMNETT" --model="$PB" --input_names=data --shapes=[1,300,300,3] \
          --output_names=mbox_loc,mbox_conf_flatten --net_name=res10 \
          --test_input="$REF/input.npy" --target="$tgt" --outdir="$out" \
          > "$WORK/res10-$tgt.log" 2>&1; then
      bad "res10-ssd-face $tgt: bmnett failed: $(grep -m1 'error' "$WORK/res10-$tgt.log" | cut -c1-300)"
      continue
    fi
    res=$("$PY" "$HERE/compare.py" "$out/output_ref_data.dat" \
          --oracle opencv "$REF/mbox_loc.npy" "$REF/mbox_conf_flatten.npy" 2>&1)
    cmp_rc=$?
    maxrel=$(sed -n 's/.* maxrel=\([^ ]*\) .*/\1/p' <<<"$res")
    rel_ok=$(awk -v r="${maxrel:-inf}" 'BEGIN { print (r + 0 <= 1e-4 && r != "inf" && r != "nan") ? 1 : 0 }')
    if [ $cmp_rc -ne 0 ] || [ "$rel_ok" != 1 ]; then
      bad "res10-ssd-face $tgt vs OpenCV (cos >= 0.99999, maxrel <= 1e-4): $res"
      continue
    fi
    timeout 1800 "$BMRT" --context_dir "$out" > "$WORK/bmrt-$tgt.log" 2>&1
    rc=$?
    lat=$(sed -n 's/.*latency \([0-9.]*\) us.*/\1/p' "$WORK/bmrt-$tgt.log" | head -1)
    if [ $rc -eq 0 ] && grep -q 'cmp success' "$WORK/bmrt-$tgt.log" && ! grep -q 'cmp failed' "$WORK/bmrt-$tgt.log"; then
      ok "res10-ssd-face $tgt: vs OpenCV $res; bmrt_test cmp success, latency ${lat:-?} us ($(( $(date +%s) - t0 ))s)"
    else
      bad "res10-ssd-face $tgt: vs OpenCV $res; bmrt_test exit $rc: $( (grep -m1 -i 'cmp failed\|error' "$WORK/bmrt-$tgt.log" || tail -1 "$WORK/bmrt-$tgt.log") | cut -c1-240)"
    fi
  done
fi

# --- tf-mtcnn: one error listing every unsupported op ---------------------------
MT="$FIXTURES/tensorflow/tf-mtcnn/mtcnn.pb"
mkdir -p "$WORK/mtcnn-out"
touch "$WORK/mtcnn-out/keep.txt"
"$BMNETT" --model="$MT" --outdir="$WORK/mtcnn-out" > "$WORK/mtcnn.log" 2>&1
rc=$?
want=(Enter Exit LoopCond Merge NextIteration Switch TensorArrayV3 TensorArrayWriteV3
      TensorArrayConcatV3 NonMaxSuppressionV2 CropAndResize)
missing=()
for op in "${want[@]}"; do
  grep -q "unsupported op(s) \[.*\b$op\b" "$WORK/mtcnn.log" || missing+=("$op")
done
nerr=$(grep -c 'error:' "$WORK/mtcnn.log")
if [ $rc -ne 0 ] && [ ${#missing[@]} -eq 0 ] && [ "$nerr" = 1 ] &&
   [ "$(ls -A "$WORK/mtcnn-out")" = keep.txt ]; then
  ok "tf-mtcnn: rejected with one error: $(grep -m1 'error:' "$WORK/mtcnn.log" | sed 's/.*: \([0-9]* node(s) use [0-9]* unsupported op(s)\).*/\1/')"
else
  bad "tf-mtcnn: exit $rc, errors $nerr, ops not listed: ${missing[*]:-none}, outdir: $(ls -A "$WORK/mtcnn-out" | tr '\n' ' ')"
fi

[ $KEEP = 1 ] || rm -rf "$WORK"
echo "tf: ${pass} passed, ${fail} failed"
[ $fail -eq 0 ]
