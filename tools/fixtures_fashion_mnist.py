"""NumPy reference values for FashionMnistData (see gen_fixtures.py).

Reads Debian's dataset-fashion-mnist files (/usr/share/datasets/fashion-mnist) with NumPy and
records, for each split of the full set and of the embedded subset (as
make_embedded_fashion_mnist.py selects it): the image count, the class counts, the sum of all
pixel bytes, the first 20 labels and the SHA-256 of a few images' 784 bytes. The Java test
reads the same splits through FashionMnistData and compares.
"""

import hashlib
import json
import os

import numpy as np

import make_embedded_fashion_mnist as embedded


def split_case(name, images, labels):
    n = len(images)
    picks = sorted({0, 1, n // 2, n - 1})
    return {
        "name": name,
        "count": n,
        "class_counts": [int(c) for c in
                         np.bincount(labels, minlength=embedded.NUM_CLASSES)],
        "pixel_sum": int(images.astype("int64").sum()),
        "first_labels": [int(v) for v in labels[:20]],
        "image_sha256": {str(i): hashlib.sha256(images[i].tobytes()).hexdigest() for i in picks},
    }


def write(out_dir):
    full = embedded.load_full(embedded.DEFAULT_SOURCE)
    cases = [split_case(f"full/{split}", images, labels)
             for split, (images, labels) in full.items()]
    cases += [split_case(f"embedded/{split}", images, labels)
              for split, (_, images, labels) in embedded.select(full).items()]
    with open(os.path.join(out_dir, "fashion_mnist.json"), "w") as f:
        json.dump({"generator": "tools/fixtures_fashion_mnist.py", "cases": cases}, f, indent=1)
        f.write("\n")
    return len(cases)
