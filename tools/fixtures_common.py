"""Helpers shared by the fixture modules (see gen_fixtures.py)."""

import math

import torch


def f32(x):
    """Rounds a Python float to the nearest float32, as Java's `float` options do."""
    return float(torch.tensor(x, dtype=torch.float32).item())


def flat(t):
    """A tensor's values in row-major order; non-finite ones as strings ("nan", "inf")."""
    return [v if math.isfinite(v) else str(v) for v in t.detach().reshape(-1).tolist()]


class Gen:
    """A seeded source of inputs that collects the cases a module writes."""

    def __init__(self, seed, default_dtype=torch.float64):
        self.g = torch.Generator().manual_seed(seed)
        self.default_dtype = default_dtype
        self.cases = []

    def randn(self, *shape, dtype=None, scale=1.0):
        """Standard normal draws in float64, scaled, then converted to `dtype`."""
        values = torch.randn(tuple(shape), generator=self.g, dtype=torch.float64) * scale
        return values.to(self.default_dtype if dtype is None else dtype)

    def randint(self, high, shape):
        return torch.randint(0, high, shape, generator=self.g)

    def rand(self, *shape):
        return torch.rand(*shape, generator=self.g, dtype=torch.float64)
