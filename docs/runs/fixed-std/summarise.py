#!/usr/bin/env python3
"""Prints the cells of docs/results.md sections 8.13 and 8.14 from the raw runs in this folder,
sweep/ and rates/, or in the folders given as arguments (e.g. docs/runs/paper-model).

Each NAME-sSEED.jsonl is one `spela train --json` run, its command in NAME-sSEED.jsonl.cmd beside
it. A cell is the last evaluated epoch, so a run that was stopped early shows where it got to.

    python3 docs/runs/fixed-std/summarise.py [FOLDER...]
"""
import glob
import json
import os
import statistics
import sys

here = os.path.dirname(os.path.abspath(__file__))


def last(path):
    runs = [json.loads(line) for line in open(path) if line.strip()]
    evaluated = [r for r in runs if r.get("layerAccuracy")]
    return (evaluated[-1]["epoch"], evaluated[-1]) if evaluated else (runs[-1]["epoch"], None)


def main():
    folders = sys.argv[1:] or [here] + [os.path.join(here, sub) for sub in ("sweep", "rates")]
    for folder in folders:
        names = sorted({os.path.basename(p).rsplit("-s", 1)[0] for p in glob.glob(os.path.join(folder, "*.jsonl"))})
        for name in names:
            cells = {}
            for path in sorted(glob.glob(os.path.join(folder, name + "-s*.jsonl"))):
                seed = path.rsplit("-s", 1)[1][:-6]
                epoch, r = last(path)
                if r:
                    cells[seed] = (epoch, r["layerAccuracy"], r.get("combinedAccuracy"))
            print("## %s" % name)
            for seed, (epoch, layers, combined) in sorted(cells.items()):
                print("  seed %s, epoch %d: layers %s, combined %s" % (seed, epoch,
                      " / ".join("%.2f" % (100 * a) for a in layers),
                      " / ".join("%.2f" % (100 * a) for a in combined) if combined else "-"))
            if len(cells) > 1:
                for what, index in (("layer 2", 1), ("combined 2", 2)):
                    values = [100 * c[index][-1] for c in cells.values() if c[index]]
                    if len(values) > 1:
                        print("  %s: %.2f +- %.2f (%.2f..%.2f)" % (what, statistics.mean(values),
                              statistics.stdev(values), min(values), max(values)))


if __name__ == "__main__":
    main()
