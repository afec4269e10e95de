#!/usr/bin/env python3
"""Writes the tiny MNIST-style fixture in mnist-tiny/ (run once; the output is committed).

12 train and 6 test images of 28x28. Pixel (sample s, row r, column c) is (7s + 3r + 5c) mod 256,
so the values cover 0 and 255 and the tests can recompute every byte. Train labels are s mod 10,
test labels 3s mod 10 (10 classes). Two files are gzip (written with mtime 0, so reproducible),
two raw, so that reading both is covered. SHA256SUMS holds the digests of the uncompressed content.
"""
import gzip
import hashlib
import os
import struct

ROWS = COLS = 28
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist-tiny")


def images(count):
    pixels = bytes((7 * s + 3 * r + 5 * c) % 256
                   for s in range(count) for r in range(ROWS) for c in range(COLS))
    return struct.pack(">IIII", 0x00000803, count, ROWS, COLS) + pixels


def labels(values):
    return struct.pack(">II", 0x00000801, len(values)) + bytes(values)


files = {
    "train-images-idx3-ubyte": (images(12), True),
    "train-labels-idx1-ubyte": (labels([s % 10 for s in range(12)]), False),
    "t10k-images-idx3-ubyte": (images(6), False),
    "t10k-labels-idx1-ubyte": (labels([3 * s % 10 for s in range(6)]), True),
}
os.makedirs(OUT, exist_ok=True)
sums = []
for name, (content, gz) in files.items():
    with open(os.path.join(OUT, name + (".gz" if gz else "")), "wb") as f:
        f.write(gzip.compress(content, mtime=0) if gz else content)
    sums.append(f"{hashlib.sha256(content).hexdigest()}  {name}\n")
with open(os.path.join(os.path.dirname(OUT), "mnist-tiny.sha256"), "w") as f:
    f.writelines(sums)
