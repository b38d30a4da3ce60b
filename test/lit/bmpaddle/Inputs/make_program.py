"""Writes a small Paddle inference model that uses the ops of the op table
that the MNIST and MobileNetV2 fixtures do not into a directory: __model__
plus one LoDTensor file per parameter (and params.npz for the check).
  make_program.py <pb-dir> <out-dir>          (<pb-dir>: protoc --python_out)
  make_program.py check <out-dir> <context-dir>
The check recomputes the net with numpy from input_ref_data.dat and compares
with output_ref_data.dat: Paddle's semantics written out independently."""
import os
import struct
import sys

import numpy as np


def check(model_dir, ctx):
    p = np.load(os.path.join(model_dir, "params.npz"))
    x = np.fromfile(os.path.join(ctx, "input_ref_data.dat"), np.float32)
    x = x.reshape(2, 4, 8, 8).astype(np.float64)
    # conv2d, SAME with stride 1 and k 3: one pixel each side.
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    w = p["w1"]
    c = np.zeros((2, 8, 8, 8))
    for i in range(3):
        for j in range(3):
            c += np.einsum("nchw,oc->nohw", xp[:, :, i:i + 8, j:j + 8], w[:, :, i, j])
    h = c * np.clip(c + 3, 0, 6) / 6
    pm = h.reshape(2, 8, 4, 2, 4, 2).max(axis=(3, 5))
    e = pm - p["s1"].reshape(1, 8, 1, 1)  # axis=1
    sw = e / (1 + np.exp(-e))
    sg = 1 / (1 + np.exp(-sw))
    dv = sw / sg
    t = dv.transpose(0, 2, 3, 1)  # 2x4x4x8
    r = t.reshape(2, -1, 8)  # 2x16x8
    cc = np.concatenate([r, r], axis=1)  # 2x32x8
    f = cc.reshape(2, -1)
    fc = np.maximum(f @ p["fw"] + p["fb"], 0)
    mm = fc @ p["mw"]
    dr = mm * (1 - 0.1)  # downgrade_in_infer
    th = np.tanh(dr)
    sc = 2.0 * (th + 0.5)  # bias before scale
    y = np.exp(sc - sc.max(axis=1, keepdims=True))
    y /= y.sum(axis=1, keepdims=True)
    got = np.fromfile(os.path.join(ctx, "output_ref_data.dat"), np.float32)
    err = float(np.abs(got - y.ravel()).max())
    print("numpy check: max abs diff %.3g %s" % (err, "ok" if err < 1e-5 else "FAIL"))
    sys.exit(0 if err < 1e-5 else 1)


if sys.argv[1] == "check":
    check(sys.argv[2], sys.argv[3])

sys.path.insert(0, sys.argv[1])
import framework_pb2 as pb  # noqa: E402

out = sys.argv[2]
os.makedirs(out, exist_ok=True)
prog = pb.ProgramDesc()
blk = prog.blocks.add()
blk.idx, blk.parent_idx = 0, -1
rng = np.random.default_rng(7)
saved = {}


def var(name, dims, persistable=False):
    v = blk.vars.add()
    v.name = name
    v.type.type = pb.VarType.LOD_TENSOR
    v.type.lod_tensor.tensor.data_type = pb.VarType.FP32
    v.type.lod_tensor.tensor.dims.extend(dims)
    v.persistable = persistable


def param(name, shape):
    a = rng.normal(0, 0.5, shape).astype(np.float32)
    saved[name] = a
    var(name, list(shape), True)
    desc = pb.VarType.TensorDesc()
    desc.data_type = pb.VarType.FP32
    desc.dims.extend(shape)
    d = desc.SerializeToString()
    with open(os.path.join(out, name), "wb") as f:
        f.write(struct.pack("<IQIi", 0, 0, 0, len(d)) + d + a.tobytes())


def op(type_, ins, outs, **attrs):
    o = blk.ops.add()
    o.type = type_
    for k, a in ins.items():
        s = o.inputs.add()
        s.parameter = k
        s.arguments.extend(a)
    for k, a in outs.items():
        s = o.outputs.add()
        s.parameter = k
        s.arguments.extend(a)
    for k, v in attrs.items():
        at = o.attrs.add()
        at.name = k
        if isinstance(v, bool):
            at.type, at.b = pb.BOOLEAN, v
        elif isinstance(v, int):
            at.type, at.i = pb.INT, v
        elif isinstance(v, float):
            at.type, at.f = pb.FLOAT, v
        elif isinstance(v, str):
            at.type, at.s = pb.STRING, v.encode()
        else:
            at.type = pb.INTS
            at.ints.extend(v)


var("x", [-1, 4, 8, 8])
op("feed", {"X": ["feed"]}, {"Out": ["x"]}, col=0)
param("w1", (8, 4, 3, 3))
op("conv2d", {"Input": ["x"], "Filter": ["w1"]}, {"Output": ["c1"]},
   strides=[1, 1], paddings=[0, 0], dilations=[1, 1], groups=1,
   padding_algorithm="SAME", data_format="NCHW")
op("hard_swish", {"X": ["c1"]}, {"Out": ["h1"]})
op("pool2d", {"X": ["h1"]}, {"Out": ["p1"]}, pooling_type="max", ksize=[2, 2],
   strides=[2, 2], paddings=[0, 0], global_pooling=False, adaptive=False,
   ceil_mode=False, exclusive=True)
param("s1", (8,))
op("elementwise_sub", {"X": ["p1"], "Y": ["s1"]}, {"Out": ["e1"]}, axis=1)
op("swish", {"X": ["e1"]}, {"Out": ["sw"]}, beta=1.0)
op("sigmoid", {"X": ["sw"]}, {"Out": ["sg"]})
op("elementwise_div", {"X": ["sw"], "Y": ["sg"]}, {"Out": ["dv"]}, axis=-1)
op("transpose2", {"X": ["dv"]}, {"Out": ["t1"], "XShape": ["t1s"]}, axis=[0, 2, 3, 1])
op("reshape2", {"X": ["t1"]}, {"Out": ["r1"], "XShape": ["r1s"]}, shape=[0, -1, 8])
op("concat", {"X": ["r1", "r1"]}, {"Out": ["cc"]}, axis=1)
op("flatten2", {"X": ["cc"]}, {"Out": ["f1"], "XShape": ["f1s"]}, axis=1)
param("fw", (256, 16))
param("fb", (16,))
op("fc", {"Input": ["f1"], "W": ["fw"], "Bias": ["fb"]}, {"Out": ["fc"]},
   in_num_col_dims=1, activation_type="relu")
param("mw", (16, 10))
op("matmul_v2", {"X": ["fc"], "Y": ["mw"]}, {"Out": ["mm"]}, trans_x=False, trans_y=False)
op("dropout", {"X": ["mm"]}, {"Out": ["dr"], "Mask": ["mask"]}, dropout_prob=0.1)
op("tanh", {"X": ["dr"]}, {"Out": ["th"]})
op("scale", {"X": ["th"]}, {"Out": ["sc"]}, scale=2.0, bias=0.5, bias_after_scale=False)
op("softmax", {"X": ["sc"]}, {"Out": ["y"]}, axis=-1)
op("fetch", {"X": ["y"]}, {"Out": ["fetch"]}, col=0)
with open(os.path.join(out, "__model__"), "wb") as f:
    f.write(prog.SerializeToString())
np.savez(os.path.join(out, "params.npz"), **saved)
