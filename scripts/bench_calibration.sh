#!/usr/bin/env bash
# Prints calibration throughput (images/s) of calibration_use_pb on a seeded
# torchvision ResNet-18 at 1x3x224x224 over the shared ImageNet sample
# (shared/fixtures/images/imagenet-sample, 200 JPEGs). Not a test: it only
# prints figures.
#
#   scripts/bench_calibration.sh [build-dir] [--iterations N] [--threads T]
#
# Steps: convert_imageset (resize to 224, timed), on_to_umodel (ONNX ->
# fp32umodel, optimize pipeline), then calibration_use_pb quantize timed with
# -iterations=1 and N (default 100), statistics only (--cosine_iterations=0),
# and with N and the default 5-batch INT8 cosine check. The per-image figure
# is the difference of the two statistics runs (the fixed cost of loading and
# writing a 45 MB umodel is paid once); img per CPU-second (user+sys of all
# threads) is the figure that a loaded shared machine disturbs least.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build"
ITER=100
THREADS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --iterations) ITER="$2"; shift ;;
    --threads) THREADS="$2"; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "bench: unknown option $1" >&2; exit 2 ;;
    *) BUILD="$1" ;;
  esac
  shift
done
BUILD="$(cd "$BUILD" && pwd)"
SHARED="${ONNTC_SHARED:-$ROOT/../shared}"
[ -d "$SHARED/fixtures" ] || SHARED=/work/shared
IMAGES="$SHARED/fixtures/images/imagenet-sample"
for t in convert_imageset on_to_umodel calibration_use_pb; do
  if [ ! -x "$BUILD/bin/$t" ]; then
    echo "bench: building $t"
    ninja -C "$BUILD" -j2 "$t" >/dev/null
  fi
done

DIR="$BUILD/bench-calibration"
mkdir -p "$DIR"
if [ ! -f "$DIR/resnet18/model.onnx" ]; then
  echo "bench: exporting a seeded torchvision ResNet-18 (test/e2e/gen_models.py)"
  /usr/bin/python3 "$ROOT/test/e2e/gen_models.py" --out "$DIR" resnet18 >/dev/null 2>&1
fi
now() { date +%s.%N; }

rm -rf "$DIR/lmdb" "$DIR/c"
t0=$(now)
"$BUILD/bin/convert_imageset" --imageset_rootfolder="$IMAGES" \
  --imageset_lmdbfolder="$DIR/lmdb" --resize_height=224 --resize_width=224 \
  >"$DIR/convert.txt" 2>&1
t1=$(now)
N=$(ls "$IMAGES" | wc -l)
"$BUILD/bin/on_to_umodel" -m "$DIR/resnet18/model.onnx" -s '(1,3,224,224)' \
  -d "$DIR/c" -D "$DIR/lmdb" -n resnet18 \
  --preprocess='mean_value=123.675:116.28:103.53,scale=0.0171,bgr2rgb=True' >/dev/null

run() { # $1 = iterations, $2 = cosine iterations; prints "wall user+sys"
  /usr/bin/time -f "%e %U %S" -o "$DIR/time.txt" \
    "$BUILD/bin/calibration_use_pb" quantize -model="$DIR/c/resnet18_bmneto_test_fp32.prototxt" \
    -weights="$DIR/c/resnet18_bmneto.fp32umodel" -iterations="$1" \
    --cosine_iterations="$2" --threads="$THREADS" >"$DIR/table-$1-$2.txt" 2>"$DIR/err-$1-$2.txt"
  awk '{print $1, $2 + $3}' "$DIR/time.txt"
}
# The marginal cost per image is (run of N) - (run of 1): loading the 45 MB
# fp32umodel, thresholds and writing the int8umodel are paid once.
read -r w1 c1 < <(run 1 0)
read -r wn cn < <(run "$ITER" 0)
read -r wk ck < <(run "$ITER" 5)
USED=$(grep -o 'from [0-9]* images' "$DIR/table-$ITER-0.txt" | grep -o '[0-9]*')
echo "== calibration on $(nproc) cores (load average $(cut -d' ' -f1 /proc/loadavg)), ResNet-18 1x3x224x224, $USED images =="
awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN{printf "convert_imageset            %6.1f img/s wall  (%d JPEGs, resize to 224)\n", n/(b-a), n}'
awk -v n="$USED" -v w1="$w1" -v wn="$wn" -v c1="$c1" -v cn="$cn" 'BEGIN{
  printf "calibration, whole run      %6.1f img/s wall  (%.1f s incl. %.1f s fixed: load, thresholds, writes)\n", n/wn, wn, w1;
  printf "calibration, per image      %6.1f img/s wall, %.1f img per CPU-second (all threads)\n", (n-1)/(wn-w1), (n-1)/(cn-c1) }'
awk -v n="$USED" -v wk="$wk" 'BEGIN{printf "with the 5-batch INT8 check %6.1f img/s wall  (%.1f s)\n", n/wk, wk}'
echo "last layer (name, simulated INT8 vs FP32 cosine over 5 images): $(grep -v '^calibration_use_pb' "$DIR/table-$ITER-5.txt" | tail -1 | awk '{print $1, $NF}')"
echo "table: $DIR/table-$ITER-5.txt"
