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
    c = sub.add_parser("compare")
    c.add_argument("dat")
    c.add_argument("ref")
    c.add_argument("--min-cos", type=float, default=0.99999)
    c.add_argument("--max-rel", type=float, default=1e-3)
    a = ap.parse_args()
    if a.cmd == "export":
        export(a.dir, a.name)
    elif a.cmd == "scripted":
        scripted(a.dir)
    else:
        return compare(a.dat, a.ref, a.min_cos, a.max_rel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
