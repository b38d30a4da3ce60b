#!/usr/bin/python3
"""Writes a small MXNet checkpoint with two Deconvolution layers, for lit.

  mx_deconv.py OUT_SYMBOL.json OUT_PARAMS

up1: depthwise 2x upsampling (num_group = channels, kernel 4, stride 2,
pad 1, no bias), as in RetinaFace/MXNet detectors; up2: kernel 3, stride 2,
pad 1, adj 1, with bias. Legacy NDArray params (list magic 0x112), seeded.
"""
import json
import random
import struct
import sys

rnd = random.Random(7)
null = lambda name: {"op": "null", "name": name, "inputs": []}
nodes = [null("data"), null("up1_weight"),
         {"op": "Deconvolution", "name": "up1",
          "attrs": {"kernel": "(4,4)", "stride": "(2,2)", "pad": "(1,1)",
                    "num_filter": "8", "num_group": "8", "no_bias": "True"},
          "inputs": [[0, 0, 0], [1, 0, 0]]},
         null("up2_weight"), null("up2_bias"),
         {"op": "Deconvolution", "name": "up2",
          "attrs": {"kernel": "(3,3)", "stride": "(2,2)", "pad": "(1,1)",
                    "adj": "(1,1)", "num_filter": "4", "no_bias": "False"},
          "inputs": [[2, 0, 0], [3, 0, 0], [4, 0, 0]]}]
sym = {"nodes": nodes, "arg_nodes": [0, 1, 3, 4], "heads": [[5, 0, 0]],
       "attrs": {"mxnet_version": ["int", 10600]}}
json.dump(sym, open(sys.argv[1], "w"), indent=1)

params = [("arg:up1_weight", [8, 1, 4, 4]), ("arg:up2_weight", [8, 4, 3, 3]),
          ("arg:up2_bias", [4])]
out = [struct.pack("<QQQ", 0x112, 0, len(params))]
for _, dims in params:
    n = 1
    for d in dims:
        n *= d
    out.append(struct.pack("<I%dI" % len(dims), len(dims), *dims) +
               struct.pack("<iii", 1, 0, 0) +
               struct.pack("<%df" % n, *[rnd.uniform(-1, 1) for _ in range(n)]))
out.append(struct.pack("<Q", len(params)))
for name, _ in params:
    out.append(struct.pack("<Q", len(name)) + name.encode())
open(sys.argv[2], "wb").write(b"".join(out))
