#!/usr/bin/python3
"""Fashion-MNIST proof of the INT8 path (issue 9).

Trains a small CNN on the Fashion-MNIST train split (Debian package
dataset-fashion-mnist), exports it to ONNX, compiles FP32 and INT8 bmodels
with our tools and scores them on the 10k t10k images through
bmrt_test-compatible runs on the cmodel.

Preprocessing, everywhere (torch training, torch test, cmodel eval,
calibration): the 8-bit grayscale pixel p becomes the float32 p / 255 (i.e.
p * 0.00392156862745098), no mean, layout NCHW [N,1,28,28]. The calibration
Data layer states it as `scale=0.00392156862745098` (y = (x - 0) * scale).

Subcommands (run with /usr/bin/python3; docs/int8-proofs.md):
  train --out DIR                    DIR/fmnist_cnn.onnx + DIR/train_meta.json
  calib-images --out DIR [--count N] first N train images as DIR/<label>/<i>.png
  eval --bmodel FILE --work DIR      top-1 of a bmodel over t10k on the cmodel
  int8 --work DIR                    the whole INT8 flow and the FP32 vs INT8 drop
  selftest                           checks of the parsing and (de)quantization
"""
import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np

DATA_DIR = '/usr/share/datasets/fashion-mnist'
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCALE = 1.0 / 255.0
SCALE_TEXT = '0.00392156862745098'
SEED = 20261202
EPOCHS = 3
BATCH = 64
LR = 0.05
ONNX_NAME = 'fmnist_cnn.onnx'


class Failure(Exception):
    """A step failed; the message names the step and the file."""


# --- data -------------------------------------------------------------------

def read_idx(path):
    """An idx file (gzip'd): magic 0x0000 <dtype 0x08=u8> <ndim>, then ndim
    big-endian u32 sizes, then the data."""
    with gzip.open(path, 'rb') as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise Failure('%s: not an unsigned-byte idx file' % path)
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    start = 4 + 4 * ndim
    count = int(np.prod(dims))
    if len(raw) - start != count:
        raise Failure('%s: %d data bytes, the header says %d'
                      % (path, len(raw) - start, count))
    return np.frombuffer(raw, dtype=np.uint8, offset=start).reshape(dims)


def load_split(split):
    """(images u8 [N,28,28], labels int64 [N]) of 'train' or 't10k'."""
    imgs = read_idx(os.path.join(DATA_DIR, '%s-images-idx3-ubyte.gz' % split))
    labels = read_idx(os.path.join(DATA_DIR, '%s-labels-idx1-ubyte.gz' % split))
    if imgs.shape[0] != labels.shape[0] or imgs.shape[1:] != (28, 28):
        raise Failure('%s split: images %s vs labels %s'
                      % (split, imgs.shape, labels.shape))
    return imgs, labels.astype(np.int64)


def preprocess(imgs_u8):
    """u8 [N,28,28] -> float32 [N,1,28,28] = p / 255."""
    return (imgs_u8.astype(np.float32) * np.float32(SCALE))[:, None, :, :]


# --- train ------------------------------------------------------------------

def script_hash():
    """Hash of what determines the trained model: the source of the training
    recipe in this script (data reading, preprocessing, model, training and
    export, the constants) and the data files' names and sizes. Edits to the
    eval / int8 parts do not retrain."""
    import inspect
    h = hashlib.sha256()
    for fn in (read_idx, load_split, preprocess, build_model, torch_predictions,
               cmd_train):
        h.update(inspect.getsource(fn).encode())
    h.update(repr((SCALE, SEED, EPOCHS, BATCH, LR, ONNX_NAME)).encode())
    for name in sorted(os.listdir(DATA_DIR)):
        st = os.stat(os.path.join(DATA_DIR, name))
        h.update(('%s:%d' % (name, st.st_size)).encode())
    return h.hexdigest()


def build_model():
    import torch.nn as nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2),                                        # 16x14x14
        nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2),                                        # 32x7x7
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Flatten(),                                           # 3136
        nn.Linear(64 * 7 * 7, 10),
    )


def torch_predictions(model, imgs):
    """Top-1 class of every image under torch (eval mode)."""
    import torch
    model.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, len(imgs), 1000):
            x = torch.from_numpy(preprocess(imgs[i:i + 1000]))
            preds.append(model(x).argmax(1).numpy())
    return np.concatenate(preds).astype(np.int64)


def cmd_train(args):
    out = os.path.abspath(args.out)
    onnx_path = os.path.join(out, ONNX_NAME)
    meta_path = os.path.join(out, 'train_meta.json')
    digest = script_hash()
    if os.path.exists(onnx_path) and os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get('script_hash') == digest:
            print('train: cached %s (torch top-1 %.2f%% on t10k)'
                  % (onnx_path, meta['torch_top1']))
            return 0
    import torch
    import torch.nn as nn
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    tr_x, tr_y = load_split('train')
    te_x, te_y = load_split('t10k')
    xs = torch.from_numpy(preprocess(tr_x))
    ys = torch.from_numpy(tr_y)
    model = build_model()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9,
                          weight_decay=1e-4, nesterov=True)
    steps = EPOCHS * (len(tr_x) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.time()
    for ep in range(EPOCHS):
        model.train()
        perm = torch.from_numpy(rng.permutation(len(tr_x)))
        total = 0.0
        for b in range(len(tr_x) // BATCH):
            idx = perm[b * BATCH:(b + 1) * BATCH]
            opt.zero_grad()
            loss = loss_fn(model(xs[idx]), ys[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss)
        print('train: epoch %d/%d loss %.4f (%.0f s)'
              % (ep + 1, EPOCHS, total / (len(tr_x) // BATCH), time.time() - t0),
              flush=True)
    train_s = time.time() - t0
    te_pred = torch_predictions(model, te_x)
    top1 = 100.0 * float((te_pred == te_y).mean())
    print('train: torch top-1 %.2f%% on t10k after %.0f s' % (top1, train_s))

    os.makedirs(out, exist_ok=True)
    model.eval()
    tmp = onnx_path + '.tmp'
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), tmp, opset_version=13,
                      input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}},
                      do_constant_folding=True)
    import onnx
    onnx.checker.check_model(onnx.load(tmp))
    meta = {
        'script_hash': digest,
        'seed': SEED,
        'epochs': EPOCHS,
        'batch': BATCH,
        'lr': LR,
        'torch_version': torch.__version__,
        'train_seconds': round(train_s, 1),
        'threads': 1,
        'torch_top1': top1,
        'test_images': int(len(te_x)),
        'onnx': {'file': ONNX_NAME, 'opset': 13, 'input': 'input',
                 'input_shape': ['N', 1, 28, 28], 'output': 'logits',
                 'output_shape': ['N', 10],
                 'note': 'batch dim symbolic: bmneto --shapes / '
                         'on_to_umodel -s fix it'},
        'preprocessing': 'float32 NCHW [N,1,28,28], x = pixel / 255 '
                         '(pixel the idx u8 value, 0 = black), no mean',
        'ops': sorted({n.op_type for n in onnx.load(tmp).graph.node}),
    }
    np.save(os.path.join(out, 'torch_predictions.npy'), te_pred)
    os.replace(tmp, onnx_path)
    with open(meta_path + '.tmp', 'w') as f:
        json.dump(meta, f, indent=1)
    os.replace(meta_path + '.tmp', meta_path)
    print('train: wrote %s and %s' % (onnx_path, meta_path))
    return 0


# --- calibration images -----------------------------------------------------

def cmd_calib_images(args):
    import cv2
    out = os.path.abspath(args.out)
    imgs, labels = load_split('train')
    if args.count <= 0 or args.count > len(imgs):
        raise Failure('calib-images: --count %d out of 1..%d' % (args.count, len(imgs)))
    tmp = out + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    for i in range(args.count):
        d = os.path.join(tmp, str(int(labels[i])))
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, '%05d.png' % i)
        if not cv2.imwrite(p, imgs[i]):
            raise Failure('calib-images: cannot write %s' % p)
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    print('calib-images: %d images in %s' % (args.count, out))
    return 0


# --- eval on the cmodel -----------------------------------------------------

DTYPES = {'float32': np.float32, 'float16': np.float16, 'int8': np.int8,
          'uint8': np.uint8, 'int16': np.int16, 'uint16': np.uint16,
          'int32': np.int32, 'uint32': np.uint32}
INFO_TENSOR = re.compile(r'^(input|output): (.*), \[([^\]]*)\], (\w+), '
                         r'scale: ([^,]+), zero point: (-?\d+)$')


def tool(build, name):
    p = os.path.join(build, 'bin', name)
    if not os.access(p, os.X_OK):
        raise Failure('%s is missing; build it with: ninja -C %s %s' % (p, build, name))
    return p


def run(cmd, step, cwd=None, log=None):
    """Runs cmd; on failure names the step and shows the tool's last lines."""
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    if log:
        with open(log, 'w') as f:
            f.write(' '.join(cmd) + '\n' + r.stdout)
    if r.returncode != 0:
        tail = '\n'.join(r.stdout.strip().splitlines()[-15:])
        raise Failure('%s failed (exit %d): %s\n%s'
                      % (step, r.returncode, ' '.join(cmd), tail))
    return r.stdout


def bmodel_io(build, bmodel):
    """The one input and one output of a single-net, single-stage bmodel, as
    `tpu_model --info` prints them: (name, shape, dtype, scale, zero_point)."""
    text = run([tool(build, 'tpu_model'), '--info', bmodel], 'tpu_model --info')
    tensors = {'input': [], 'output': []}
    stages = 0
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('stage '):
            stages += 1
        m = INFO_TENSOR.match(line)
        if m:
            dims = [int(d.replace('max:', '')) for d in m.group(3).split(',')]
            if m.group(4) not in DTYPES:
                raise Failure('%s: %s %s has dtype %s, not handled'
                              % (bmodel, m.group(1), m.group(2), m.group(4)))
            tensors[m.group(1)].append((m.group(2), dims, m.group(4),
                                        float(m.group(5)), int(m.group(6))))
    if stages != 1 or len(tensors['input']) != 1 or len(tensors['output']) != 1:
        raise Failure('%s: expected one net with one stage, one input and one '
                      'output; tpu_model --info says:\n%s' % (bmodel, text))
    inp, out = tensors['input'][0], tensors['output'][0]
    if inp[1][1:] != [1, 28, 28] or out[1] != [inp[1][0], 10]:
        raise Failure('%s: input %s %s / output %s %s, expected [B,1,28,28] / [B,10]'
                      % (bmodel, inp[0], inp[1], out[0], out[1]))
    return inp, out


def quantize(x, dtype, scale, zero_point):
    """real = scale * (q - zero_point) (docs/umodel.md's rule for activations):
    q = round_half_even(x / scale) + zero_point, saturated to the dtype."""
    info = np.iinfo(DTYPES[dtype])
    q = np.rint(x.astype(np.float64) / scale) + zero_point
    return np.clip(q, info.min, info.max).astype(DTYPES[dtype])


def to_input(x, dtype, scale, zero_point):
    if dtype in ('float32', 'float16'):
        return x.astype(DTYPES[dtype])
    return quantize(x, dtype, scale, zero_point)


def from_output(raw, dtype, scale, zero_point):
    v = raw.astype(np.float64)
    if dtype not in ('float32', 'float16'):
        v = (v - zero_point) * scale
    return v


def evaluate(build, bmodel, work, limit=None, label='', model_dir=None):
    """Top-1 of `bmodel` over the first `limit` t10k images; returns the
    summary dict and writes work/eval_summary.json + work/predictions.npy.
    With model_dir (a `train --out` dir), also torch's top-1 on the same
    images and how often the predictions agree with torch's."""
    bmodel = os.path.abspath(bmodel)
    work = os.path.abspath(work)
    (in_name, in_shape, in_dt, in_scale, in_zp), \
        (out_name, out_shape, out_dt, out_scale, out_zp) = bmodel_io(build, bmodel)
    batch = in_shape[0]
    imgs, labels = load_split('t10k')
    n = len(imgs) if limit is None else min(limit, len(imgs))
    if n <= 0:
        raise Failure('eval: --limit must be positive')
    bmrt = tool(build, 'bmrt_test')
    ctx = os.path.join(work, 'ctx')
    os.makedirs(ctx, exist_ok=True)
    link = os.path.join(ctx, 'compilation.bmodel')
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(bmodel, link)
    out_bytes = batch * 10 * np.dtype(DTYPES[out_dt]).itemsize
    preds = np.zeros(n, dtype=np.int64)
    walls, sim_us = [], []
    print('eval: %s, batch %d, input %s %s (scale %g), output %s %s (scale %g), '
          '%d images' % (bmodel, batch, in_name, in_dt, in_scale, out_name,
                         out_dt, out_scale, n), flush=True)
    for start in range(0, n, batch):
        count = min(batch, n - start)
        x = np.zeros((batch, 1, 28, 28), dtype=np.float32)  # the tail pads with 0
        x[:count] = preprocess(imgs[start:start + count])
        with open(os.path.join(ctx, 'input_ref_data.dat'), 'wb') as f:
            f.write(np.ascontiguousarray(to_input(x, in_dt, in_scale, in_zp)).tobytes())
        out_file = os.path.join(ctx, 'output.dat')
        if os.path.exists(out_file):
            os.remove(out_file)
        t0 = time.time()
        # --export_output writes the outputs, raw, to ./output.dat (the cwd).
        log = run([bmrt, '--context_dir', ctx, '--compare=0', '--export_output'],
                  'bmrt_test (images %d..%d)' % (start, start + count - 1), cwd=ctx)
        walls.append(time.time() - t0)
        m = re.search(r'latency ([0-9.]+) us', log)
        if m:
            sim_us.append(float(m.group(1)))
        with open(out_file, 'rb') as f:
            raw = f.read()
        if len(raw) != out_bytes:
            raise Failure('%s: %d bytes, expected %d (%s %s)'
                          % (out_file, len(raw), out_bytes, out_dt, out_shape))
        logits = from_output(np.frombuffer(raw, dtype=DTYPES[out_dt]).reshape(batch, 10),
                             out_dt, out_scale, out_zp)
        preds[start:start + count] = logits[:count].argmax(1)
    correct = int((preds == labels[:n]).sum())
    top1 = 100.0 * correct / n
    summary = {
        'label': label, 'bmodel': bmodel, 'batch': batch, 'images': n,
        'correct': correct, 'top1': top1,
        'input': {'name': in_name, 'dtype': in_dt, 'scale': in_scale,
                  'zero_point': in_zp},
        'output': {'name': out_name, 'dtype': out_dt, 'scale': out_scale,
                   'zero_point': out_zp},
        'runs': len(walls),
        'seconds_per_batch': round(sum(walls) / len(walls), 3),
        'seconds_total': round(sum(walls), 1),
        'simulated_latency_us_per_batch': sim_us[0] if sim_us else None,
        'preprocessing': 'x = pixel / 255, float32 NCHW',
    }
    ref = os.path.join(model_dir, 'torch_predictions.npy') if model_dir else None
    if ref and os.path.exists(ref):
        tp = np.load(ref)[:n]
        summary['torch_top1'] = 100.0 * float((tp == labels[:n]).mean())
        summary['torch_agreement'] = 100.0 * float((tp == preds).mean())
    np.save(os.path.join(work, 'predictions.npy'), preds)
    with open(os.path.join(work, 'eval_summary.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    print('top-1 %.2f%% over %d images' % (top1, n))
    if 'torch_top1' in summary:
        print('eval: torch top-1 %.2f%% on the same images; predictions agree '
              'with torch on %.2f%%' % (summary['torch_top1'], summary['torch_agreement']))
    print('eval: %d bmrt_test runs, %.2f s per batch of %d on the cmodel '
          '(simulated latency %s us per batch); %s'
          % (len(walls), summary['seconds_per_batch'], batch,
             summary['simulated_latency_us_per_batch'],
             os.path.join(work, 'eval_summary.json')), flush=True)
    return summary


def evaluate_reference(build, deploy, int8umodel, work, batch, limit=None,
                       model_dir=None):
    """Top-1 of the INT8 net on our reference interpreter (no cmodel):
    `bmnetu --emit=quantized-ir --test_input=x.npz` quantizes the net and
    writes the INT8 reference outputs for x (output_ref_data.dat, float32 with
    --output_as_fp32) without lowering; one run per chunk of `batch` images.
    Writes work/eval_summary.json + work/predictions.npy like evaluate()."""
    work = os.path.abspath(work)
    bmnetu = tool(build, 'bmnetu')
    imgs, labels = load_split('t10k')
    n = len(imgs) if limit is None else min(limit, len(imgs))
    if n <= 0:
        raise Failure('eval: --limit must be positive')
    out = os.path.join(work, 'ref')
    os.makedirs(work, exist_ok=True)
    preds = np.zeros(n, dtype=np.int64)
    walls = []
    npz = os.path.join(work, 'input.npz')
    for start in range(0, n, batch):
        count = min(batch, n - start)
        x = np.zeros((batch, 1, 28, 28), dtype=np.float32)
        x[:count] = preprocess(imgs[start:start + count])
        np.savez(npz, input=x)
        ref_file = os.path.join(out, 'output_ref_data.dat')
        if os.path.exists(ref_file):
            os.remove(ref_file)
        t0 = time.time()
        run([bmnetu, '--model=' + deploy, '--weight=' + int8umodel, '--target=BM1684',
             '--outdir=' + out, '--max_n=%d' % batch, '--input_as_fp32=true',
             '--output_as_fp32=true', '--emit=quantized-ir', '--test_input=' + npz],
            'bmnetu --emit=quantized-ir (images %d..%d)' % (start, start + count - 1))
        walls.append(time.time() - t0)
        raw = np.fromfile(ref_file, dtype=np.float32)
        if raw.size != batch * 10:
            raise Failure('%s: %d floats, expected %d' % (ref_file, raw.size, batch * 10))
        preds[start:start + count] = raw.reshape(batch, 10)[:count].argmax(1)
    correct = int((preds == labels[:n]).sum())
    summary = {
        'label': 'int8-reference', 'model': deploy, 'weights': int8umodel,
        'batch': batch, 'images': n, 'correct': correct, 'top1': 100.0 * correct / n,
        'runs': len(walls), 'seconds_total': round(sum(walls), 1),
        'note': 'bmnetu INT8 reference interpreter outputs, not the cmodel',
    }
    ref = os.path.join(model_dir, 'torch_predictions.npy') if model_dir else None
    if ref and os.path.exists(ref):
        tp = np.load(ref)[:n]
        summary['torch_top1'] = 100.0 * float((tp == labels[:n]).mean())
        summary['torch_agreement'] = 100.0 * float((tp == preds).mean())
    np.save(os.path.join(work, 'predictions.npy'), preds)
    with open(os.path.join(work, 'eval_summary.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    print('int8 reference (bmnetu interpreter): top-1 %.2f%% over %d images (%d runs, '
          '%.1f s)' % (summary['top1'], n, len(walls), summary['seconds_total']),
          flush=True)
    return summary


def cmd_eval(args):
    evaluate(os.path.abspath(args.build), args.bmodel, args.work, args.limit,
             model_dir=args.model_dir)
    return 0


# --- the INT8 flow ----------------------------------------------------------

def cmd_int8(args):
    build = os.path.abspath(args.build)
    work = os.path.abspath(args.work)
    model_dir = os.path.abspath(args.model_dir or os.path.join(work, 'model'))
    os.makedirs(work, exist_ok=True)
    batch = args.batch
    logs = os.path.join(work, 'logs')
    os.makedirs(logs, exist_ok=True)
    tools = {t: tool(build, t) for t in ('bmneto', 'bmrt_test', 'tpu_model')}
    cmd_train(argparse.Namespace(out=model_dir))
    onnx_path = os.path.join(model_dir, ONNX_NAME)

    # FP32 reference: bmneto at batch B, scored first (it does not need the
    # INT8 tools).
    fp32_dir = os.path.join(work, 'fp32_b%d' % batch)
    run([tools['bmneto'], '--model=' + onnx_path, '--shapes=[%d,1,28,28]' % batch,
         '--target=BM1684', '--outdir=' + fp32_dir, '--cmp=1'], 'bmneto (FP32)',
        log=os.path.join(logs, 'bmneto.log'))
    fp32 = evaluate(build, os.path.join(fp32_dir, 'compilation.bmodel'),
                    os.path.join(work, 'eval_fp32'), args.limit, 'fp32', model_dir)

    for t in ('convert_imageset', 'on_to_umodel', 'calibration_use_pb', 'bmnetu'):
        tools[t] = tool(build, t)

    # Calibration set: the first --calib train images, through an LMDB.
    calib_png = os.path.join(work, 'calib_png')
    lmdb = os.path.join(work, 'calib_lmdb')
    cmd_calib_images(argparse.Namespace(out=calib_png, count=args.calib))
    shutil.rmtree(lmdb, ignore_errors=True)
    run([tools['convert_imageset'], '--imageset_rootfolder=' + calib_png,
         '--imageset_lmdbfolder=' + lmdb, '--gray'], 'convert_imageset',
        log=os.path.join(logs, 'convert_imageset.log'))

    # fp32umodel whose Data layer applies the training preprocessing, x/255.
    umodel_dir = os.path.join(work, 'umodel')
    shutil.rmtree(umodel_dir, ignore_errors=True)
    run([tools['on_to_umodel'], '-m', onnx_path, '-s', '(1,1,28,28)', '-d', umodel_dir,
         '-D', lmdb, '--preprocess=scale=' + SCALE_TEXT], 'on_to_umodel',
        log=os.path.join(logs, 'on_to_umodel.log'))

    def one(pattern):
        hits = sorted(f for f in os.listdir(umodel_dir) if f.endswith(pattern))
        if len(hits) != 1:
            raise Failure('%s: expected one *%s, found %s' % (umodel_dir, pattern, hits))
        return os.path.join(umodel_dir, hits[0])

    run([tools['calibration_use_pb'], 'quantize',
         '-model=' + one('_test_fp32.prototxt'), '-weights=' + one('.fp32umodel'),
         '-iterations=%d' % args.calib, '-th_method=' + args.th_method,
         '-per_channel=%s' % ('true' if args.per_channel else 'false')],
        'calibration_use_pb',
        log=os.path.join(logs, 'calibration_use_pb.log'))

    deploy = one('_deploy_int8_unique_top.prototxt')
    int8umodel = one('.int8umodel')
    result = {
        'images': fp32['images'], 'batch': batch, 'calibration_images': args.calib,
        'th_method': args.th_method, 'per_channel': args.per_channel,
        'torch_top1': fp32.get('torch_top1'), 'fp32_top1': fp32['top1'],
        'max_drop_pt': args.max_drop,
    }
    summary_path = os.path.join(work, 'int8_summary.json')

    def save(**kw):
        result.update(kw)
        with open(summary_path, 'w') as f:
            json.dump(result, f, indent=1)

    p32 = np.load(os.path.join(work, 'eval_fp32', 'predictions.npy'))
    # The INT8 net on the reference interpreter: what the cmodel must match.
    ref = evaluate_reference(build, deploy, int8umodel, os.path.join(work, 'eval_int8_ref'),
                             batch, args.limit, model_dir)
    pref = np.load(os.path.join(work, 'eval_int8_ref', 'predictions.npy'))
    save(int8_reference_top1=ref['top1'], int8_reference_drop_pt=fp32['top1'] - ref['top1'],
         int8_reference_agreement=float((p32 == pref).mean() * 100.0))
    print('int8: FP32 top-1 %.2f%%, INT8 reference top-1 %.2f%%, drop %.2f pt'
          % (fp32['top1'], ref['top1'], fp32['top1'] - ref['top1']), flush=True)

    int8_dir = os.path.join(work, 'int8_b%d' % batch)
    try:
        run([tools['bmnetu'], '--model=' + deploy, '--weight=' + int8umodel,
             '--target=BM1684', '--outdir=' + int8_dir, '--max_n=%d' % batch,
             '--input_as_fp32=true', '--output_as_fp32=true'],
            'bmnetu', log=os.path.join(logs, 'bmnetu.log'))
        int8 = evaluate(build, os.path.join(int8_dir, 'compilation.bmodel'),
                        os.path.join(work, 'eval_int8'), args.limit, 'int8', model_dir)
    except Failure as e:
        save(int8_top1=None, drop_pt=None, error=str(e).splitlines()[0], passed=False)
        raise
    p8 = np.load(os.path.join(work, 'eval_int8', 'predictions.npy'))
    drop = fp32['top1'] - int8['top1']
    save(int8_top1=int8['top1'], drop_pt=drop,
         prediction_agreement=float((p32 == p8).mean() * 100.0),
         cmodel_matches_reference=bool((p8 == pref).all()),
         passed=drop <= args.max_drop)
    print('int8: FP32 top-1 %.2f%%, INT8 top-1 %.2f%% on the cmodel, drop %.2f pt over %d '
          'images (FP32 and INT8 predictions agree on %.2f%%; cmodel %s the reference)'
          % (fp32['top1'], int8['top1'], drop, fp32['images'],
             result['prediction_agreement'],
             'matches' if result['cmodel_matches_reference'] else 'DIFFERS from'))
    if drop > args.max_drop:
        raise Failure('INT8 top-1 drop %.2f pt exceeds %.2f pt' % (drop, args.max_drop))
    return 0


# --- selftest ---------------------------------------------------------------

def cmd_selftest(args):
    """The pieces no FP32 run exercises: idx parsing, INT8 input quantization
    (round half to even, saturation), output dequantization, the
    `tpu_model --info` tensor lines."""
    import tempfile
    errors = []

    def check(cond, what):
        if not cond:
            errors.append(what)

    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, 'x.gz')
        data = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
        with gzip.open(p, 'wb') as f:
            f.write(bytes([0, 0, 8, 3]) + b''.join(n.to_bytes(4, 'big') for n in (2, 3, 4))
                    + data.tobytes())
        check(np.array_equal(read_idx(p), data), 'read_idx: wrong data')
        with gzip.open(p, 'wb') as f:
            f.write(bytes([0, 0, 8, 1]) + (5).to_bytes(4, 'big') + b'abc')
        try:
            read_idx(p)
            errors.append('read_idx: a short file was accepted')
        except Failure:
            pass
    q = quantize(np.array([0.5, 1.5, 2.5, -0.5, -2.5, 1000, -1000, 0.26]), 'int8', 1.0, 0)
    check(q.tolist() == [0, 2, 2, 0, -2, 127, -128, 0], 'quantize int8: %s' % q.tolist())
    q = quantize(np.array([1.0, 0.5]), 'int8', 0.25, 3)
    check(q.tolist() == [7, 5], 'quantize with zero point: %s' % q.tolist())
    q = quantize(np.array([-1.0, 300.0]), 'uint8', 1.0, 0)
    check(q.tolist() == [0, 255], 'quantize uint8: %s' % q.tolist())
    v = from_output(np.array([-128, 10], dtype=np.int8), 'int8', 0.5, 2)
    check(v.tolist() == [-65.0, 4.0], 'dequantize int8: %s' % v.tolist())
    m = INFO_TENSOR.match('input: input, [250, 1, 28, 28], int8, scale: 0.00787402, '
                          'zero point: 0')
    check(m is not None and m.group(3) == '250, 1, 28, 28' and m.group(4) == 'int8'
          and float(m.group(5)) == 0.00787402, 'tpu_model --info input line')
    m = INFO_TENSOR.match('output: logits, [250, 10], float32, scale: 1, zero point: 0')
    check(m is not None and m.group(2) == 'logits', 'tpu_model --info output line')
    for e in errors:
        print('selftest: FAIL %s' % e)
    if errors:
        raise Failure('%d check(s) failed' % len(errors))
    print('selftest: all checks passed')
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('train', help='train the CNN and export the ONNX (cached)')
    p.add_argument('--out', required=True)
    p = sub.add_parser('calib-images', help='first N train images as PNGs')
    p.add_argument('--out', required=True)
    p.add_argument('--count', type=int, default=200)
    p = sub.add_parser('eval', help='top-1 of a bmodel over t10k on the cmodel')
    p.add_argument('--bmodel', required=True)
    p.add_argument('--work', required=True)
    p.add_argument('--limit', type=int, help='only the first N t10k images')
    p.add_argument('--model-dir', help='a `train --out` dir: compare with torch')
    p.add_argument('--build', default=os.path.join(ROOT, 'build'),
                   help='build dir with bin/bmrt_test, bin/tpu_model')
    p = sub.add_parser('int8', help='the whole INT8 flow, FP32 vs INT8 top-1')
    p.add_argument('--work', required=True)
    p.add_argument('--model-dir', help='where the trained ONNX is cached '
                   '(default WORK/model)')
    p.add_argument('--limit', type=int, help='only the first N t10k images')
    p.add_argument('--batch', type=int, default=250, help='bmodel batch B')
    p.add_argument('--calib', type=int, default=200, help='calibration images')
    # Not the SDK's default KL: on this net KL clips the ReLU outputs to ~1/10
    # of their range (the constant background activations dominate the
    # histogram) and the simulated INT8 top-1 falls ~15 pt; MAX, MSE and
    # PERCENTILE9999 stay within 0.15 pt (docs/int8-proofs.md).
    p.add_argument('--th-method', default='MAX',
                   choices=['KL', 'MAX', 'MSE', 'PERCENTILE9999'],
                   help='calibration_use_pb -th_method (default MAX)')
    p.add_argument('--per-channel', action='store_true',
                   help='calibration_use_pb -per_channel=true')
    p.add_argument('--max-drop', type=float, default=0.3,
                   help='fail when FP32 - INT8 top-1 exceeds this (pt)')
    p.add_argument('--build', default=os.path.join(ROOT, 'build'),
                   help='build dir with bin/ tools')
    sub.add_parser('selftest', help='check idx parsing, INT8 (de)quantization, '
                   'the tpu_model --info parser')
    args = ap.parse_args()
    try:
        return {'train': cmd_train, 'calib-images': cmd_calib_images,
                'eval': cmd_eval, 'int8': cmd_int8,
                'selftest': cmd_selftest}[args.cmd](args)
    except Failure as e:
        print('fashion_mnist.py %s: error: %s' % (args.cmd, e), file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
