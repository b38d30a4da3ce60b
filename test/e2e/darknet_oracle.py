#!/usr/bin/python3
"""Seeded Darknet weights, a real input, and the OpenCV / Debian darknet
oracle outputs for run_darknet.sh.

  darknet_oracle.py CFG OUTDIR [--seed N] [--darknet-dump EXE]
  darknet_oracle.py CFG OUTDIR --weights-only   (lit tests: the weights only)

Writes
  OUTDIR/<net>.weights   header int32 major=0, minor=2, revision=0, uint64
                         seen; per [convolutional]: biases, then (with
                         batch_normalize) scales, rolling mean, rolling
                         variance, then the filters; per [connected]:
                         biases, weights, then the BN arrays (darknet's
                         load_*_weights order). BN scales and variances are
                         drawn from U(0.5, 1.5), filters scaled by fan-in,
                         so that activations stay in a sane range.
  OUTDIR/<net>_input.npy a real photo resized to the [net] size, RGB in [0,1]
  OUTDIR/<net>_outputs.txt  the layer names bmnetd gives the outputs
  OUTDIR/<net>_opencv_<i>.npy   cv2.dnn.readNetFromDarknet's outputs
  OUTDIR/<net>_darknet_<i>.npy  Debian darknet's outputs (with --darknet-dump)
The outputs are the raw inputs of the [yolo] layers (what bmnetd outputs).
"""
import argparse
import os
import subprocess
import sys

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.environ.get("ONNTC_FIXTURES",
                     os.path.join(HERE, "..", "..", "..", "shared", "fixtures"))


def parse_cfg(path):
    sections = []
    for line in open(path):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line[0] == "[":
            sections.append((line[1:-1].strip(), {}))
        else:
            k, v = line.split("=", 1)
            sections[-1][1].setdefault(k.strip(), "".join(v.split()))
    return sections


def write_weights(sections, path, rng):
    net = sections[0][1]
    chans = [int(net.get("channels", 3))]  # channels of each layer output
    hw = [(int(net["height"]), int(net["width"]))]
    blobs = []
    for i, (typ, o) in enumerate(sections[1:]):
        c = chans[-1]
        if typ in ("convolutional", "conv"):
            n, size = int(o.get("filters", 1)), int(o.get("size", 1))
            groups = int(o.get("groups", 1))
            bn = int(o.get("batch_normalize", 0))
            fan_in = c // groups * size * size
            blobs.append(rng.uniform(-0.1, 0.1, n))
            if bn:
                blobs.append(rng.uniform(0.5, 1.5, n))    # scales (gamma)
                blobs.append(rng.uniform(-0.1, 0.1, n))   # rolling mean
                blobs.append(rng.uniform(0.5, 1.5, n))    # rolling variance
            blobs.append(rng.normal(0, np.sqrt(2.0 / fan_in), n * fan_in))
            chans.append(n)
        elif typ == "route":
            layers = [int(x) for x in o["layers"].split(",")]
            groups = int(o.get("groups", 1))
            chans.append(sum(chans[1 + (l if l >= 0 else i + l)] // groups for l in layers))
        elif typ in ("connected", "conn"):
            raise SystemExit("this generator handles the YOLO cfgs only")
        else:  # maxpool, upsample, shortcut, yolo, dropout keep channels
            chans.append(c)
    with open(path, "wb") as f:
        np.array([0, 2, 0], dtype="<i4").tofile(f)
        np.array([0], dtype="<u8").tofile(f)
        np.concatenate(blobs).astype("<f4").tofile(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cfg")
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--darknet-dump")
    ap.add_argument("--weights-only", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    name = os.path.splitext(os.path.basename(args.cfg))[0]
    sections = parse_cfg(args.cfg)
    weights = os.path.join(args.outdir, name + ".weights")
    write_weights(sections, weights, np.random.RandomState(args.seed))
    if args.weights_only:
        return 0

    net = sections[0][1]
    h, w = int(net["height"]), int(net["width"])
    img = cv2.imread(os.path.join(FIX, "images", "faces", "ulfd-group.jpg"))
    img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
    x = (img[:, :, ::-1].astype(np.float32) / 255.0).transpose(2, 0, 1)[None]
    x = np.ascontiguousarray(x)
    np.save(os.path.join(args.outdir, name + "_input.npy"), x)

    # The layer before each [yolo] is an output (bmnetd names it conv_<i>).
    outs = [i - 1 for i, (t, _) in enumerate(sections[1:]) if t == "yolo"]
    for i in outs:
        # OpenCV's "conv_<i>" is the convolution before its activation.
        if sections[1 + i][0] not in ("convolutional", "conv") or \
                sections[1 + i][1].get("activation", "logistic") != "linear":
            raise SystemExit("layer %d before a [yolo] is not a linear conv" % i)
    with open(os.path.join(args.outdir, name + "_outputs.txt"), "w") as f:
        f.write(",".join("conv_%d" % i for i in outs) + "\n")

    cvnet = cv2.dnn.readNetFromDarknet(args.cfg, weights)
    cvnet.setInput(x)
    res = cvnet.forward(["conv_%d" % i for i in outs])
    for k, r in enumerate(res):
        np.save(os.path.join(args.outdir, "%s_opencv_%d.npy" % (name, k)),
                np.ascontiguousarray(r.astype(np.float32)))

    if args.darknet_dump:
        raw = os.path.join(args.outdir, name + "_input.bin")
        x.astype("<f4").tofile(raw)
        prefix = os.path.join(args.outdir, name + "_dn")
        subprocess.run([args.darknet_dump, args.cfg, weights, raw, prefix] +
                       [str(i) for i in outs], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for k, (i, r) in enumerate(zip(outs, res)):
            d = np.fromfile("%s_%d.bin" % (prefix, i), dtype="<f4")
            np.save(os.path.join(args.outdir, "%s_darknet_%d.npy" % (name, k)),
                    d.reshape(r.shape))
    print("%s: input %s, outputs %s" % (name, list(x.shape),
                                       [list(r.shape) for r in res]))


if __name__ == "__main__":
    sys.exit(main())
