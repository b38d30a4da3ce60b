#!/usr/bin/python3
"""Compares bmneto's reference outputs with one or more oracles.

  compare.py OUTPUT_REF_DATA.dat --oracle ort out_0.npy out_1.npy \\
                                 [--oracle torch torch_out.npy] [--min-cos 0.99999]

output_ref_data.dat holds the graph outputs as raw little-endian tensors,
concatenated in output order (SDK format, no header); the oracle .npy files
give each output's shape and dtype in the same order. For every oracle and
output this computes
  cos     cosine similarity of the flattened tensors (1.0 if both are zero)
  maxabs  max |ours - oracle|
  maxrel  maxabs / max |oracle|  (relative to the output's largest magnitude;
          element-wise ratios are meaningless where the oracle is near zero)
and prints one line "cos=<min> maxabs=<max> maxrel=<max> [per-oracle details]".
Exit status: 0 when every cosine is >= --min-cos and every maxabs <= --max-abs
and every maxrel <= --max-rel, 1 otherwise (the line then ends with the gates
that failed), 2 on bad input.

The cosine alone is blind to scale: outputs multiplied by 2 or by 1000 have a
cosine of 1 (maxrel 1 and 999). The error gates catch that. Their defaults
leave a wide margin over what the real models of test/e2e/run.sh reach
(measured when the gates were added on resnet18, mobilenet_v2, squeezenet1_1,
densenet121 and the three ULFD fixtures: worst maxrel 6.3e-06, worst maxabs
1.9e-05), since the deeper models (vit_b_16, swin_t, convnext_tiny) were not
measured then; tighten them once a full run's figures are in.
"""
import argparse
import os
import sys

import numpy as np


def split_dat(path, templates):
    """Cuts the raw .dat file into arrays shaped like the oracle templates."""
    raw = open(path, "rb").read()
    need = sum(t.size * t.dtype.itemsize for t in templates)
    if len(raw) != need:
        shapes = ", ".join("%s%s" % (t.dtype, list(t.shape)) for t in templates)
        raise ValueError("%s: %d bytes, but the oracle outputs (%s) need %d; "
                         "outputs missing, extra or in another order?"
                         % (path, len(raw), shapes, need))
    out, off = [], 0
    for t in templates:
        dt = t.dtype.newbyteorder("<")
        n = t.size * dt.itemsize
        out.append(np.frombuffer(raw[off:off + n], dtype=dt).reshape(t.shape))
        off += n
    return out


def metrics(ours, ref):
    a = ours.astype(np.float64).ravel()
    b = ref.astype(np.float64).ravel()
    if not np.all(np.isfinite(a)):
        return float("nan"), float("inf"), float("inf")
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 and nb == 0:
        cos = 1.0
    elif na == 0 or nb == 0:
        cos = 0.0
    else:
        cos = float(np.dot(a, b) / (na * nb))
    maxabs = float(np.max(np.abs(a - b))) if a.size else 0.0
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    maxrel = maxabs / scale if scale > 0 else (0.0 if maxabs == 0 else float("inf"))
    return cos, maxabs, maxrel


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dat", help="bmneto's output_ref_data.dat")
    ap.add_argument("--oracle", nargs="+", action="append", required=True,
                    metavar=("NAME", "NPY"),
                    help="oracle name followed by its output .npy files in output order")
    ap.add_argument("--min-cos", type=float, default=0.99999)
    ap.add_argument("--max-rel", type=float, default=1e-3,
                    help="largest allowed maxrel (max abs error / max |oracle|)")
    ap.add_argument("--max-abs", type=float, default=4e-3,
                    help="largest allowed max absolute error")
    args = ap.parse_args()

    worst_cos, worst_abs, worst_rel = 1.0, 0.0, 0.0
    details = []
    try:
        for spec in args.oracle:
            if len(spec) < 2:
                raise ValueError("--oracle %s: give at least one .npy file" % spec[0])
            name, files = spec[0], spec[1:]
            refs = [np.load(f) for f in files]
            ours = split_dat(args.dat, refs)
            for i, (o, r) in enumerate(zip(ours, refs)):
                cos, mabs, mrel = metrics(o, r)
                details.append("%s[%d]:cos=%.7f,maxrel=%.2e" % (name, i, cos, mrel))
                # nan compares false: treat it as the worst cosine.
                if not (cos >= worst_cos):
                    worst_cos = cos
                worst_abs = max(worst_abs, mabs)
                worst_rel = max(worst_rel, mrel)
    except (OSError, ValueError) as e:
        print("compare: %s" % e, file=sys.stderr)
        return 2

    # Written so that a NaN metric fails every gate it reaches.
    failed = []
    if not worst_cos >= args.min_cos:
        failed.append("cos<%g" % args.min_cos)
    if not worst_abs <= args.max_abs:
        failed.append("maxabs>%g" % args.max_abs)
    if not worst_rel <= args.max_rel:
        failed.append("maxrel>%g" % args.max_rel)
    print("cos=%.7f maxabs=%.3e maxrel=%.3e %s%s"
          % (worst_cos, worst_abs, worst_rel, " ".join(details),
             " FAILED: " + ",".join(failed) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
