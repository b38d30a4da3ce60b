"""Writes the small TorchScript files of the bmnetp lit tests into argv[1]:
  tiny.pt         traced conv + relu + flatten + linear (a good model)
  state_dict.pt   torch.save of the same module's state_dict (not TorchScript)
  trunc.pt        tiny.pt cut to half its size
  data_branch.pt  scripted; two `if`s on tensor data and a while loop on data
  unsupported.pt  traced; ops the importer does not have (aten::sort, ...)
"""
import os
import sys

import torch

d = sys.argv[1]
torch.manual_seed(0)


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.fc = torch.nn.Linear(4 * 6 * 6, 5)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.conv(x)), 1))


class DataBranch(torch.nn.Module):
    def forward(self, x):
        if bool(x.sum() > 0):
            x = torch.relu(x)
        y = x
        while bool(y.max() > 1):
            y = y * 0.5
        if bool(x.mean() < 0):
            y = y + 1
        return y


class Unsupported(torch.nn.Module):
    def forward(self, x):
        v, _ = torch.sort(x, dim=1)
        return torch.cumprod(v, dim=1) + torch.erfinv(x)


m = Tiny().eval()
x = torch.rand(1, 3, 8, 8)
torch.jit.trace(m, x).save(os.path.join(d, "tiny.pt"))
torch.save(m.state_dict(), os.path.join(d, "state_dict.pt"))
data = open(os.path.join(d, "tiny.pt"), "rb").read()
open(os.path.join(d, "trunc.pt"), "wb").write(data[: len(data) // 2])
torch.jit.script(DataBranch()).save(os.path.join(d, "data_branch.pt"))
torch.jit.trace(Unsupported(), torch.rand(1, 4)).save(
    os.path.join(d, "unsupported.pt"))
