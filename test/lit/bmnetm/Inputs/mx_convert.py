#!/usr/bin/python3
"""Rewrites an MXNet checkpoint in the newer layouts, for lit tests.

  mx_convert.py SYMBOL.json PARAMS OUT_SYMBOL.json OUT_PARAMS

The symbol gets `attrs` instead of `param` and [id, index, version] inputs
and heads; the params (legacy NDArray headers) are rewritten with V2
headers (magic 0xF993FAC9, dense storage, int64 dims). Same numbers.
"""
import json
import struct
import sys

sym = json.load(open(sys.argv[1]))
for n in sym["nodes"]:
    n["attrs"] = n.pop("param", {})
    n.pop("backward_source_id", None)
    if not n["attrs"]:
        del n["attrs"]
    n["inputs"] = [[a, b, 0] for a, b, *_ in n["inputs"]]
sym["heads"] = [[a, b, 0] for a, b, *_ in sym["heads"]]
sym["attrs"] = {"mxnet_version": ["int", 10600]}
json.dump(sym, open(sys.argv[3], "w"), indent=1)

raw = open(sys.argv[2], "rb").read()
off = 0
def take(fmt):
    global off
    v = struct.unpack_from("<" + fmt, raw, off)
    off += struct.calcsize("<" + fmt)
    return v
magic, reserved, count = take("QQQ")
out = [struct.pack("<QQQ", magic, reserved, count)]
for _ in range(count):
    (ndim,) = take("I")
    dims = take("%dI" % ndim)
    dev_type, dev_id, dtype = take("iii")
    assert dtype == 0
    n = 1
    for d in dims:
        n *= d
    data = raw[off:off + 4 * n]
    off += 4 * n
    out.append(struct.pack("<IiI", 0xF993FAC9, 0, ndim) +
               struct.pack("<%dq" % ndim, *dims) +
               struct.pack("<iii", dev_type, dev_id, dtype) + data)
out.append(raw[off:])  # the names
open(sys.argv[4], "wb").write(b"".join(out))
