#!/usr/bin/env python3
"""Writes Tempered's PyTorch reference fixtures (JSON) into src/test/resources/fixtures/.

Run from anywhere, with Debian's PyTorch (PyTorch 1.13 for /usr/bin/python3):

    apt-get install -y python3-torch
    /usr/bin/python3 tools/gen_fixtures.py

Each fixtures_<area>.py module writes one JSON file: every case records its inputs, options,
PyTorch's values and the gradients with respect to the inputs. Temperatures and other float
options are rounded to float32 so that Java's `float` options mean exactly the same numbers.
The output is deterministic for a given PyTorch version; tests read the JSON and never need
Python.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fixtures_calibration  # noqa: E402
import fixtures_calibrators  # noqa: E402
import fixtures_cross_entropy  # noqa: E402
import fixtures_distillation  # noqa: E402
import fixtures_fashion_mnist  # noqa: E402
import fixtures_linear_cross_entropy  # noqa: E402
import fixtures_numerics  # noqa: E402
import fixtures_softmax  # noqa: E402
import fixtures_temperature  # noqa: E402

MODULES = [fixtures_cross_entropy, fixtures_softmax, fixtures_fashion_mnist,
           fixtures_calibration, fixtures_distillation, fixtures_temperature,
           fixtures_numerics, fixtures_linear_cross_entropy, fixtures_calibrators]

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test",
                       "resources", "fixtures")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for module in MODULES:
        count = module.write(OUT_DIR)
        print(f"{module.__name__}: {count} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
