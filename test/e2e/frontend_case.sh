# Shared by run_mxnet.sh and run_darknet.sh (sourced, not run): one model on
# one target through a bmnetX tool, its reference outputs against oracles,
# its bmodel through bmrt_test. Needs BUILD, WORK, PY, HERE, MAXREL set and
# the counters pass/fail/failed.

# run_case NAME TARGET "TOOL ARGS..." "ORACLE SPEC..."
#   ORACLE SPEC: compare.py's "--oracle name a.npy b.npy ..." arguments.
run_case() {
  local name="$1" tgt="$2" tool="$3" oracles="$4" out="$WORK/$1-$2" rc line cos rel lat
  rm -rf "$out"; mkdir -p "$out"
  # shellcheck disable=SC2086  # the argument strings are split on purpose
  timeout 900 $tool --outdir "$out/compilation" --target "$tgt" > "$out/tool.log" 2>&1
  rc=$?
  if [ $rc -ne 0 ] || [ ! -f "$out/compilation/output_ref_data.dat" ]; then
    echo "FAIL $name $tgt (${tool%% *} exit $rc): $( (grep -m1 'error:' "$out/tool.log" || tail -1 "$out/tool.log") | cut -c1-240)"
    fail=$((fail + 1)); failed+=("$name/$tgt"); return
  fi
  # shellcheck disable=SC2086
  line=$("$PY" "$HERE/compare.py" "$out/compilation/output_ref_data.dat" $oracles 2>&1)
  rc=$?
  rel=$(sed -n 's/.*maxrel=\([^ ]*\) .*/\1/p' <<<"$line" | head -1)
  if [ $rc -ne 0 ] || ! awk -v r="${rel:-inf}" -v m="$MAXREL" 'BEGIN { exit !(r + 0 <= m + 0) }'; then
    echo "FAIL $name $tgt (reference vs oracles, need cos >= 0.99999 and maxrel <= $MAXREL): $line"
    fail=$((fail + 1)); failed+=("$name/$tgt"); return
  fi
  cos=$(cut -d' ' -f1-3 <<<"$line")
  timeout 900 "$BUILD/bin/bmrt_test" --context_dir "$out/compilation" > "$out/bmrt_test.log" 2>&1
  rc=$?
  lat=$(sed -n 's/.*latency \([0-9.]*\) us.*/\1/p' "$out/bmrt_test.log" | head -1)
  if [ $rc -eq 0 ] && grep -q 'cmp success' "$out/bmrt_test.log" && ! grep -q 'cmp failed' "$out/bmrt_test.log"; then
    printf 'PASS %-12s %-8s %s; bmrt_test cmp success, %s us\n' "$name" "$tgt" "$cos" "${lat:-?}"
    pass=$((pass + 1))
    [ "${KEEP:-0}" -eq 1 ] || rm -rf "$out/compilation"
  else
    echo "FAIL $name $tgt (reference OK: $cos; bmrt_test exit $rc): $( (grep -m1 -i 'cmp failed\|error' "$out/bmrt_test.log" || tail -1 "$out/bmrt_test.log") | cut -c1-200)"
    fail=$((fail + 1)); failed+=("$name/$tgt")
  fi
}
