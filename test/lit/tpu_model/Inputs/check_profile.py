#!/usr/bin/python3
"""Checks the --enable_profile JSON of a compiled bmodel (docs/bmodel.md).

  check_profile.py TPU_MODEL BMODEL LAYERS

Finds net_profile in `tpu_model --print`, dumps it with `tpu_model --dump`,
parses the JSON and checks the layer count, the per-layer fields and that
the per-layer counts add up to at most the totals. Prints a summary line.
"""
import json
import re
import subprocess
import sys
import tempfile

tool, model, layers = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = subprocess.run([tool, "--print", model], check=True,
                      capture_output=True, text=True).stdout
m = re.search(r"net_profile: \{\s*start: (\d+),\s*size: (\d+)", text)
if not m:
    print("no net_profile")
    sys.exit(0)
with tempfile.NamedTemporaryFile() as f:
    subprocess.run([tool, "--dump", model, m.group(1), m.group(2), f.name],
                   check=True, capture_output=True)
    doc = json.load(open(f.name))
assert doc["format"] == "onntc-net-profile" and doc["version"] == 1, doc
L = doc["layers"]
assert len(L) == layers == doc["total"]["layers"], (len(L), layers)
for i, l in enumerate(L):
    assert l["index"] == i
    for k in ("name", "op", "bdc", "gdma", "bdc_cycles", "gdma_cycles", "cycles"):
        assert k in l, (k, l)
    assert l["cycles"] == l["bdc_cycles"] + l["gdma_cycles"]
t = doc["total"]
assert sum(l["bdc"] for l in L) <= t["bdc"] and sum(l["gdma"] for l in L) <= t["gdma"]
assert t["cycles"] > 0
print("profile %s: %d layers, ops %s, %d BDC + %d GDMA, %d cycles" % (
    doc["target"], len(L), ",".join(l["op"] for l in L), t["bdc"], t["gdma"],
    t["cycles"]))
