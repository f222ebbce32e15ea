#!/usr/bin/env python3
"""Writes small NumPy files, saved by NumPy itself, into src/test/resources/numpy-files/.

Run from anywhere with Debian's NumPy:

    /usr/bin/python3 tools/gen_numpy_files.py

ModelOutputsTest reads them and compares every decoded value with expected.json: the layouts
NumPy really writes (format versions 1, 2 and 3, C and Fortran order, every element type the
reader accepts, np.savez and np.savez_compressed archives with their zip64 extra fields).
The output is deterministic: the values are fixed, and zip timestamps are pinned.
"""

import io
import json
import os
import time

import numpy as np

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test",
                       "resources", "numpy-files")

# zipfile stamps members with time.time(); pin it so the archives are byte-identical each run.
time.time = lambda: 946684800.0  # 2000-01-01


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    rows, cols = 9, 4
    # Exactly representable in float16 (and so in every float type); includes a float16
    # subnormal (2^-20), negative zero and the largest float16 (65504).
    base = np.array([[(i * cols + j - 15) / 8.0 for j in range(cols)] for i in range(rows)])
    base[0, 0] = 2.0 ** -20
    base[1, 1] = -0.0
    base[2, 2] = 65504.0
    labels = np.array([(3 * i + 1) % cols for i in range(rows)])

    def save(name, array, version=None):
        path = os.path.join(OUT_DIR, name)
        if version is None:
            np.save(path, array)
        else:
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, version=version)
            with open(path, "wb") as f:
                f.write(buffer.getvalue())

    for dtype in ["float16", "float32", "float64"]:
        save(f"c_{dtype}.npy", base.astype(dtype))
        save(f"f_{dtype}.npy", np.asfortranarray(base.astype(dtype)))
    save("v2_float32.npy", base.astype("float32"), version=(2, 0))
    save("v3_float32.npy", base.astype("float32"), version=(3, 0))
    for dtype in ["int8", "uint8", "int32", "int64"]:
        save(f"labels_{dtype}.npy", labels.astype(dtype))
    save("labels_column.npy", labels.astype("int64").reshape(rows, 1))
    np.savez(os.path.join(OUT_DIR, "stored.npz"), logits=base.astype("float32"),
             labels=labels.astype("int64"))
    np.savez_compressed(os.path.join(OUT_DIR, "compressed.npz"),
                        logits=np.asfortranarray(base.astype("float32")),
                        labels=labels.astype("int32"))
    np.savez_compressed(os.path.join(OUT_DIR, "compressed_c.npz"),
                        logits=base.astype("float64"), labels=labels.astype("uint8"))
    expected = {
        "shape": [rows, cols],
        "values": base.reshape(-1).tolist(),
        "labels": labels.tolist(),
    }
    with open(os.path.join(OUT_DIR, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
