#!/usr/bin/env python3
"""FAISS IndexIVFFlat on the rows `bench route --export DIR` wrote: the same queries, top-1 agreement of the
best neighbour's class with cbr's exact search (exact_top.i32), queries/s, for several nprobe.

nlist defaults to sqrt(N); the quantizer is trained on up to 100 k rows (k-means, 10 iterations, seeded,
spherical: the centroids are normalized, as cosine data wants; --plain-kmeans for FAISS's unnormalized
centroids); inner product on the unit rows. Timed: the search of the query batch (the first --queries of the
export, default all), median of --repeats runs, after one untimed warm-up, with --threads OpenMP threads;
when one search takes longer than --budget seconds, its warm-up is the only run and larger nprobe are
skipped. Also printed: the rows scanned per query (FAISS's own counter) and how uneven the lists are (the
largest list, FAISS's imbalance factor). Prints a table and, with --json, writes the rows.

    $CBR_HOME/bench-venv/bin/python Benchmarks/route_peers.py /tmp/route-export --nprobe 1,4,16,64
"""
import argparse
import json
import math
import time

import faiss
import numpy as np


def fbin(path):
    """The rows of a big-ann .fbin, memory-mapped (a 1.58 M × 1280 file is 8 GB)."""
    n, d = np.fromfile(path, dtype=np.uint32, count=2)
    return np.memmap(path, dtype=np.float32, mode="r", offset=8, shape=(int(n), int(d)))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("export")
    p.add_argument("--nlist", type=int, default=0, help="default: sqrt(N)")
    p.add_argument("--nprobe", default="1,2,4,8,16,32,64")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--train", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=0, help="default: every exported query")
    p.add_argument("--budget", type=float, default=600.0, help="seconds one search may take before the sweep stops")
    p.add_argument("--plain-kmeans", action="store_true", help="FAISS's k-means without normalized centroids")
    p.add_argument("--json", default=None)
    a = p.parse_args()
    faiss.omp_set_num_threads(a.threads)
    rows = fbin(f"{a.export}/rows.fbin")
    queries = np.ascontiguousarray(fbin(f"{a.export}/queries.fbin"))
    labels = np.fromfile(f"{a.export}/labels.i32", dtype=np.int32)
    exact_top = np.fromfile(f"{a.export}/exact_top.i32", dtype=np.int32)
    if a.queries:
        queries, exact_top = queries[:a.queries], exact_top[:a.queries]
    n, d = rows.shape
    nlist = a.nlist or int(round(math.sqrt(n)))
    quantizer = faiss.IndexFlatIP(d)
    index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = 10
    index.cp.seed = 1
    index.cp.spherical = not a.plain_kmeans
    rng = np.random.default_rng(1)
    sample = np.ascontiguousarray(rows[np.sort(rng.choice(n, size=min(n, a.train), replace=False))])
    t0 = time.perf_counter()
    index.train(sample)
    del sample
    for start in range(0, n, 100_000):  # in pieces: the index holds its own copy of the rows
        index.add(np.ascontiguousarray(rows[start:start + 100_000]))
    build = time.perf_counter() - t0
    sizes = np.array([index.invlists.list_size(i) for i in range(nlist)])
    imbalance = float(index.invlists.imbalance_factor())
    out = []
    clustering = "plain" if a.plain_kmeans else "spherical"
    print(f"# FAISS {faiss.__version__} IndexIVFFlat, N = {n}, d = {d}, nlist = {nlist} ({clustering} k-means), "
          f"{len(queries)} queries, k = {a.k}, {a.threads} threads (train + add {build:.1f} s)", flush=True)
    print(f"# lists: median {int(np.median(sizes))} rows, largest {int(sizes.max())}, imbalance factor {imbalance:.2f}",
          flush=True)
    print(f"{'nprobe':>7} {'queries/s':>10} {'top-1 agreement':>16} {'rows/query':>11}")
    for nprobe in [int(x) for x in a.nprobe.split(",")]:
        index.nprobe = nprobe
        faiss.cvar.indexIVF_stats.reset()
        t = time.perf_counter()
        _, ids = index.search(queries, a.k)  # warm-up, or the only run when over budget
        times = [time.perf_counter() - t]
        scanned = faiss.cvar.indexIVF_stats.ndis / len(queries)
        if times[0] <= a.budget:
            times = []
            for _ in range(a.repeats):
                t = time.perf_counter()
                _, ids = index.search(queries, a.k)
                times.append(time.perf_counter() - t)
        seconds = sorted(times)[len(times) // 2]
        top = np.where(ids[:, 0] >= 0, labels[np.maximum(ids[:, 0], 0)], -1)
        agreement = float(np.mean(top == exact_top))
        print(f"{nprobe:>7} {len(queries) / seconds:>10.1f} {agreement:>16.4f} {scanned:>11.0f}", flush=True)
        out.append({"nprobe": nprobe, "queries_per_s": len(queries) / seconds, "top1_agreement": agreement,
                    "rows_per_query": scanned, "runs": len(times)})
        if seconds > a.budget or agreement >= 1.0:
            break  # past the budget, or nothing left to gain
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"n": n, "d": d, "nlist": nlist, "k": a.k, "threads": a.threads, "queries": len(queries),
                       "clustering": clustering, "list_median": int(np.median(sizes)), "list_max": int(sizes.max()),
                       "imbalance": imbalance, "rows": out}, f, indent=1)


if __name__ == "__main__":
    main()
