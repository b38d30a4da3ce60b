#!/usr/bin/env bash
# ONNX backend conformance: every libonnx-testdata model whose ops and types
# the importer supports is imported, run on the reference interpreter and
# compared with the expected outputs. Usage: run.sh <build-dir> [runner args]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="${1:?usage: run.sh <build-dir>}"
shift
DATA=/usr/share/libonnx-testdata/data
if [ ! -d "$DATA" ]; then
  echo "conformance: SKIPPED, $DATA is absent (apt-get install libonnx-testdata)"
  exit 0
fi
RUNNER="$BUILD/bin/onnx_conformance"
if [ ! -x "$RUNNER" ]; then
  echo "conformance: $RUNNER is not built (ninja -C $BUILD onnx_conformance)" >&2
  exit 1
fi
exec "$RUNNER" --data "$DATA" --known "$HERE/known_failures.txt" "$@"
