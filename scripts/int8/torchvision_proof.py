#!/usr/bin/python3
"""INT8 proof on seeded torchvision classifiers (resnet18, mobilenet_v2).

Exports each model (test/e2e/gen_models.py, cached in WORK/models), calibrates
it on the shared ImageNet sample with our tools (convert_imageset,
on_to_umodel, calibration_use_pb; torchvision's normalisation), and compiles
the INT8 net with bmnetu for each target. For each of the held-out images
(those after the calibration ones) it reports the cosine of the INT8 output
against the FP32 net on the same image (bmnetu's log); with --cmp the bmodel
runs on the cmodel inside bmnetu and again through `bmrt_test`, both of
which must match the INT8 reference exactly.

usage: torchvision_proof.py WORK [--models resnet18,mobilenet_v2]
         [--targets BM1684,BM1684X] [--calib 100] [--test 5] [--emit-only]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ONNTC_BIN", os.path.join(ROOT, "build", "bin"))
SHARED = os.environ.get("ONNTC_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
IMAGENET = os.path.join(SHARED, "fixtures/images/imagenet-sample")
MEAN = np.array([123.675, 116.28, 103.53], np.float32)
STD = np.array([58.395, 57.12, 57.375], np.float32)


def run(cmd, log):
    with open(log, "w") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        sys.stderr.write(open(log).read()[-3000:])
        raise SystemExit("failed: %s (log %s)" % (" ".join(cmd), log))
    return open(log).read()


def preprocess(path):
    img = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
    img = cv2.resize(img, (224, 224), interpolation=cv2.INTER_LINEAR)
    x = (img.astype(np.float32) - MEAN) / STD
    return x.transpose(2, 0, 1)[None].copy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("work")
    ap.add_argument("--models", default="resnet18,mobilenet_v2")
    ap.add_argument("--targets", default="BM1684,BM1684X")
    ap.add_argument("--calib", type=int, default=100)
    ap.add_argument("--test", type=int, default=5)
    ap.add_argument("--th_method", default="KL")
    ap.add_argument("--emit-only", action="store_true")
    a = ap.parse_args()
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    names = sorted(os.listdir(IMAGENET))
    calib, test = names[: a.calib], names[a.calib: a.calib + a.test]
    cal = os.path.join(work, "cali_images_%d" % a.calib)
    if not os.path.isdir(cal):
        os.makedirs(cal + ".tmp", exist_ok=True)
        for f in calib:
            shutil.copy(os.path.join(IMAGENET, f), cal + ".tmp")
        os.replace(cal + ".tmp", cal)
    lmdb = cal + "_lmdb"
    if not os.path.isdir(lmdb):
        run([BIN + "/convert_imageset", "--imageset_rootfolder=" + cal,
             "--imageset_lmdbfolder=" + lmdb, "--resize_height=224", "--resize_width=224"],
            os.path.join(work, "convert.log"))
    pre = ("mean_value=%s,scale=%s,bgr2rgb=True"
           % (":".join("%g" % m for m in MEAN), ":".join("%.8g" % (1 / s) for s in STD)))
    inputs = []
    for f in test:
        npy = os.path.join(work, "test_" + os.path.splitext(f)[0] + ".npy")
        np.save(npy, preprocess(os.path.join(IMAGENET, f)))
        inputs.append(npy)
    models = os.path.join(work, "models")
    report = []
    for m in a.models.split(","):
        if not os.path.exists(os.path.join(models, m, "model.onnx")):
            run(["/usr/bin/python3", os.path.join(ROOT, "test/e2e/gen_models.py"), "--out",
                 models, m], os.path.join(work, "export_%s.log" % m))
        um = os.path.join(work, "umodel_" + m)
        shutil.rmtree(um, ignore_errors=True)
        run([BIN + "/on_to_umodel", "-m", os.path.join(models, m, "model.onnx"),
             "-s", "(1,3,224,224)", "-d", um, "-D", lmdb, "-n", m, "--preprocess=" + pre],
            os.path.join(work, "umodel_%s.log" % m))
        run([BIN + "/calibration_use_pb", "quantize",
             "-model=%s/%s_bmneto_test_fp32.prototxt" % (um, m),
             "-weights=%s/%s_bmneto.fp32umodel" % (um, m), "-iterations=%d" % a.calib,
             "-th_method=" + a.th_method, "-per_channel=true"],
            os.path.join(work, "calibration_%s.log" % m))
        for t in a.targets.split(","):
            cosines = []
            for i, npy in enumerate(inputs):
                out = os.path.join(work, "%s_%s_%d" % (m, t, i))
                shutil.rmtree(out, ignore_errors=True)
                emit = ["--emit=quantized-ir"] if (a.emit_only or i > 0) else ["--cmp=true"]
                log = run([BIN + "/bmnetu",
                           "--model=%s/%s_bmneto_deploy_int8_unique_top.prototxt" % (um, m),
                           "--weight=%s/%s_bmneto.int8umodel" % (um, m), "--target=" + t,
                           "--outdir=" + out, "--test_input=" + npy, "--output_as_fp32=true"]
                          + emit, out + ".log")
                cos = float(re.search(r"cosine ([0-9.]+)", log).group(1))
                cosines.append(cos)
                if i == 0 and not a.emit_only:
                    sim = re.search(r"simulated ([0-9.]+) ms \((\d+) cycles\)", log)
                    rt = run([BIN + "/bmrt_test", "--context_dir=" + out],
                             out + "_bmrt_test.log")
                    ok = "cmp success" in rt and "cmp failed" not in rt
                    print("%-13s %-8s bmnetu --cmp exact, simulated %s ms; bmrt_test cmp %s"
                          % (m, t, sim.group(1) if sim else "?", "success" if ok else "FAILED"))
                    if not ok:
                        raise SystemExit("bmrt_test did not report cmp success (%s)"
                                         % (out + "_bmrt_test.log"))
            print("%-13s %-8s INT8 vs FP32 output cosine over %d held-out images: "
                  "mean %.5f, min %.5f" % (m, t, len(cosines), np.mean(cosines), min(cosines)))
            report.append({"model": m, "target": t, "cosines": cosines})
    with open(os.path.join(work, "torchvision_proof.json"), "w") as f:
        json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
