#!/usr/bin/env python3
"""Prints the cells of docs/results.md section 8.13 from the raw runs in this folder (and sweep/).

Each NAME-fixed-sSEED.jsonl is one `spela train --engine fixed --json` run, its command in
NAME-fixed-sSEED.jsonl.cmd beside it.
"""
import glob
import json
import os
import statistics

here = os.path.dirname(os.path.abspath(__file__))


def last(path):
    runs = [json.loads(line) for line in open(path) if line.strip()]
    evaluated = [r for r in runs if r.get("layerAccuracy")]
    return runs[-1]["epoch"], evaluated[-1] if evaluated else None


def main():
    for folder in (here, os.path.join(here, "sweep")):
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
