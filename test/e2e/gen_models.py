#!/usr/bin/python3
"""Exports seeded torchvision classifiers to ONNX for the end-to-end tests.

For every model NAME this writes, under OUT/NAME/:
  model.onnx     the exported graph (eval mode, random seeded weights)
  input.npy      a seeded float32 input of the model's input shape
  torch_out.npy  what torch itself computes on input.npy (first oracle)
  meta.json      input shape, opset, export and torch run times
or, when the export fails, OUT/NAME/export_failed.txt with the reason.

Weights are never downloaded: every model is built with weights=None and a
fixed torch.manual_seed. Degenerate initialisations (zero heads, 1e-6 layer
scales) are replaced, BatchNorm gets seeded gamma/beta and running statistics
measured on a seeded calibration batch (see calibrate_norm_stats).

Needs Debian's /usr/bin/python3 (python3-torch, python3-torchvision).
"""
import argparse
import json
import os
import sys
import time
import traceback

import numpy as np

# name -> (constructor keyword arguments, input H=W)
MODELS = {
    "resnet18": ({}, 224),
    "resnet50": ({}, 224),
    "mobilenet_v2": ({}, 224),
    "mobilenet_v3_small": ({}, 224),
    "mobilenet_v3_large": ({}, 224),
    "squeezenet1_1": ({}, 224),
    "shufflenet_v2_x1_0": ({}, 224),
    "efficientnet_b0": ({}, 224),
    "regnet_x_400mf": ({}, 224),
    "densenet121": ({}, 224),
    "googlenet": ({"aux_logits": False, "init_weights": True}, 224),
    "inception_v3": ({"aux_logits": False, "init_weights": True}, 299),
    "vgg11": ({}, 224),
    "convnext_tiny": ({}, 224),
    "vit_b_16": ({}, 224),
    "swin_t": ({}, 224),
}

# The same architectures exported differently, for the importer and the
# passes: name -> (torchvision model, opset, keep BatchNorm). Opset 17 exports
# HardSwish and LayerNormalization as single ops where opset 13 decomposes
# them; "keep BatchNorm" exports with TrainingMode.PRESERVE (the model is in
# eval mode), so torch does not fold BatchNormalization into the Conv and our
# FoldBatchNorm pass has to.
VARIANTS = {
    "resnet18_opset9": ("resnet18", 9, False),
    "resnet18_bn": ("resnet18", 13, True),
    "resnet50_bn": ("resnet50", 13, True),
    "mobilenet_v2_bn": ("mobilenet_v2", 13, True),
    "mobilenet_v3_large_opset17": ("mobilenet_v3_large", 17, False),
    "convnext_tiny_opset17": ("convnext_tiny", 17, False),
}

SEED = 20260422


def calibrate_norm_stats(model, gen, hw):
    """Gives every BatchNorm seeded affine parameters and real statistics.

    Fresh BatchNorm modules hold mean 0, var 1, gamma 1, beta 0, which in eval
    mode makes them near-identities and lets activations of deep random nets
    grow without bound (inception_v3 reaches 1e13). Like a trained network,
    the running statistics are instead measured on a seeded calibration batch
    (train mode, cumulative average), and gamma/beta get seeded values, so
    BatchNorm folding is exercised by non-trivial numbers.
    """
    import torch
    bns = [m for m in model.modules()
           if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    with torch.no_grad():
        for m in bns:
            c = m.num_features
            if m.affine:
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                m.bias.copy_((torch.rand(c, generator=gen) - 0.5) * 0.2)
            m.reset_running_stats()
            m.momentum = None
        model.train()
        model(torch.randn((4, 3, hw, hw), generator=gen))
    model.eval()


def undegenerate(model, gen):
    """Replaces initialisations that would make a random network trivial.

    Some torchvision models start with all-zero heads (vit_b_16) or with
    residual branches scaled by 1e-6 (ConvNeXt layer scale), so a test on
    their outputs would check almost nothing. Zero weight matrices get a
    seeded normal init, zero biases small seeded values, and ConvNeXt's layer
    scale seeded values of order 0.1-0.5.
    """
    import torch
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if pname.endswith("layer_scale"):
                p.copy_(torch.rand(p.shape, generator=gen) * 0.4 + 0.1)
            elif p.dim() >= 2 and not torch.any(p != 0):
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) / fan_in ** 0.5)
            elif p.dim() == 1 and pname.endswith("bias") and not torch.any(p != 0):
                p.copy_((torch.rand(p.shape, generator=gen) - 0.5) * 0.04)


def export_one(name, out_dir, opset):
    import torch
    import torchvision

    arch, keep_bn = name, False
    if name in VARIANTS:
        arch, opset, keep_bn = VARIANTS[name]
    kwargs, hw = MODELS[arch]
    os.makedirs(out_dir, exist_ok=True)
    for stale in ("model.onnx", "input.npy", "torch_out.npy", "meta.json",
                  "export_failed.txt"):
        p = os.path.join(out_dir, stale)
        if os.path.exists(p):
            os.remove(p)

    torch.manual_seed(SEED)
    ctor = getattr(torchvision.models, arch)
    model = ctor(weights=None, **kwargs)
    undegenerate(model, torch.Generator().manual_seed(SEED + 3))
    calibrate_norm_stats(model, torch.Generator().manual_seed(SEED + 1), hw)
    model.eval()

    rng = np.random.RandomState(SEED + 2)
    x = rng.standard_normal((1, 3, hw, hw)).astype(np.float32)
    xt = torch.from_numpy(x)

    t0 = time.time()
    with torch.no_grad():
        y = model(xt)
    torch_s = time.time() - t0
    y = y.numpy().astype(np.float32)
    if not np.all(np.isfinite(y)):
        raise RuntimeError("torch output is not finite")

    tmp = os.path.join(out_dir, "model.onnx.tmp")
    t0 = time.time()
    # Tracing with autograd on keeps nn.MultiheadAttention off its fused
    # inference path (aten::_native_multi_head_attention), which has no ONNX
    # export in torch 1.13; the traced math is the same.
    with torch.enable_grad():
        torch.onnx.export(model, xt, tmp, opset_version=opset,
                          input_names=["input"], output_names=["output"],
                          do_constant_folding=True,
                          training=(torch.onnx.TrainingMode.PRESERVE if keep_bn
                                    else torch.onnx.TrainingMode.EVAL))
    export_s = time.time() - t0
    os.replace(tmp, os.path.join(out_dir, "model.onnx"))
    np.save(os.path.join(out_dir, "input.npy"), x)
    np.save(os.path.join(out_dir, "torch_out.npy"), y)
    meta = {"name": name, "arch": arch, "shape": list(x.shape), "opset": opset,
            "keep_batchnorm": keep_bn,
            "export_s": round(export_s, 2), "torch_s": round(torch_s, 3),
            "torch": torch.__version__, "torchvision": torchvision.__version__,
            "output_std": float(y.std()), "output_mean": float(y.mean())}
    # meta.json is written last and atomically: run.sh takes it as "done".
    with open(os.path.join(out_dir, "meta.json.tmp"), "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(os.path.join(out_dir, "meta.json.tmp"), os.path.join(out_dir, "meta.json"))
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="cache directory")
    ap.add_argument("--opset", type=int, default=13,
                    help="opset of the plain names (variants fix their own)")
    ap.add_argument("--list", action="store_true", help="print the model names")
    ap.add_argument("models", nargs="*", help="models to export (default: all)")
    args = ap.parse_args()
    known = list(MODELS) + list(VARIANTS)
    if args.list:
        print("\n".join(known))
        return 0
    names = args.models or known
    unknown = [n for n in names if n not in known]
    if unknown:
        print("gen_models: unknown model(s): %s; known: %s"
              % (", ".join(unknown), ", ".join(known)), file=sys.stderr)
        return 2
    failed = 0
    for name in names:
        out_dir = os.path.join(args.out, name)
        try:
            meta = export_one(name, out_dir, args.opset)
            print("exported %-20s in %6.1fs (torch run %.2fs)"
                  % (name, meta["export_s"], meta["torch_s"]), flush=True)
        except Exception as e:  # record why and go on with the next model
            failed += 1
            reason = "%s: %s" % (type(e).__name__, str(e).strip().splitlines()[0]
                                 if str(e).strip() else "")
            os.makedirs(out_dir, exist_ok=True)
            with open(os.path.join(out_dir, "export_failed.txt"), "w") as f:
                f.write(reason + "\n\n" + traceback.format_exc())
            print("EXPORT-FAILED %s: %s" % (name, reason), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
