#!/usr/bin/python3
"""Makes and checks the TorchScript models of run_torch.sh.

  torch_tool.py export DIR NAME      torchvision NAME, seeded weights, eval,
                                     torch.jit.trace -> DIR/NAME.pt, the input
                                     DIR/NAME_x.npy and torch's output
                                     DIR/NAME_ref.npy
  torch_tool.py scripted DIR         torch.jit.script modules: const_flow.pt
                                     (a constant `if` and a fixed-trip `for`)
                                     with const_flow_x.npy / _ref.npy, and
                                     data_branch.pt (an `if` on tensor data)
  torch_tool.py ops DIR              ops.pt: a traced module over the other
                                     table rows (split, gelu, upsampling, ...)
  torch_tool.py compare DAT REF.npy [--min-cos C] [--max-rel R]
                                     output_ref_data.dat vs the torch output:
                                     cosine and max |d| / max |ref| gates
"""
import argparse
import sys

import numpy as np


def export(d, name):
    import torch
    import torchvision
    torch.manual_seed(0)
    kw = {"weights": None}
    if name == "googlenet":
        kw.update(aux_logits=False, init_weights=False)
    m = getattr(torchvision.models, name)(**kw)
    g = torch.Generator().manual_seed(1)
    # Untrained nets lose the input signal; batch-norm statistics taken on
    # random batches (train mode, cumulative average) bring it back.
    bns = [b for b in m.modules() if isinstance(b, torch.nn.BatchNorm2d)]
    if bns:
        for b in bns:
            b.momentum = None
        m.train()
        with torch.no_grad():
            for _ in range(2):
                m(torch.rand(8, 3, 224, 224, generator=g))
    m.eval()
    x = torch.rand(1, 3, 224, 224, generator=g)
    with torch.no_grad():
        t = torch.jit.trace(m, x)
        y = m(x)
        y2 = m(torch.rand(1, 3, 224, 224, generator=g))
    # A test whose output does not depend on the input could not fail.
    spread = float((y - y2).abs().max() / y.abs().max())
    if spread < 1e-3:
        sys.exit("%s: the output hardly depends on the input (%.1e); "
                 "the seeded weights make a useless test" % (name, spread))
    t.save("%s/%s.pt" % (d, name))
    np.save("%s/%s_x.npy" % (d, name), x.numpy())
    np.save("%s/%s_ref.npy" % (d, name), y.numpy())


def scripted(d):
    import torch

    class ConstFlow(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
            self.use_act: bool = True
            self.steps: int = 3

        def forward(self, x):
            y = self.conv(x)
            if self.use_act:
                y = torch.relu(y)
            else:
                y = y * 2.0
            for i in range(self.steps):
                y = y + 0.5 * y
            return torch.flatten(y, 1)

    class DataBranch(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)

        def forward(self, x):
            y = self.conv(x)
            if bool(y.sum() > 0):
                y = torch.relu(y)
            else:
                y = torch.sigmoid(y)
            return y

    torch.manual_seed(0)
    x = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    m = ConstFlow().eval()
    s = torch.jit.script(m)
    with torch.no_grad():
        y = m(x)
    s.save("%s/const_flow.pt" % d)
    np.save("%s/const_flow_x.npy" % d, x.numpy())
    np.save("%s/const_flow_ref.npy" % d, y.numpy())
    torch.jit.script(DataBranch().eval()).save("%s/data_branch.pt" % d)


def ops(d):
    """A traced module over the table rows the classifiers do not use."""
    import torch
    import torch.nn.functional as F

    class Ops(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3, padding=1, bias=False)
            self.fc = torch.nn.Linear(16, 6)

        def forward(self, x):
            y = self.conv(x)
            a, b = torch.split(y, [3, 5], dim=1)
            a = F.gelu(a) + F.hardsigmoid(a) * 2.0
            b = F.leaky_relu(b, 0.1) - F.hardswish(b) / 3.0
            b = 1.0 - torch.tanh(b)
            y = torch.cat([b, a], 1)
            up = F.interpolate(y, scale_factor=2, mode="nearest")
            bl = F.interpolate(y, size=(16, 16), mode="bilinear",
                               align_corners=False)
            ba = F.interpolate(y, size=(16, 16), mode="bilinear",
                               align_corners=True)
            z = up + bl * 0.5 + ba * 0.25
            z = F.avg_pool2d(z, 3, stride=2, padding=1,
                             count_include_pad=False)
            z = F.max_pool2d(z, 2)
            z = z.permute(0, 2, 3, 1).reshape(1, 16, 8)
            z = torch.matmul(z.transpose(1, 2), z) / 16.0
            z = z.mean(dim=1, keepdim=True)
            z = torch.sigmoid(z).reshape(1, 8)
            h = self.fc(torch.cat([z, z], 1))
            return torch.log_softmax(h, dim=1), F.silu(z)

    torch.manual_seed(0)
    x = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    m = Ops().eval()
    with torch.no_grad():
        t = torch.jit.trace(m, x)
        y = m(x)
    t.save("%s/ops.pt" % d)
    np.save("%s/ops_x.npy" % d, x.numpy())
    np.save("%s/ops_ref.npy" % d,
            np.concatenate([v.numpy().reshape(-1) for v in y]))


def compare(dat, ref, min_cos, max_rel):
    r = np.load(ref).astype(np.float32)
    raw = np.fromfile(dat, dtype="<f4")
    if raw.size != r.size:
        print("%s: %d floats, torch's output has %d" % (dat, raw.size, r.size))
        return 1
    a, b = raw.astype(np.float64), r.reshape(-1).astype(np.float64)
    den = np.linalg.norm(a) * np.linalg.norm(b)
    cos = float(a @ b / den) if den > 0 else float(np.array_equal(a, b))
    rel = float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))
    ok = cos >= min_cos and rel <= max_rel
    print("cos=%.7f maxrel=%.2e (gates cos>=%g maxrel<=%g) %s"
          % (cos, rel, min_cos, max_rel, "ok" if ok else "FAIL"))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export")
    e.add_argument("dir")
    e.add_argument("name")
    s = sub.add_parser("scripted")
    s.add_argument("dir")
    o = sub.add_parser("ops")
    o.add_argument("dir")
    c = sub.add_parser("compare")
    c.add_argument("dat")
    c.add_argument("ref")
    c.add_argument("--min-cos", type=float, default=0.99999)
    c.add_argument("--max-rel", type=float, default=1e-3)
    a = ap.parse_args()
    if a.cmd == "export":
        export(a.dir, a.name)
    elif a.cmd == "ops":
        ops(a.dir)
    elif a.cmd == "scripted":
        scripted(a.dir)
    else:
        return compare(a.dat, a.ref, a.min_cos, a.max_rel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
