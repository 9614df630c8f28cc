#!/usr/bin/env python3
"""Plots queries/s against top-1 agreement with exact search: cbr's routed search (`bench route --json`)
and FAISS IndexIVFFlat (`route_peers.py --json`).

    $CBR_HOME/bench-venv/bin/python Benchmarks/route_plot.py cbr.json faiss.json Benchmarks/plots/route.png
"""
import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

cbr, faiss, out = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
cols = cbr["columns"]
rows = [dict(zip(cols, r)) for r in cbr["rows"]]
exact = next(r for r in rows if r["search"] == "exact")
routed = [r for r in rows if r["search"] != "exact"]
fig, ax = plt.subplots(figsize=(7, 4.6))
# One line per router: "route C", "route C +sub", "route C probe P", "route C probe P +sub".
series = {}
for r in routed:
    words = r["search"].split()
    series.setdefault(" ".join(words[:1] + words[2:]), []).append(r)
names = {"route": "cbr flat router (C)", "route +sub": "cbr flat, + sub-prototypes"}
for key, points in series.items():
    label = names.get(key, "cbr grouped, " + key.replace("route ", "").replace("probe", "P =")
                      .replace("+sub", "+ sub-prototypes"))
    ax.plot([r["top-1 agreement"] for r in points], [r["queries/s"] for r in points], "o-", ms=4, label=label)
    for r in points:
        ax.annotate("C=" + r["search"].split()[1], (r["top-1 agreement"], r["queries/s"]), fontsize=6,
                    textcoords="offset points", xytext=(4, 3))
ax.plot([r["top1_agreement"] for r in faiss["rows"]], [r["queries_per_s"] for r in faiss["rows"]], "s--",
        label=f"FAISS IVFFlat (nlist {faiss['nlist']})")
for r in faiss["rows"]:
    ax.annotate(f"nprobe={r['nprobe']}", (r["top1_agreement"], r["queries_per_s"]), fontsize=7,
                textcoords="offset points", xytext=(4, -9))
ax.axhline(exact["queries/s"], color="grey", lw=0.8, ls=":", label="cbr exact")
ax.set_xlabel("top-1 agreement with exact classification")
ax.set_ylabel("queries/s (1024-query batch, 2 threads)")
ax.set_yscale("log")
ax.set_title(cbr["benchmark"].split("(")[1].split(",")[0] + ", hard synthetic landmarks", fontsize=9)
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(out, dpi=120)
