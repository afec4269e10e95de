#!/usr/bin/env python3
"""Tables for docs/results.md section 5 from the --json lines of `spela train` runs beside this script.

Each run is NAME-sSEED.jsonl (one JSON object per epoch, untested epochs have null accuracies) with
NAME-sSEED.jsonl.cmd holding its command. Runs that differ only by seed are grouped; a cell is the
mean test accuracy in percent at the last epoch, +- the sample standard deviation over the seeds
(min..max in brackets).

    python3 docs/runs/learning/summarise.py [DIR]       (default: this folder)
"""
import json
import pathlib
import re
import statistics
import sys

here = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).parent
groups = {}
for path in sorted(here.glob("*.jsonl")):
    name, seed = re.fullmatch(r"(.*)-s(\d+)", path.stem).groups()
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    groups.setdefault(name, {})[int(seed)] = rows


def cell(values):
    values = [100 * v for v in values]
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f} ({min(values):.2f}..{max(values):.2f})"


print("| run | seeds | epochs | layers alone | layers combined | samples/s (median epoch) |")
print("| --- | --- | --- | --- | --- | --- |")
for name, runs in groups.items():
    last = {seed: rows[-1] for seed, rows in runs.items()}
    epochs = {row["epoch"] for row in last.values()}
    layers = len(next(iter(last.values()))["layerAccuracy"])
    alone = " / ".join(cell([row["layerAccuracy"][k] for row in last.values()]) for k in range(layers))
    combined = ""
    if next(iter(last.values())).get("combinedAccuracy"):
        combined = cell([row["combinedAccuracy"][-1] for row in last.values()])
    speeds = sorted(row["samplesPerSecond"] for rows in runs.values() for row in rows)
    print(f"| {name} | {','.join(map(str, sorted(runs)))} | {'/'.join(map(str, sorted(epochs)))} | {alone} "
          f"| {combined} | {speeds[len(speeds) // 2]:,.0f} |")
