#!/usr/bin/env bash
# Darknet front-end end to end: yolov3-tiny and yolov4-tiny
# (fixtures/darknet, cfgs only) with seeded weights written in the Darknet
# layout, through bmnetd on both targets.
#
#   test/e2e/run_darknet.sh <build-dir> [--keep]
#
# darknet_oracle.py writes the weights, a real photo as input and the
# oracle outputs (the raw inputs of the [yolo] layers): OpenCV's
# readNetFromDarknet for both nets and Debian's libdarknet (through
# darknet_dump.c, compiled here against /usr/lib/darknet) for yolov3-tiny
# (pjreddie's darknet has no route groups, so it cannot run yolov4-tiny).
# A third case, tiny, is test/lit/bmnetd/Inputs/tiny.cfg (mish, swish, route
# groups, stride-1 maxpool, shortcut, dropout) against OpenCV.
# A case passes when bmnetd compiles, its reference outputs match every
# oracle (cosine >= 0.99999, max abs error / largest oracle magnitude
# <= 1e-4) and `bmrt_test --context_dir` says "cmp success". Generated files
# are cached in <build-dir>/e2e-cache/darknet-<hash of the generators>.
# Ends with "darknet: N passed, M failed"; exits non-zero on any failure.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
FIXTURES="${ONNTC_FIXTURES:-$ROOT/../shared/fixtures}"
MAXREL=1e-4
[ $# -ge 1 ] || { echo "usage: $0 <build-dir> [--keep]" >&2; exit 2; }
BUILD="$(cd "$1" 2>/dev/null && pwd)" || { echo "darknet: build dir '$1' not found" >&2; exit 2; }
KEEP=0
[ "${2:-}" = "--keep" ] && KEEP=1
# shellcheck source=frontend_case.sh
source "$HERE/frontend_case.sh"

NETS=(yolov3-tiny yolov4-tiny tiny)
# tiny: test/lit/bmnetd/Inputs/tiny.cfg (mish, swish, route groups, stride-1
# maxpool, shortcut, dropout at 16x16), OpenCV oracle only.
cfg_of() { if [ "$1" = tiny ]; then echo "$ROOT/test/lit/bmnetd/Inputs/tiny.cfg"; else echo "$FIXTURES/darknet/$1.cfg"; fi; }
TARGETS=(BM1684 BM1684X)
total=$(( ${#NETS[@]} * ${#TARGETS[@]} ))
pass=0 fail=0 failed=()
giveup() { echo "darknet: $1"; echo "darknet: 0 passed, $total failed"; exit 1; }
[ -d "$FIXTURES/darknet" ] || giveup "fixtures not found under $FIXTURES (set ONNTC_FIXTURES)"
for t in bmnetd bmrt_test; do
  [ -x "$BUILD/bin/$t" ] || giveup "$BUILD/bin/$t is missing; build it with: ninja -C $BUILD bmnetd bmrt_test"
done
[ -f /usr/lib/darknet/libdarknet.so ] || giveup "Debian darknet is missing (apt-get install darknet)"

KEY=$(cat "$HERE/darknet_oracle.py" "$HERE/darknet_dump.c" "$FIXTURES"/darknet/*.cfg "$(cfg_of tiny)" | sha256sum | cut -c1-16)
CACHE="$BUILD/e2e-cache/darknet-$KEY"
WORK="$BUILD/e2e-work/darknet"
mkdir -p "$WORK"
if [ ! -f "$CACHE/done.stamp" ]; then
  mkdir -p "$CACHE"
  cc -O1 -I/usr/lib/darknet/include "$HERE/darknet_dump.c" -o "$CACHE/darknet_dump" \
     -L/usr/lib/darknet -ldarknet -Wl,-rpath,/usr/lib/darknet > "$CACHE/oracle.log" 2>&1 ||
    giveup "cannot build darknet_dump: $(tail -1 "$CACHE/oracle.log")"
  for n in "${NETS[@]}"; do
    dn=()
    [ "$n" = yolov3-tiny ] && dn=(--darknet-dump "$CACHE/darknet_dump")
    ONNTC_FIXTURES="$FIXTURES" "$PY" "$HERE/darknet_oracle.py" "$(cfg_of "$n")" "$CACHE" \
      "${dn[@]}" >> "$CACHE/oracle.log" 2>&1 || giveup "the oracle failed for $n: $(tail -1 "$CACHE/oracle.log")"
  done
  touch "$CACHE/done.stamp"
fi

for n in "${NETS[@]}"; do
  oracles="--oracle opencv $(ls "$CACHE/${n}"_opencv_*.npy | sort -V | tr '\n' ' ')"
  if [ "$n" = yolov3-tiny ]; then
    oracles+=" --oracle darknet $(ls "$CACHE/${n}"_darknet_*.npy | sort -V | tr '\n' ' ')"
  fi
  for tgt in "${TARGETS[@]}"; do
    run_case "$n" "$tgt" \
      "$BUILD/bin/bmnetd --model $(cfg_of "$n") --weight $CACHE/$n.weights --net_name $n --test_input $CACHE/${n}_input.npy" \
      "$oracles"
  done
done
((fail)) && echo "darknet: failed: ${failed[*]}"
echo "darknet: ${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
