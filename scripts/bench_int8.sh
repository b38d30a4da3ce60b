#!/usr/bin/env bash
# Prints simulated INT8 vs FP32 latency and MAC utilization of seeded
# torchvision ResNet-18/50 on both targets, next to the published real-chip
# figures (/work/shared/reference/sophon-toolchain.md section 8). Not a test.
#
#   scripts/bench_int8.sh [build-dir] [--models resnet18,resnet50] [--calib N]
#
# Per model: export (test/e2e/gen_models.py), calibrate on N shared ImageNet
# images (KL, per-channel), then per target: bmneto (FP32) and bmnetu (INT8,
# --cmp=false; exactness is the tests' job) and bmrt_test on each bmodel, whose
# profile line gives the simulated latency and MAC utilization (against the
# dtype's peak: f32 for FP32 nets, i8 for INT8 ones).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build"
MODELS=resnet18,resnet50
CALIB=20
while [ $# -gt 0 ]; do
  case "$1" in
    --models) MODELS="$2"; shift ;;
    --calib) CALIB="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "bench_int8: unknown option $1" >&2; exit 2 ;;
    *) BUILD="$1" ;;
  esac
  shift
done
BUILD="$(cd "$BUILD" && pwd)"
SHARED="${ONNTC_SHARED:-$ROOT/../shared}"
[ -d "$SHARED/fixtures" ] || SHARED=/work/shared
export ONNTC_BIN="$BUILD/bin" ONNTC_SHARED="$SHARED"
exec /usr/bin/python3 - "$BUILD/bench-int8" "$MODELS" "$CALIB" <<'PY'
import os, re, subprocess, sys
work, models, calib = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
B = os.environ["ONNTC_BIN"]
sys.path.insert(0, os.path.join(os.path.dirname(B), "..", "scripts", "int8"))
ROOT = os.path.abspath(os.path.join(B, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "int8"))
import torchvision_proof as tp  # noqa: E402  (shared helpers: run, preprocess)
CHIP = {("resnet50", "BM1684"): ("6.36", "3.93"), ("resnet50", "BM1684X"): ("9.14", "1.10")}
os.makedirs(work, exist_ok=True)
names = sorted(os.listdir(tp.IMAGENET))[:calib]
cal = os.path.join(work, "cali_%d" % calib)
if not os.path.isdir(cal):
    os.makedirs(cal + ".tmp", exist_ok=True)
    for f in names:
        os.link(os.path.join(tp.IMAGENET, f), os.path.join(cal + ".tmp", f))
    os.replace(cal + ".tmp", cal)
lmdb = cal + "_lmdb"
if not os.path.isdir(lmdb):
    tp.run([B + "/convert_imageset", "--imageset_rootfolder=" + cal, "--imageset_lmdbfolder=" + lmdb,
            "--resize_height=224", "--resize_width=224"], os.path.join(work, "convert.log"))
pre = ("mean_value=%s,scale=%s,bgr2rgb=True" % (":".join("%g" % m for m in tp.MEAN),
                                               ":".join("%.8g" % (1 / s) for s in tp.STD)))
prof = re.compile(r"latency ([0-9.]+) us at .* MAC utilization ([0-9.]+)% \((\w+) peak\)")


def profile(d, log):
    out = tp.run([B + "/bmrt_test", "--context_dir=" + d], log)
    m = prof.search(out)
    if "cmp success" not in out:
        raise SystemExit("bmrt_test on %s did not report cmp success (%s)" % (d, log))
    return float(m.group(1)) / 1000, float(m.group(2)), m.group(3)


print("%-10s %-8s %11s %9s %11s %9s %8s %10s %10s" % (
    "model", "target", "FP32 sim ms", "MAC util", "INT8 sim ms", "MAC util", "speed-up",
    "chip fp32", "chip int8"))
for m in models:
    mdir = os.path.join(work, "models")
    if not os.path.exists(os.path.join(mdir, m, "model.onnx")):
        tp.run(["/usr/bin/python3", os.path.join(ROOT, "test/e2e/gen_models.py"), "--out", mdir, m],
               os.path.join(work, "export_%s.log" % m))
    onnx = os.path.join(mdir, m, "model.onnx")
    um = os.path.join(work, "umodel_" + m)
    if not os.path.exists(os.path.join(um, "%s_bmneto.int8umodel" % m)):
        tp.run([B + "/on_to_umodel", "-m", onnx, "-s", "(1,3,224,224)", "-d", um, "-D", lmdb,
                "-n", m, "--preprocess=" + pre], os.path.join(work, "umodel_%s.log" % m))
        tp.run([B + "/calibration_use_pb", "quantize", "-model=%s/%s_bmneto_test_fp32.prototxt" % (um, m),
                "-weights=%s/%s_bmneto.fp32umodel" % (um, m), "-iterations=%d" % calib,
                "-per_channel=true", "--cosine_iterations=0"], os.path.join(work, "cali_%s.log" % m))
    for t in ("BM1684", "BM1684X"):
        f, q = os.path.join(work, "%s_%s_fp32" % (m, t)), os.path.join(work, "%s_%s_int8" % (m, t))
        if not os.path.exists(os.path.join(f, "compilation.bmodel")):
            tp.run([B + "/bmneto", "--model=" + onnx, "--shapes=[1,3,224,224]", "--target=" + t,
                    "--outdir=" + f, "--cmp=false"], f + ".log")
        if not os.path.exists(os.path.join(q, "compilation.bmodel")):
            tp.run([B + "/bmnetu", "--model=%s/%s_bmneto_deploy_int8_unique_top.prototxt" % (um, m),
                    "--weight=%s/%s_bmneto.int8umodel" % (um, m), "--target=" + t, "--outdir=" + q,
                    "--cmp=false"], q + ".log")
        fm, fu, _ = profile(f, f + "_bmrt.log")
        qm, qu, qd = profile(q, q + "_bmrt.log")
        chip = CHIP.get((m, t), ("-", "-"))
        print("%-10s %-8s %11.3f %8.1f%% %11.3f %8.1f%% %7.2fx %10s %10s" % (
            m, t, fm, fu, qm, qu, fm / qm, chip[0], chip[1]), flush=True)
PY
