"""Recomputes conv_relu.onnxtxt with numpy from an outdir's input_ref_data.dat
and compares with output_ref_data.dat: check_conv_relu.py OUTDIR N."""
import sys

import numpy as np

out, n = sys.argv[1], int(sys.argv[2])
x = np.fromfile(out + "/input_ref_data.dat", dtype=np.float32).reshape(n, 1, 5, 5)
y = np.fromfile(out + "/output_ref_data.dat", dtype=np.float32).reshape(n, 2, 3, 3)
w = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
              -0.1, -0.2, -0.3, -0.4, 0.5, 0.4, 0.3, 0.2, 0.1], np.float32).reshape(2, 3, 3)
b = np.array([0.5, -0.25], np.float32)
# SAME_UPPER with stride 2 on 5x5: output 3x3, one row/column of padding each side.
xp = np.pad(x[:, 0], ((0, 0), (1, 1), (1, 1)))
c = np.zeros((n, 2, 3, 3), np.float32)
for o in range(2):
    for i in range(3):
        for j in range(3):
            c[:, o, i, j] = (xp[:, 2 * i:2 * i + 3, 2 * j:2 * j + 3] * w[o]).sum((1, 2)) + b[o]
r = np.maximum(c, 0).reshape(n, -1)
e = np.exp(r - r.max(1, keepdims=True))
ref = (e / e.sum(1, keepdims=True)).reshape(n, 2, 3, 3)
print("inputs in [0,1):", bool((x >= 0).all() and (x < 1).all()))
print("max abs diff below 1e-6:", bool(np.abs(ref - y).max() < 1e-6))
