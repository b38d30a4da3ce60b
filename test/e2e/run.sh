#!/usr/bin/env bash
# End-to-end tests on real models: bmneto's reference outputs against
# onnxruntime-node and torch.
#
#   test/e2e/run.sh <build-dir> [--quick] [--only a,b,c] [--list] [--keep]
#
# For every model: export (seeded torchvision classifier, cached under
# <build-dir>/e2e-cache keyed by the hash of the generator scripts), run the
# onnxruntime-node oracle, run `bmneto --test_input input.npy`, and compare
# output_ref_data.dat with both oracles (cosine >= 0.99999 with each).
# Prints one line per model and ends with exactly "e2e: N passed, M failed".
# A model that cannot be checked (its export failed, its fixture is missing)
# is a FAIL, not a skip: no model is expected to be left out. A failed export
# is not cached, so the next run tries it again. The harness must know exactly
# EXPECTED_MODELS models, and every selected model must end as PASS or KNOWN
# (checked at the end). By default every model runs (5-8 minutes
# on a shared 2-core machine with the exports, under 2 minutes once they are
# cached); --quick leaves out the slowest (QUICK_SKIP below). bmneto's output folder
# (weights included) is deleted after a pass unless --keep is given.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
FIXTURES="${ONNTC_FIXTURES:-$ROOT/../shared/fixtures}"

# The slowest to export and run on 2 cores (30-110 s each); --quick skips them.
QUICK_SKIP=(vgg11 vit_b_16 swin_t)
# 16 torchvision classifiers + 6 variants (gen_models.py) + 3 ULFD fixtures
# (prep_fixtures.py). Change it together with the model lists.
EXPECTED_MODELS=25

usage() {
  echo "usage: $0 <build-dir> [--quick] [--only name,name] [--list] [--keep]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
BUILD="$(cd "$1" 2>/dev/null && pwd)" || { echo "e2e: build dir '$1' not found" >&2; exit 2; }
shift
QUICK=0
ONLY=""
LIST=0
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --all) QUICK=0 ;;
    --quick) QUICK=1 ;;
    --only) [ $# -ge 2 ] || usage; ONLY="$2"; shift ;;
    --only=*) ONLY="${1#--only=}" ;;
    --list) LIST=1 ;;
    --keep) KEEP=1 ;;
    *) usage ;;
  esac
  shift
done

mapfile -t TORCH_MODELS < <("$PY" "$HERE/gen_models.py" --list --out /dev/null)
mapfile -t FIXTURE_MODELS < <("$PY" "$HERE/prep_fixtures.py" --list --fixtures "$FIXTURES" --out /dev/null)
if [ $((${#TORCH_MODELS[@]} + ${#FIXTURE_MODELS[@]})) -ne "$EXPECTED_MODELS" ]; then
  echo "e2e: the harness lists ${#TORCH_MODELS[@]} exported + ${#FIXTURE_MODELS[@]} fixture models, expected $EXPECTED_MODELS in all (update EXPECTED_MODELS in $0 with the model lists)"
  echo "e2e: 0 passed, 1 failed"
  exit 1
fi

selected=()
if [ -n "$ONLY" ]; then
  IFS=, read -r -a selected <<<"$ONLY"
else
  for m in "${TORCH_MODELS[@]}"; do
    skip=0
    if [ "$QUICK" -eq 1 ]; then
      for s in "${QUICK_SKIP[@]}"; do [ "$m" = "$s" ] && skip=1; done
    fi
    [ "$skip" -eq 0 ] && selected+=("$m")
  done
  selected+=("${FIXTURE_MODELS[@]}")
fi
for m in "${selected[@]}"; do
  known=0
  for k in "${TORCH_MODELS[@]}" "${FIXTURE_MODELS[@]}"; do [ "$m" = "$k" ] && known=1; done
  if [ "$known" -eq 0 ]; then
    echo "e2e: unknown model '$m'; known: ${TORCH_MODELS[*]} ${FIXTURE_MODELS[*]}" >&2
    exit 2
  fi
done
if [ "$LIST" -eq 1 ]; then
  printf '%s\n' "${selected[@]}"
  exit 0
fi

is_fixture() {
  local f
  for f in "${FIXTURE_MODELS[@]}"; do [ "$1" = "$f" ] && return 0; done
  return 1
}

# Seconds since the `date +%s.%N` stamp $1, one decimal.
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

T_START=$(date +%s.%N)
BMNETO="$BUILD/bin/bmneto"
known_hit=0
known_seen=()
# The reason a model is listed in known_failures.txt, or nothing.
known_reason() {
  grep -v '^\s*#' "$HERE/known_failures.txt" | awk -v m="$1" '$1 == m { sub(/^[^#]*#[ ]*/, ""); print; exit }'
}
# The op types a listed model's error must name (its ops=A,B,C field), or nothing.
known_ops() {
  grep -v '^\s*#' "$HERE/known_failures.txt" |
    awk -v m="$1" '$1 == m { out = ""
      for (i = 2; i <= NF && $i != "#"; ++i)
        if ($i ~ /^(ops|checks)=/) out = out (out == "" ? "" : " ") $i
      print out; exit }'
}
# What bmneto's lowering error reports, as "ops=A,B[ checks=C,D]": ops= the
# op types it lists as having no lowering (in its sorted order), checks= the
# op types of the listed nodes that have a lowering row whose check refused
# them (sorted). Empty when the log has no such error or its node count does
# not add up.
lowering_ops() {
  local log="$1" ops n total nl checks
  ops=$(sed -n 's/.*node(s) cannot be lowered to [A-Z0-9]* (unsupported op types: \([^)]*\)).*/\1/p' "$log" | head -1)
  [ -n "$ops" ] || return 0
  n=$(sed -n 's/.*[^0-9]\([0-9][0-9]*\) node(s) cannot be lowered to .*/\1/p' "$log" | head -1)
  total=$(grep -c "^  .*node '.*' ([A-Za-z0-9]*): " "$log")
  nl=$(grep -c "): no backend lowering for this op" "$log")
  [ "$n" = "$total" ] || return 0
  checks=$(grep "^  .*node '.*' ([A-Za-z0-9]*): " "$log" | grep -v "): no backend lowering for this op" |
           sed -n "s/.*node '.*' (\([A-Za-z0-9]*\)): .*/\1/p" | sort -u | paste -sd, -)
  [ $((total - nl)) -eq 0 ] || [ -n "$checks" ] || return 0
  echo "ops=$(echo "$ops" | tr ' ' ',')${checks:+ checks=$checks}"
}
if [ ! -x "$BMNETO" ]; then
  echo "e2e: $BMNETO is missing; build it with: ninja -C $BUILD bmneto"
  echo "e2e: 0 passed, ${#selected[@]} failed"
  exit 1
fi
if ! node -e "require('$ROOT/build-deps/npm/node_modules/onnxruntime-node')" 2>/dev/null; then
  echo "e2e: onnxruntime-node is not installed in $ROOT/build-deps/npm; run scripts/setup.sh"
  echo "e2e: 0 passed, ${#selected[@]} failed"
  exit 1
fi

# Cache key: the generator scripts and the torch version. A change of either
# regenerates everything; older cache generations are removed (they are big).
KEY=$( { cat "$HERE/gen_models.py" "$HERE/prep_fixtures.py" "$HERE/ort_run.js" "$HERE/npy.js";
         "$PY" -c 'import torch, torchvision; print(torch.__version__, torchvision.__version__)'; } |
       sha256sum | cut -c1-16)
CACHE_ROOT="$BUILD/e2e-cache"
CACHE="$CACHE_ROOT/$KEY"
mkdir -p "$CACHE"
for d in "$CACHE_ROOT"/*; do
  [ "$d" != "$CACHE" ] && [ -d "$d" ] && rm -rf "$d"
done
WORK="$BUILD/e2e-work"
mkdir -p "$WORK"

# Export what is missing, all in one python process. A failed export
# (export_failed.txt) is tried again: it is a failure, never a cached state.
missing=()
for m in "${selected[@]}"; do
  is_fixture "$m" && continue
  [ -f "$CACHE/$m/meta.json" ] || missing+=("$m")
done
if ((${#missing[@]})); then
  echo "e2e: exporting ${#missing[@]} model(s) into $CACHE"
  t0=$(date +%s.%N)
  "$PY" "$HERE/gen_models.py" --out "$CACHE" "${missing[@]}" 2> "$CACHE/export.log" |
    sed 's/^/  /'
  echo "e2e: exports took $(elapsed "$t0")s"
fi
# Fixtures are prepared until every one is there (a missing fixture is
# looked for again next run, never remembered as missing).
for f in "${FIXTURE_MODELS[@]}"; do
  if [ ! -f "$CACHE/$f/model.path" ]; then
    "$PY" "$HERE/prep_fixtures.py" --fixtures "$FIXTURES" --out "$CACHE"
    break
  fi
done

pass=0
fail=0
failed_names=()

# The comparator must be able to fail (perturbed, NaN, swapped, short data).
if "$PY" "$HERE/selftest_compare.py"; then
  echo "PASS compare-selftest"
  pass=$((pass + 1))
else
  echo "FAIL compare-selftest (compare.py accepts wrong outputs or rejects right ones)"
  fail=$((fail + 1)); failed_names+=(compare-selftest)
fi
checked=0
for m in "${selected[@]}"; do
  dir="$CACHE/$m"
  out="$WORK/$m"
  rm -rf "$out"
  mkdir -p "$out"
  if is_fixture "$m"; then
    if [ ! -f "$dir/model.path" ]; then
      echo "FAIL $m (fixture not found under $FIXTURES; set ONNTC_FIXTURES)"
      fail=$((fail + 1)); failed_names+=("$m")
      continue
    fi
    model="$(cat "$dir/model.path")"
  elif [ -f "$dir/export_failed.txt" ]; then
    echo "FAIL $m (torch export failed: $(head -1 "$dir/export_failed.txt" | cut -c1-160); see $CACHE/export.log)"
    fail=$((fail + 1)); failed_names+=("$m")
    continue
  elif [ -f "$dir/meta.json" ]; then
    model="$dir/model.onnx"
  else
    echo "FAIL $m (unknown model or export produced nothing; see $CACHE/export.log)"
    fail=$((fail + 1)); failed_names+=("$m")
    continue
  fi
  shape=$("$PY" -c 'import json,sys; print("[" + ",".join(map(str, json.load(open(sys.argv[1]))["shape"])) + "]")' "$dir/meta.json")

  # Oracle 1: onnxruntime-node (cached next to the model).
  if [ ! -f "$dir/ort/done" ]; then
    if ! node "$HERE/ort_run.js" --model "$model" --input "$dir/input.npy" \
         --outdir "$dir/ort" > "$out/ort.log" 2>&1; then
      echo "FAIL $m (onnxruntime-node failed: $(tail -1 "$out/ort.log"))"
      fail=$((fail + 1)); failed_names+=("$m")
      continue
    fi
    touch "$dir/ort/done"
  fi
  oracles=(--oracle ort $(ls "$dir"/ort/out_*.npy | sort -V))
  [ -f "$dir/torch_out.npy" ] && oracles+=(--oracle torch "$dir/torch_out.npy")

  t0=$(date +%s.%N)
  timeout 900 "$BMNETO" --model "$model" --shapes "$shape" --net_name "$m" \
    --outdir "$out/compilation" --target BM1684X --test_input "$dir/input.npy" \
    > "$out/bmneto.log" 2>&1
  rc=$?
  secs=$(elapsed "$t0")
  if [ $rc -ne 0 ] || [ ! -f "$out/compilation/output_ref_data.dat" ]; then
    why="exit $rc"
    [ $rc -eq 124 ] && why="timed out after 900s"
    # Say whether the reference interpreter alone would have matched, so a
    # backend failure is not mistaken for a wrong reference (still a FAIL).
    alone=""
    alone_ok=0
    # bmneto --emit=ir runs the same driver stages up to the reference
    # outputs and stops before lowering.
    rm -rf "$out/ir-only"
    if timeout 900 "$BMNETO" --model "$model" --shapes "$shape" --net_name "$m" \
         --outdir "$out/ir-only" --target BM1684X --test_input "$dir/input.npy" \
         --emit=ir --cmp=false > /dev/null 2>&1; then
      alone_res=$("$PY" "$HERE/compare.py" "$out/ir-only/output_ref_data.dat" "${oracles[@]}" 2>&1) && alone_ok=1
      alone="; reference interpreter alone: $(echo "$alone_res" | awk '{print $1, $3}')"
    fi
    msg=$(grep -m1 'error:' "$out/bmneto.log" || grep -v '^\s*$' "$out/bmneto.log" | tail -1)
    reason=$(known_reason "$m")
    want_ops=$(known_ops "$m")
    got_ops=$(lowering_ops "$out/bmneto.log")
    if [ -n "$reason" ] && [ $rc -ne 124 ] && [ "$alone_ok" -eq 1 ] &&
       [ -n "$want_ops" ] && [ "$got_ops" = "$want_ops" ]; then
      echo "KNOWN $m (bmodel: $got_ops: $reason)$alone"
      known_hit=$((known_hit + 1)); known_seen+=("$m"); checked=$((checked + 1))
      continue
    fi
    [ -n "$reason" ] && why="$why; known_failures.txt expects exactly '${want_ops:-<no ops= field>}', the error gives '${got_ops:-none}'"
    echo "FAIL $m (bmneto $why, ${secs}s): $(echo "$msg" | cut -c1-240)$alone"
    fail=$((fail + 1)); failed_names+=("$m")
    continue
  fi
  if [ -n "$(known_reason "$m")" ]; then
    echo "FAIL $m (listed in known_failures.txt but its bmodel now compiles: remove it from the list)"
    fail=$((fail + 1)); failed_names+=("$m")
    continue
  fi
  res=$("$PY" "$HERE/compare.py" "$out/compilation/output_ref_data.dat" "${oracles[@]}" 2>&1)
  rc=$?
  echo "$res" > "$out/compare.log"
  summary=$(echo "$res" | awk '{print $1, $2, $3}')
  if [ $rc -eq 0 ]; then
    echo "PASS $m $summary time=${secs}s"
    pass=$((pass + 1)); checked=$((checked + 1))
    [ "$KEEP" -eq 1 ] || rm -rf "$out/compilation"
  else
    echo "FAIL $m $res time=${secs}s"
    fail=$((fail + 1)); failed_names+=("$m")
  fi
done

# Every listed known failure must name a model this harness knows.
while read -r k; do
  found=0
  for x in "${TORCH_MODELS[@]}" "${FIXTURE_MODELS[@]}"; do [ "$x" = "$k" ] && found=1; done
  if [ "$found" -eq 0 ]; then
    echo "FAIL known_failures.txt lists '$k', which is not a model of this harness"
    fail=$((fail + 1)); failed_names+=("$k")
  fi
done < <(grep -v '^\s*#' "$HERE/known_failures.txt" | awk 'NF {print $1}')
((known_hit)) && echo "e2e: ${known_hit} known bmodel failures (reference data still checked): ${known_seen[*]}"
# Every selected model must have been checked (PASS or KNOWN), so that no
# path through the loop can leave a model out of both numbers.
if [ "$checked" -ne "${#selected[@]}" ]; then
  echo "FAIL model count: ${checked} of ${#selected[@]} selected models were checked"
  fail=$((fail + 1)); failed_names+=(model-count)
fi
total=$(elapsed "$T_START")
echo "e2e: ${checked} of ${#selected[@]} models checked; total time ${total}s; logs in $WORK"
((fail)) && echo "e2e: failed: ${failed_names[*]}"
echo "e2e: ${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
