#!/usr/bin/env python3
"""Prints the cells of docs/results.md's long-run tables from the raw runs in this folder.

Each NAME-ENGINE-sSEED.jsonl is the output of one `spela train --json` run (its command in
README.md beside it); fixed-engine runs with --precision carry per-layer precision figures.
"""
import glob
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))


def load(name):
    path = os.path.join(here, name)
    if not os.path.exists(path):
        return {}
    return {r["epoch"]: r for r in map(json.loads, open(path))}


def pct(r):
    return "/".join("%.2f" % (100 * a) for a in r["layerAccuracy"]) if r and r.get("layerAccuracy") else "-"


def main():
    names = sorted({os.path.basename(p).rsplit("-", 2)[0] for p in glob.glob(os.path.join(here, "*.jsonl"))})
    for name in names:
        seeds = sorted({p.rsplit("-s", 1)[1][:-6] for p in glob.glob(os.path.join(here, name + "-*-s*.jsonl"))})
        for seed in seeds:
            fl = load("%s-float-s%s.jsonl" % (name, seed))
            fx = load("%s-fixed-s%s.jsonl" % (name, seed))
            print("## %s seed %s: epoch, float L1/L2, fixed L1/L2, delta L2, norms float | fixed" % (name, seed))
            for e in sorted(set(fl) | set(fx)):
                a, b = fl.get(e), fx.get(e)
                if not (a and a.get("layerAccuracy")) and not (b and b.get("layerAccuracy")):
                    continue
                delta = "-"
                if a and b and a.get("layerAccuracy") and b.get("layerAccuracy"):
                    delta = "%+.2f" % (100 * (b["layerAccuracy"][-1] - a["layerAccuracy"][-1]))
                norms = lambda r: "/".join("%.1f" % n for n in r["weightNorm"]) if r and r.get("weightNorm") else "-"
                print("  %3d  %s  %s  %s  %s | %s" % (e, pct(a), pct(b), delta, norms(a), norms(b)))
            if any(r.get("precision") for r in fx.values()):
                print("## %s seed %s, fixed: epoch, per layer exponent, halvings, zero share, mean |change| LSB, saturated w/b" % (name, seed))
                for e, r in sorted(fx.items()):
                    cells = ["e%d h%d %.3f %.2f %d/%d" % (q["exponent"], q["halvings"], q["zeroShare"], q["meanChangeLsb"],
                                                        q["saturatedWeights"], q["saturatedBiases"]) for q in r["precision"]]
                    print("  %3d  %s" % (e, "  |  ".join(cells)))


if __name__ == "__main__":
    sys.exit(main())
