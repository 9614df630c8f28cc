#!/usr/bin/env python3
"""cbr-mpi against cbr on one machine: the cost of the distributed path.

1. Streamed search of a landmark-scale index (built by `bench landmark --keep`): `cbr search` with 1 process x
   2 threads against `mpirun -np 2 cbr-mpi search` with 1 thread per rank, interleaved round by round,
   medians and the ratio (answers checked identical every round).
2. The merge: `cbr-mpi search --timings` under 2, 4 and 8 ranks (oversubscribed: it measures the exchange
   and the merge of per-rank top-k lists, not compute), merge seconds as a share of the search.
3. Indexing real photos: `cbr index build` (1 x 2 threads) against `mpirun -np 2 cbr-mpi index build`
   (2 x 1 thread), end to end, interleaved.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

import h5py
import numpy as np

MPIRUN = ["mpirun", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader",
          "--mca", "btl_vader_single_copy_mechanism", "none"]


def run(cmd, env):
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"mpi_scale: {' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()[-800:]}")
    return seconds, done


def queries_from_index(index, count, seed=7):
    """Landmark-like queries: indexed rows from across the shards, perturbed and renormalized."""
    manifest = json.load(open(os.path.join(index, "manifest.json")))
    rng = np.random.default_rng(seed)
    shards = manifest["shards"]
    picks = []
    for i in range(count):
        shard = shards[rng.integers(len(shards))]
        with h5py.File(os.path.join(index, shard["file"]), "r") as f:
            row = f["embeddings"][int(rng.integers(shard["rows"]))].astype(np.float32)
        picks.append(row + rng.normal(0, 0.02, row.shape).astype(np.float32))
    q = np.stack(picks)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def timings(stderr):
    m = re.search(r"scan ([0-9.]+) s, merge ([0-9.]+) s", stderr)
    return (float(m.group(1)), float(m.group(2))) if m else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True, help="the release build's bin folder (cbr, cbr-mpi, bench)")
    p.add_argument("--scale", type=float, default=0.01)
    p.add_argument("--queries", type=int, default=1024)
    p.add_argument("--k", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--shard-rows", type=int, default=None, help="rows per shard of the landmark index (default: 256 MB)")
    p.add_argument("--merge-ranks", default="2,4,8")
    p.add_argument("--photos", help="a class-per-folder photo dataset for the indexing comparison")
    p.add_argument("--scratch", default=None)
    p.add_argument("--json", default=None)
    a = p.parse_args()
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    scratch = a.scratch or tempfile.mkdtemp(prefix="cbr-mpi-bench-")
    os.makedirs(scratch, exist_ok=True)
    cbr, cbr_mpi, bench = (os.path.join(a.bin, n) for n in ("cbr", "cbr-mpi", "bench"))
    result = {"scale": a.scale, "queries": a.queries, "k": a.k, "rounds": a.rounds}

    # 1. Streamed landmark-scale search.
    root = os.path.join(scratch, "landmark")
    index = os.path.join(root, "float32")
    if not os.path.exists(os.path.join(index, "manifest.json")):
        print(f"building the landmark index (scale {a.scale}) ...", file=sys.stderr, flush=True)
        run([bench, "landmark", "--scale", str(a.scale), "--dtypes", "float32", "--queries", "16", "--repeats", "1",
             "--keep", "--directory", root] + (["--shard-rows", str(a.shard_rows)] if a.shard_rows else []), env)
    manifest = json.load(open(os.path.join(index, "manifest.json")))
    result["rows"], result["shards"] = manifest["rowCount"], len(manifest["shards"])
    result["classes"] = len(manifest["classes"])
    qfile = os.path.join(scratch, "queries.h5")
    with h5py.File(qfile, "w") as f:
        f["embeddings"] = queries_from_index(index, a.queries)
    single, multi = [], []
    for r in range(a.rounds):
        out1, out2 = os.path.join(scratch, "single.h5"), os.path.join(scratch, "mpi.h5")
        s, _ = run([cbr, "search", qfile, "--index", index, "--k", str(a.k), "--threads", "2", "--out", out1], env)
        m, _ = run(MPIRUN + ["-np", "2", cbr_mpi, "search", qfile, "--index", index, "--k", str(a.k),
                             "--threads", "1", "--out", out2], env)
        with h5py.File(out1) as f1, h5py.File(out2) as f2:
            same = np.array_equal(f1["indices"][:], f2["indices"][:])
            gap = float(np.max(np.abs(f1["scores"][:] - f2["scores"][:])))
        if not same or gap > 1e-6:
            sys.exit(f"mpi_scale: round {r}: cbr-mpi's answers differ from cbr's (max score gap {gap})")
        single.append(s); multi.append(m)
        print(f"search round {r + 1}: 1x2 {s:.2f} s, 2x1 {m:.2f} s", file=sys.stderr, flush=True)
    ratios = [s / m for s, m in zip(single, multi)]
    result["search"] = {"single_seconds": single, "mpi_seconds": multi,
                        "single_qps": a.queries / statistics.median(single),
                        "mpi_qps": a.queries / statistics.median(multi),
                        "ratio_median": statistics.median(ratios)}

    # 2. Merge cost by rank count.
    merge = []
    for ranks in (int(x) for x in a.merge_ranks.split(",")):
        _, done = run(MPIRUN + ["-np", str(ranks), cbr_mpi, "search", qfile, "--index", index, "--k", str(a.k),
                                "--threads", "1", "--timings", "--out", os.path.join(scratch, f"m{ranks}.h5")], env)
        t = timings(done.stderr)
        if t is None:
            sys.exit(f"mpi_scale: no timings line from cbr-mpi --timings: {done.stderr[-400:]}")
        merge.append({"ranks": ranks, "scan_seconds": t[0], "merge_seconds": t[1],
                      "merge_share": t[1] / (t[0] + t[1])})
        print(f"merge at {ranks} ranks: scan {t[0]:.2f} s, merge {t[1] * 1e3:.1f} ms", file=sys.stderr, flush=True)
    result["merge"] = merge

    # 3. Indexing real photos.
    if a.photos:
        single, multi = [], []
        for r in range(a.rounds):
            i1, i2 = os.path.join(scratch, "photos-1"), os.path.join(scratch, "photos-2")
            shutil.rmtree(i1, ignore_errors=True); shutil.rmtree(i2, ignore_errors=True)
            s, _ = run([cbr, "index", "build", a.photos, "--index", i1, "--threads", "2"], env)
            m, _ = run(MPIRUN + ["-np", "2", cbr_mpi, "index", "build", a.photos, "--index", i2, "--threads", "1"], env)
            single.append(s); multi.append(m)
            print(f"index round {r + 1}: 1x2 {s:.2f} s, 2x1 {m:.2f} s", file=sys.stderr, flush=True)
        images = sum(len(files) for _, _, files in os.walk(a.photos))
        result["index"] = {"images": images, "single_seconds": single, "mpi_seconds": multi,
                           "single_images_per_second": images / statistics.median(single),
                           "mpi_images_per_second": images / statistics.median(multi),
                           "ratio_median": statistics.median([s / m for s, m in zip(single, multi)])}

    text = [f"cbr-mpi vs cbr ({result['rows']} rows, {result['classes']} classes, {result['shards']} shards, "
            f"{a.queries} queries, k = {a.k}, streaming, {a.rounds} rounds, medians)",
            f"search: 1 process x 2 threads {result['search']['single_qps']:.1f} queries/s, "
            f"2 ranks x 1 thread {result['search']['mpi_qps']:.1f} queries/s, ratio {result['search']['ratio_median']:.3f}"]
    for m in merge:
        text.append(f"merge at {m['ranks']} ranks: {m['merge_seconds'] * 1e3:.1f} ms = {100 * m['merge_share']:.2f} % of the search")
    if "index" in result:
        i = result["index"]
        text.append(f"index build ({i['images']} images): 1 x 2 threads {i['single_images_per_second']:.1f} images/s, "
                    f"2 x 1 thread {i['mpi_images_per_second']:.1f} images/s, ratio {i['ratio_median']:.3f}")
    print("\n".join(text))
    if a.json:
        json.dump(result, open(a.json, "w"), indent=2)
    if not a.scratch:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
