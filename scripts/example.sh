#!/usr/bin/env bash
# The README's first command. On a fresh Debian 12 machine: installs what is
# missing and builds (scripts/setup.sh), then generates a seeded torchvision
# ResNet-18 (random weights, no download) as ONNX with /usr/bin/python3,
# compiles it with bmneto and checks bmneto's reference output against torch.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${ONNTC_BUILD_DIR:-$ROOT/build}"

bash "$ROOT/scripts/setup.sh"

EX="$BUILD/example"
MODEL_DIR="$EX/resnet18"
OUT="$EX/resnet18-compilation"
echo
echo "[example] exporting a seeded torchvision ResNet-18 to ONNX (opset 13)"
/usr/bin/python3 "$ROOT/test/e2e/gen_models.py" --out "$EX" resnet18 2>/dev/null
if [ ! -f "$MODEL_DIR/model.onnx" ]; then
  echo "[example] the export failed:" >&2
  cat "$MODEL_DIR/export_failed.txt" >&2 || true
  exit 1
fi

CMD=("$BUILD/bin/bmneto" --model "$MODEL_DIR/model.onnx" --shapes "[1,3,224,224]"
     --net_name resnet18 --target BM1684X --outdir "$OUT"
     --test_input "$MODEL_DIR/input.npy")
echo "[example] compiling it with bmneto:"
echo "  ${CMD[*]}"
"${CMD[@]}"

echo
echo "[example] bmneto's reference output against torch's output for the same input:"
/usr/bin/python3 "$ROOT/test/e2e/compare.py" "$OUT/output_ref_data.dat" \
  --oracle torch "$MODEL_DIR/torch_out.npy"

echo
echo "[example] ONNX model and input:  $MODEL_DIR/model.onnx, $MODEL_DIR/input.npy"
echo "[example] bmneto outputs in:     $OUT"
ls -l "$OUT"
