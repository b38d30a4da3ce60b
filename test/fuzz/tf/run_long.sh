#!/usr/bin/env bash
# A longer run of the TensorFlow GraphDef fuzzer than ctest's
# tf_graph_fuzz_short (which stops after 5,000 runs).
#
#   test/fuzz/tf/run_long.sh <build-dir> [seconds, default 600]
#
# New inputs go to <build-dir>/test/fuzz/tf/long-corpus (kept between runs,
# never the committed corpus); crash/leak/timeout reproducers are written to
# <build-dir>/test/fuzz/tf/artifacts/. Exit status is the fuzzer's: non-zero
# on a crash, a sanitizer report, a leak or an out-of-memory.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 <build-dir> [seconds]" >&2; exit 2; }
BUILD="$(cd "$1" && pwd)"
SECS="${2:-600}"
BIN="$BUILD/bin/tf_graph_fuzz"
[ -x "$BIN" ] || { echo "$BIN is missing; build it with: ninja -C $BUILD tf_graph_fuzz" >&2; exit 2; }
WORK="$BUILD/test/fuzz/tf"
mkdir -p "$WORK/long-corpus" "$WORK/artifacts"
ASAN_OPTIONS=detect_leaks=1 "$BIN" -max_total_time="$SECS" -max_len=65536 \
  -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
  -artifact_prefix="$WORK/artifacts/" "$WORK/long-corpus" "$HERE/corpus"
