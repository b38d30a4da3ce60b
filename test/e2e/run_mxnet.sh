#!/usr/bin/env bash
# MXNet front-end end to end: MTCNN det1-det4 (fixtures/mxnet/mtcnn) through
# bmnetm on both targets.
#
#   test/e2e/run_mxnet.sh <build-dir> [--keep]
#
# Oracle: OpenCV DNN running the Caffe twin (fixtures/caffe/mtcnn) on the
# same photo crops, BGR and with H/W transposed (mtcnn_oracle.py explains
# why). A case passes when bmnetm compiles, its reference outputs match the
# oracle (cosine >= 0.99999 and max abs error / largest oracle magnitude
# <= 1e-4) and `bmrt_test --context_dir` says "cmp success". Oracle data is
# cached in <build-dir>/e2e-cache/mxnet-<hash of the generator>. Ends with
# "mxnet: N passed, M failed"; exits non-zero on any failure.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
FIXTURES="${ONNTC_FIXTURES:-$ROOT/../shared/fixtures}"
MAXREL=1e-4
[ $# -ge 1 ] || { echo "usage: $0 <build-dir> [--keep]" >&2; exit 2; }
BUILD="$(cd "$1" 2>/dev/null && pwd)" || { echo "mxnet: build dir '$1' not found" >&2; exit 2; }
KEEP=0
[ "${2:-}" = "--keep" ] && KEEP=1
# shellcheck source=frontend_case.sh
source "$HERE/frontend_case.sh"

NETS=(det1 det2 det3 det4)
TARGETS=(BM1684 BM1684X)
pass=0 fail=0 failed=()
M="$FIXTURES/mxnet/mtcnn"
if [ ! -d "$M" ] || [ ! -d "$FIXTURES/caffe/mtcnn" ]; then
  echo "mxnet: fixtures not found under $FIXTURES (set ONNTC_FIXTURES)"
  echo "mxnet: 0 passed, $(( ${#NETS[@]} * ${#TARGETS[@]} )) failed"; exit 1
fi
for t in bmnetm bmrt_test; do
  if [ ! -x "$BUILD/bin/$t" ]; then
    echo "mxnet: $BUILD/bin/$t is missing; build it with: ninja -C $BUILD bmnetm bmrt_test"
    echo "mxnet: 0 passed, $(( ${#NETS[@]} * ${#TARGETS[@]} )) failed"; exit 1
  fi
done

KEY=$(cat "$HERE/mtcnn_oracle.py" | sha256sum | cut -c1-16)
CACHE="$BUILD/e2e-cache/mxnet-$KEY"
WORK="$BUILD/e2e-work/mxnet"
mkdir -p "$WORK"
if [ ! -f "$CACHE/done.stamp" ]; then
  mkdir -p "$CACHE"
  if ! ONNTC_FIXTURES="$FIXTURES" "$PY" "$HERE/mtcnn_oracle.py" "$CACHE" > "$CACHE/oracle.log" 2>&1; then
    echo "mxnet: the OpenCV oracle failed: $(tail -1 "$CACHE/oracle.log")"
    echo "mxnet: 0 passed, $(( ${#NETS[@]} * ${#TARGETS[@]} )) failed"; exit 1
  fi
  touch "$CACHE/done.stamp"
fi

for n in "${NETS[@]}"; do
  shape=$("$PY" -c 'import numpy, sys; print(list(numpy.load(sys.argv[1]).shape))' "$CACHE/${n}_input.npy" | tr -d ' ')
  for tgt in "${TARGETS[@]}"; do
    run_case "$n" "$tgt" \
      "$BUILD/bin/bmnetm --model $M/$n-symbol.json --weight $M/$n-0001.params --shapes $shape --net_name $n --test_input $CACHE/${n}_input.npy" \
      "--oracle opencv-caffe $(ls "$CACHE/${n}"_out_*.npy | sort -V | tr '\n' ' ')"
  done
done
((fail)) && echo "mxnet: failed: ${failed[*]}"
echo "mxnet: ${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
