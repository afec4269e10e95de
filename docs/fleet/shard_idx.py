#!/usr/bin/env python3
"""Writes shard i of n of an IDX dataset as a virtual device sees it (SPELA Edge, Samples.shard):
training samples i, i+n, i+2n, ... (at most --max-train) and held-out test samples likewise (at most
--max-held-out), as the four standard IDX files, so that `spela train --data-dir` can train on
exactly a device's data."""
import argparse, gzip, os, struct

def read(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack('>' + 'I' * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]

def write(path, shape, rows, row_bytes):
    header = bytes([0, 0, 8, len(shape)]) + struct.pack('>' + 'I' * len(shape), *shape)
    with open(path, 'wb') as f:
        f.write(header + b''.join(rows))

def shard(src, dst, images, labels, index, shards, limit):
    shape, pixels = read(os.path.join(src, images))
    _, label_bytes = read(os.path.join(src, labels))
    size = 1
    for d in shape[1:]:
        size *= d
    picked = list(range(index, shape[0], shards))[:limit]
    write(os.path.join(dst, images.replace('.gz', '')), (len(picked),) + tuple(shape[1:]),
          [pixels[k * size:(k + 1) * size] for k in picked], size)
    write(os.path.join(dst, labels.replace('.gz', '')), (len(picked),), [label_bytes[k:k + 1] for k in picked], 1)

p = argparse.ArgumentParser()
p.add_argument('src'); p.add_argument('dst'); p.add_argument('index', type=int); p.add_argument('shards', type=int)
p.add_argument('--max-train', type=int, default=60000); p.add_argument('--max-held-out', type=int, default=1000)
a = p.parse_args()
os.makedirs(a.dst, exist_ok=True)
shard(a.src, a.dst, 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', a.index, a.shards, a.max_train)
shard(a.src, a.dst, 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', a.index, a.shards, a.max_held_out)
