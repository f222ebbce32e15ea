#!/usr/bin/env python3
"""Writes the TorchScript modules behind benchmarks/FusedCrossEntropyBenchmark.

Each module calls PyTorch's own fused `torch.nn.functional.cross_entropy` once, so DJL can load
it (as a `PtSymbolBlock`) and time PyTorch's kernel, forward and backward, in the same JVM and the
same libtorch 2.7.1 as Tempered's `CrossEntropyLoss`. The options are constants of each module
(the fastest way to call the op: nothing converted per call), matching the benchmark's option
sets exactly:

- `plain.pt`: `F.cross_entropy(logits, target)`;
- `smoothing_ignore.pt`: `label_smoothing=0.1, ignore_index=-100`;
- `all_options.pt`: `F.cross_entropy(logits / 1.5, target, weight=weight, ignore_index=-100,
  label_smoothing=0.1)`, the class weights passed as the third input.

Run with Debian's PyTorch (1.13; libtorch 2.7.1 loads its TorchScript):

    apt-get install -y python3-torch
    /usr/bin/python3 tools/make_fused_cross_entropy.py

The benchmarks read the committed `.pt` files; nothing in the library or its tests uses them.
"""

import os

import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "benchmarks", "src",
                       "main", "resources", "fused")


class Plain(torch.nn.Module):
    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits, target)


class SmoothingIgnore(torch.nn.Module):
    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits, target, ignore_index=-100, label_smoothing=0.1)


class AllOptions(torch.nn.Module):
    def forward(self, logits: torch.Tensor, target: torch.Tensor,
                weight: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits / 1.5, target, weight=weight, ignore_index=-100,
                               label_smoothing=0.1)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, module in [("plain", Plain()), ("smoothing_ignore", SmoothingIgnore()),
                         ("all_options", AllOptions())]:
        torch.jit.script(module).save(os.path.join(OUT_DIR, name + ".pt"))
        print(f"{name}.pt written with torch {torch.__version__}")


if __name__ == "__main__":
    main()
