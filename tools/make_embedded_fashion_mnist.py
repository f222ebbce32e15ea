#!/usr/bin/env python3
"""Writes the Fashion-MNIST subset that Tempered embeds in its jar.

Run from anywhere, with NumPy and Debian's `dataset-fashion-mnist` package installed:

    apt-get install -y python3-numpy dataset-fashion-mnist
    /usr/bin/python3 tools/make_embedded_fashion_mnist.py [--source DIR]

It reads the four IDX files in DIR (default /usr/share/datasets/fashion-mnist) and writes
six gzipped IDX files plus LICENSE.txt into
src/main/resources/io/github/tempered/data/fashion-mnist-subset/:

    train-{images-idx3,labels-idx1}-ubyte.gz       6,000 images (600 per class)
    validation-{images-idx3,labels-idx1}-ubyte.gz  2,000 images (200 per class)
    test-{images-idx3,labels-idx1}-ubyte.gz        2,000 images (200 per class)

Selection (no random numbers, so it does not depend on the NumPy version): the full set's
splits are those of `FashionMnistData`: train = the first 50,000 images of the training file,
validation = its last 10,000, test = the t10k file. From each split the first K images of
every class in file order are kept (K = 600, 200, 200), written in their original order.
The subset's splits are thus subsets of the full set's splits with the same names.

Pixels are quantized to 32 evenly spaced grey levels (q = round(x * 31 / 255), stored as
round(q * 255 / 31), so 0 and 255 are kept and no pixel moves by more than 4/255): 10,000
Fashion-MNIST images gzip to 4.3 MB at 8 bits (3.7 MB even with xz), above the 3 MB budget,
and to 2.6 MB at 5 bits. The files are still ordinary 8-bit IDX files.

The output is deterministic for a given zlib (gzip mtime is 0); the script fails if the six
files add up to more than 3,000,000 bytes.
"""

import argparse
import gzip
import os
import struct
import sys

import numpy as np

DEFAULT_SOURCE = "/usr/share/datasets/fashion-mnist"
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "main",
                       "resources", "io", "github", "tempered", "data", "fashion-mnist-subset")
NUM_CLASSES = 10
FULL_VALIDATION = 10_000
PER_CLASS = {"train": 600, "validation": 200, "test": 200}
LEVELS = 32
MAX_BYTES = 3_000_000

LICENSE = """\
The files in this directory are a subset of Fashion-MNIST
(https://github.com/zalandoresearch/fashion-mnist), written by
tools/make_embedded_fashion_mnist.py from Debian's dataset-fashion-mnist package:
6,000 training, 2,000 validation and 2,000 test images (equal numbers per class),
pixels quantized to 32 grey levels.

Copyright (c) 2017 Zalando SE, https://tech.zalando.com

Permission is hereby granted, free of charge, to any person obtaining a
copy of this software and associated documentation files (the "Software"),
to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense,
and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included
in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY
CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def read_idx(path, magic, dims):
    """Reads a gzipped 8-bit IDX file, checking its magic number and dimensions."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    found, *shape = struct.unpack(">" + "I" * (1 + dims), raw[:4 * (1 + dims)])
    if found != magic:
        raise ValueError(f"{path}: magic {found:#x}, expected {magic:#x}")
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 * (1 + dims))
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {data.size} bytes of data for shape {shape}")
    return data.reshape(shape)


def load_full(source):
    """Returns {split: (images (N, 28, 28) uint8, labels (N,) uint8)} for the full set."""
    def pair(prefix):
        images = read_idx(os.path.join(source, f"{prefix}-images-idx3-ubyte.gz"), 2051, 3)
        labels = read_idx(os.path.join(source, f"{prefix}-labels-idx1-ubyte.gz"), 2049, 1)
        if len(images) != len(labels):
            raise ValueError(f"{prefix}: {len(images)} images but {len(labels)} labels")
        return images, labels

    train_images, train_labels = pair("train")
    cut = len(train_images) - FULL_VALIDATION
    return {
        "train": (train_images[:cut], train_labels[:cut]),
        "validation": (train_images[cut:], train_labels[cut:]),
        "test": pair("t10k"),
    }


def quantize(images):
    """Maps uint8 pixels to the nearest of 32 evenly spaced levels (integer arithmetic)."""
    x = images.astype(np.int64)
    q = (2 * x * (LEVELS - 1) + 255) // 510          # round(x * 31 / 255); never a tie
    return ((2 * q * 255 + (LEVELS - 1)) // (2 * (LEVELS - 1))).astype(np.uint8)


def select(full):
    """Returns {split: (indices into the full split, images, labels)} of the subset."""
    subset = {}
    for split, (images, labels) in full.items():
        keep = np.sort(np.concatenate([
            np.flatnonzero(labels == c)[:PER_CLASS[split]] for c in range(NUM_CLASSES)]))
        subset[split] = (keep, quantize(images[keep]), labels[keep].copy())
    return subset


def idx_bytes(array, magic):
    header = struct.pack(">" + "I" * (1 + array.ndim), magic, *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=DEFAULT_SOURCE)
    args = parser.parse_args()

    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for split, (_, images, labels) in select(load_full(args.source)).items():
        for kind, array, magic in (("images-idx3", images, 2051), ("labels-idx1", labels, 2049)):
            path = os.path.join(OUT_DIR, f"{split}-{kind}-ubyte.gz")
            data = gzip.compress(idx_bytes(array, magic), compresslevel=9, mtime=0)
            with open(path, "wb") as f:
                f.write(data)
            total += len(data)
            print(f"{os.path.basename(path)}: {array.shape}, {len(data):,} bytes",
                  file=sys.stderr)
    with open(os.path.join(OUT_DIR, "LICENSE.txt"), "w", encoding="utf-8") as f:
        f.write(LICENSE)
    print(f"total {total:,} bytes", file=sys.stderr)
    if total > MAX_BYTES:
        raise SystemExit(f"embedded subset is {total:,} bytes, over {MAX_BYTES:,}")


if __name__ == "__main__":
    main()
