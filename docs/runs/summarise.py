#!/usr/bin/env python3
"""Tables for docs/results.md from the --json lines of `spela train` runs kept beside this script.

Each run is NAME-sSEED.jsonl (one JSON object per epoch). Runs that differ only by seed are
grouped; each cell is the mean test accuracy in percent, +- the sample standard deviation over
the seeds, at the epochs asked for.

    python3 docs/runs/summarise.py [EPOCH ...]        (default: 1 5 10)
"""
import json
import pathlib
import re
import statistics
import sys

here = pathlib.Path(__file__).parent
epochs = [int(e) for e in sys.argv[1:]] or [1, 5, 10]
groups = {}
for path in sorted(here.glob("*.jsonl")):
    name, seed = re.fullmatch(r"(.*)-s(\d+)", path.stem).groups()
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    groups.setdefault(name, {})[int(seed)] = {row["epoch"]: row for row in lines}


def cell(values):
    values = [100 * v for v in values]
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


print("| run | seeds | layer | " + " | ".join(f"epoch {e}" for e in epochs) + " | samples/s (median epoch) |")
print("| --- | --- | --- | " + " | ".join("---" for _ in epochs) + " | --- |")
for name, runs in groups.items():
    layers = len(next(iter(runs.values()))[1]["layerAccuracy"])
    speeds = sorted(row["samplesPerSecond"] for run in runs.values() for row in run.values())
    for k in range(layers):
        cells = []
        for e in epochs:
            values = [run[e]["layerAccuracy"][k] for run in runs.values() if e in run]
            cells.append(cell(values) if len(values) == len(runs) else "")
        speed = f"{speeds[len(speeds) // 2]:,.0f}" if k == 0 else ""
        print(f"| {name} | {','.join(map(str, sorted(runs)))} | {k + 1} | " + " | ".join(cells) + f" | {speed} |")
