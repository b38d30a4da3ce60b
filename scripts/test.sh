#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs the whole suite: unit tests (ctest),
# lit tests, the ONNX conformance runner and the end-to-end tests.
# .ci/run calls exactly this.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${ONNTC_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"

fail=0
section() { echo; echo "===== $1 ====="; }

section "unit tests"
(cd "$BUILD" && ctest --output-on-failure -j"$(nproc)") || fail=1

section "lit tests"
/usr/bin/python3 /usr/lib/llvm-14/build/utils/lit/lit.py -sv "$BUILD/test/lit" || fail=1

# The conformance runner, then every end-to-end script test/e2e/run*.sh
# (run.sh first, then the others in name order).
for t in "$ROOT"/test/conformance/run.sh "$ROOT"/test/e2e/run.sh "$ROOT"/test/e2e/run_*.sh; do
  if [ -x "$t" ]; then
    section "$(basename "$(dirname "$t")")"
    "$t" "$BUILD" || fail=1
  fi
done

echo
if [ "$fail" -ne 0 ]; then
  echo "test suite: FAILED"
  exit 1
fi
echo "test suite: all sections passed"
