#!/usr/bin/env bash
# ONNX backend conformance: every libonnx-testdata model whose ops and types
# the importer supports is imported, run on the reference interpreter and
# compared with the expected outputs.
#
#   run.sh <build-dir> [--update-must-pass] [runner args]
#
# must_pass.txt is the floor: a listed test that fails, turns unsupported or
# disappears fails the run. --update-must-pass rewrites it from the tests
# passing now (on purpose; review the diff). Missing test data is a failure.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="${1:?usage: run.sh <build-dir> [--update-must-pass] [runner args]}"
shift
floor=(--must-pass "$HERE/must_pass.txt")
args=()
for a in "$@"; do
  if [ "$a" = "--update-must-pass" ]; then
    floor=(--write-must-pass "$HERE/must_pass.txt")
  else
    args+=("$a")
  fi
done
DATA=/usr/share/libonnx-testdata/data
if [ ! -d "$DATA" ]; then
  echo "conformance: FAILED, $DATA is absent (apt-get install libonnx-testdata)"
  echo "conformance: 0 passed, 1 failed"
  exit 1
fi
RUNNER="$BUILD/bin/onnx_conformance"
if [ ! -x "$RUNNER" ]; then
  echo "conformance: $RUNNER is not built (ninja -C $BUILD onnx_conformance)" >&2
  exit 1
fi
exec "$RUNNER" --data "$DATA" --known "$HERE/known_failures.txt" "${floor[@]}" ${args[@]+"${args[@]}"}
