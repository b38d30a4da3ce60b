#!/usr/bin/python3
"""INT8 proof on the Ultra-Light face detector (ULFD RFB-320, trained).

Calibrates the ONNX fixture on the shared images with our tools, compiles the
FP32 net (bmneto) and the INT8 net (bmnetu), feeds each shared face image
through both (`--test_input`; with --cmp the bmodel's cmodel outputs are
checked against the reference data written next to it), decodes the boxes
(ULFD's priors, centre variance 0.1, size variance 0.2, score > 0.7, NMS at
IoU 0.3) and reports how many FP32 faces have an INT8 face at IoU >= 0.5.

usage: ulfd_proof.py WORKDIR [--target BM1684] [--images N] [--emit-only]
  --emit-only  stop bmnetu after the quantize stage (reference only, no bmodel)
Exit status 1 when fewer than 95 % of the FP32 faces are matched.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ONNTC_BIN", os.path.join(ROOT, "build", "bin"))
SHARED = os.environ.get("ONNTC_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
MODEL = os.path.join(SHARED, "fixtures/onnx/ulfd-rfb320/version-RFB-320_simplified.onnx")
FACES = os.path.join(SHARED, "fixtures/images/faces")
IMAGENET = os.path.join(SHARED, "fixtures/images/imagenet-sample")
W, H = 320, 240


def run(cmd, log):
    with open(log, "w") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        sys.stderr.write(open(log).read())
        raise SystemExit("failed: %s (log %s)" % (" ".join(cmd), log))
    return open(log).read()


def preprocess(path):
    img = cv2.imread(path)
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    img = cv2.resize(img, (W, H))
    x = (img.astype(np.float32) - 127.0) / 128.0
    return x.transpose(2, 0, 1)[None].copy()


def priors():
    strides = [8, 16, 32, 64]
    min_boxes = [[10, 16, 24], [32, 48], [64, 96], [128, 192, 256]]
    out = []
    for s, mb in zip(strides, min_boxes):
        fw, fh = int(np.ceil(W / s)), int(np.ceil(H / s))
        for j in range(fh):
            for i in range(fw):
                cx, cy = (i + 0.5) / (W / s), (j + 0.5) / (H / s)
                for m in mb:
                    out.append([cx, cy, m / W, m / H])
    return np.clip(np.array(out, np.float32), 0.0, 1.0)


def decode(scores, locs, pri, thr=0.7, iou=0.3):
    c = np.concatenate([locs[:, :2] * 0.1 * pri[:, 2:] + pri[:, :2],
                        np.exp(locs[:, 2:] * 0.2) * pri[:, 2:]], 1)
    boxes = np.concatenate([c[:, :2] - c[:, 2:] / 2, c[:, :2] + c[:, 2:] / 2], 1)
    keep = scores[:, 1] > thr
    b, s = boxes[keep], scores[keep, 1]
    order = np.argsort(-s)
    picked = []
    while len(order):
        i = order[0]
        picked.append(i)
        rest = order[1:]
        order = rest[iou_of(b[i], b[rest]) <= iou]
    return b[picked]


def iou_of(a, bs):
    if len(bs) == 0:
        return np.zeros(0)
    lt = np.maximum(a[:2], bs[:, :2])
    rb = np.minimum(a[2:], bs[:, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), 1)
    area = lambda x: np.prod(np.clip(x[..., 2:] - x[..., :2], 0, None), -1)
    return inter / (area(a) + area(bs) - inter + 1e-12)


def read_outputs(path):
    """scores [4420, 2] and boxes [4420, 4], f32, back to back."""
    f = np.fromfile(path, np.float32)
    n = 4420
    return f[: n * 2].reshape(n, 2), f[n * 2: n * 6].reshape(n, 4)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("work")
    ap.add_argument("--target", default="BM1684")
    ap.add_argument("--images", type=int, default=200, help="calibration images")
    ap.add_argument("--emit-only", action="store_true")
    a = ap.parse_args()
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    cal = os.path.join(work, "cali_images")
    if not os.path.isdir(cal):
        os.makedirs(cal)
        names = sorted(os.listdir(IMAGENET))[: max(0, a.images - 2)]
        for f in sorted(os.listdir(FACES)):
            shutil.copy(os.path.join(FACES, f), cal)
        for f in names:
            shutil.copy(os.path.join(IMAGENET, f), cal)
    lmdb = os.path.join(work, "cali_lmdb")
    if not os.path.isdir(lmdb):
        run([BIN + "/convert_imageset", "--imageset_rootfolder=" + cal,
             "--imageset_lmdbfolder=" + lmdb, "--resize_height=%d" % H,
             "--resize_width=%d" % W], os.path.join(work, "convert.log"))
    um = os.path.join(work, "umodel")
    shutil.rmtree(um, ignore_errors=True)
    run([BIN + "/on_to_umodel", "-m", MODEL, "-s", "(1,3,%d,%d)" % (H, W), "-d", um,
         "-D", lmdb, "-n", "ulfd",
         "--preprocess=mean_value=127:127:127,scale=0.0078125,bgr2rgb=True"],
        os.path.join(work, "umodel.log"))
    n_img = len(os.listdir(cal))
    run([BIN + "/calibration_use_pb", "quantize",
         "-model=" + um + "/ulfd_bmneto_test_fp32.prototxt",
         "-weights=" + um + "/ulfd_bmneto.fp32umodel", "-iterations=%d" % n_img,
         "-per_channel=true"], os.path.join(work, "calibration.log"))
    pri = priors()
    fp_faces = 0
    matched = 0
    report = {"target": a.target, "calibration_images": n_img, "images": []}
    for f in sorted(os.listdir(FACES)):
        x = preprocess(os.path.join(FACES, f))
        npy = os.path.join(work, f + ".npy")
        np.save(npy, x)
        fdir, qdir = os.path.join(work, "fp32_" + f), os.path.join(work, "int8_" + f)
        shutil.rmtree(fdir, ignore_errors=True)
        shutil.rmtree(qdir, ignore_errors=True)
        run([BIN + "/bmneto", "--model=" + MODEL, "--shapes=[1,3,%d,%d]" % (H, W),
             "--target=" + a.target, "--outdir=" + fdir, "--test_input=" + npy,
             "--cmp=%s" % ("false" if a.emit_only else "true")]
            + (["--emit=ir"] if a.emit_only else []), os.path.join(work, "bmneto_%s.log" % f))
        qlog = run([BIN + "/bmnetu",
                    "--model=" + um + "/ulfd_bmneto_deploy_int8_unique_top.prototxt",
                    "--weight=" + um + "/ulfd_bmneto.int8umodel", "--target=" + a.target,
                    "--outdir=" + qdir, "--test_input=" + npy, "--output_as_fp32=true",
                    "--input_as_fp32=true"]
                   + (["--emit=quantized-ir"] if a.emit_only else ["--cmp=true"]),
                   os.path.join(work, "bmnetu_%s.log" % f))
        fs, fl = read_outputs(os.path.join(fdir, "output_ref_data.dat"))
        qs, ql = read_outputs(os.path.join(qdir, "output_ref_data.dat"))
        fb, qb = decode(fs, fl, pri), decode(qs, ql, pri)
        hit = sum(1 for b in fb if len(qb) and iou_of(b, qb).max() >= 0.5)
        cos = [float(np.dot(u.ravel(), v.ravel()) /
                     (np.linalg.norm(u) * np.linalg.norm(v))) for u, v in ((fs, qs), (fl, ql))]
        print("%-18s FP32 faces %3d, INT8 faces %3d, matched %3d; cosine scores %.5f boxes %.5f"
              % (f, len(fb), len(qb), hit, cos[0], cos[1]))
        fp_faces += len(fb)
        matched += hit
        report["images"].append({"image": f, "fp32_faces": len(fb), "int8_faces": len(qb),
                                 "matched": hit, "cosine_scores": cos[0], "cosine_boxes": cos[1]})
    rate = matched / max(fp_faces, 1)
    report.update(fp32_faces=fp_faces, matched=matched, match_rate=rate)
    with open(os.path.join(work, "ulfd_proof.json"), "w") as fjs:
        json.dump(report, fjs, indent=1)
    print("ULFD INT8 (%s): %d of %d FP32 faces matched at IoU >= 0.5 (%.1f %%)"
          % (a.target, matched, fp_faces, 100 * rate))
    return 0 if rate >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
