#!/usr/bin/env python3
"""Exact top-k search: cbr against FAISS IndexFlatIP and numpy (matmul + argpartition), same data, same run.

Generates L2-normalized clustered vectors from a seed (cached as big-ann .fbin files), loads them into FAISS
and numpy, starts `bench search --serve` on the same files, and then, for every configuration, times the
three interleaved, round by round, starting each round with the next one (FAISS, numpy, cbr; numpy, cbr,
FAISS; ...) so that load on the machine hits all of them alike; medians are reported with the ratios
cbr/FAISS and cbr/numpy. cbr's ids are checked against FAISS's (equal up to ties: a differing id must score
within 1e-5 of the k-th best).

Run Benchmarks/setup first (faiss-cpu and numpy in $CBR_HOME/bench-venv), build with
`swift build -c release`, then e.g.
    $CBR_HOME/bench-venv/bin/python Benchmarks/search_peers.py --n 1000000 --q 1,16,256 --k 10,100
"""
import argparse
import json
import os
import subprocess
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--d", type=int, default=1280)
    p.add_argument("--q", default="1,16,256", help="comma-separated query batch sizes")
    p.add_argument("--k", default="10,100", help="comma-separated k values")
    p.add_argument("--dtype", default="float32,float16", help="cbr row types (peers always use float32)")
    p.add_argument("--repeats", type=int, default=5, help="interleaved timed rounds per configuration")
    p.add_argument("--large-q", default="", help="comma-separated large batch sizes, run at the largest k only")
    p.add_argument("--large-repeats", type=int, default=1, help="interleaved timed rounds for --large-q")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--pause", type=float, default=0.5,
                   help="seconds of idle before each timed call, so that the previous peer's BLAS/OpenMP "
                        "threads have stopped spinning")
    p.add_argument("--clusters", type=int, default=0, help="default: n / 100")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--data-dir", default=None, help="default: $CBR_HOME/bench-data")
    p.add_argument("--bench", default=None, help="the bench executable (default: .build/release/bench)")
    p.add_argument("--bench-args", default="", help="extra arguments for `bench search` (kernel tuning)")
    p.add_argument("--json", default=None, help="also write the results here")
    return p.parse_args()


ARGS = parse_args()
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(ARGS.threads))  # numpy's own OpenBLAS
os.environ.setdefault("OMP_NUM_THREADS", str(ARGS.threads))
import numpy as np  # noqa: E402
import faiss  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOME = os.environ.get("CBR_HOME", os.path.join(REPO, ".cache"))


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# --- data -----------------------------------------------------------------------------------------

def clustered(rng, centres, count, spread=1.0):
    """Unit vectors scattered around random cluster centres (embedding-shaped, not a model stand-in)."""
    d = centres.shape[1]
    labels = rng.integers(0, len(centres), size=count)
    x = centres[labels] + (spread / np.sqrt(d)) * rng.standard_normal((count, d), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32, copy=False)


def write_fbin(path, n, d, chunks):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        np.array([n, d], dtype=np.uint32).tofile(f)
        for chunk in chunks:
            chunk.tofile(f)
    os.replace(tmp, path)


def read_fbin(path):
    with open(path, "rb") as f:
        n, d = np.fromfile(f, dtype=np.uint32, count=2)
        x = np.fromfile(f, dtype=np.float32, count=int(n) * int(d))
    return x.reshape(int(n), int(d))


def dataset(n, d, queries, clusters, seed, directory):
    """(base path, query path), generated once per (n, d, clusters, seed) and cached."""
    os.makedirs(directory, exist_ok=True)
    stem = os.path.join(directory, f"clustered-n{n}-d{d}-c{clusters}-s{seed}")
    base, query = stem + ".base.fbin", stem + f".query{queries}.fbin"
    if not (os.path.exists(base) and os.path.exists(query)):
        log(f"generating {n} x {d} clustered unit vectors ({clusters} clusters, seed {seed})")
        rng = np.random.default_rng(seed)
        centres = rng.standard_normal((clusters, d), dtype=np.float32)
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
        step = 65536
        write_fbin(base, n, d, (clustered(rng, centres, min(step, n - s)) for s in range(0, n, step)))
        write_fbin(query, queries, d, [clustered(rng, centres, queries)])
    return base, query


# --- peers ----------------------------------------------------------------------------------------

class NumpySearch:
    """matmul into one reused score buffer (at most 1 GiB), then per query argpartition of the k best and a
    sort of those. Nothing large is allocated per call: on this VM, freeing gigabytes hands the pages back
    to the host (free page reporting), which slowed whichever search ran next by 5-10% for several seconds,
    and fresh pages made numpy itself about half as fast."""

    def __init__(self, xb, max_queries):
        self.xb = xb
        self.scores = np.empty((min(max_queries, max(1, (1 << 28) // xb.shape[0])), xb.shape[0]), np.float32)

    def __call__(self, xq, k):
        n, step = self.xb.shape[0], self.scores.shape[0]
        kk = min(k, n)
        ids = np.empty((len(xq), k), dtype=np.int64)
        for s in range(0, len(xq), step):
            block = self.scores[:min(step, len(xq) - s)]
            np.matmul(xq[s:s + step], self.xb.T, out=block)
            for i, row in enumerate(block):
                part = np.argpartition(row, n - kk)[n - kk:]
                ids[s + i, :kk] = part[np.argsort(-row[part], kind="stable")]
        return ids


class Cbr:
    """`bench search --serve`: one process holding the index, timed per request."""

    def __init__(self, binary, base, query, threads, extra):
        cmd = [binary, "search", "--serve", "--data", base, "--queries", query, "--q", str(max(QS)),
               "--threads", str(threads)] + extra
        log("starting", " ".join(cmd))
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.ready = json.loads(self.proc.stdout.readline())

    def ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        if "error" in reply:
            raise RuntimeError("cbr: " + reply["error"])
        return reply

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def agreement(ids, reference, xb, xq, tolerance=1e-5):
    """(queries whose id lists are equal, queries equal up to ties)."""
    exact = ties = 0
    for i in range(len(reference)):
        a, b = ids[i], reference[i]
        if np.array_equal(a, b):
            exact += 1
            ties += 1
            continue
        kth = float(xb[b[-1]] @ xq[i])
        extra = np.setdiff1d(a, b)
        scores = xb[extra] @ xq[i] if len(extra) else np.array([])
        ties += bool(set(a) == set(b) or np.all(np.abs(scores - kth) <= tolerance))
    return exact, ties


def timed(fn):
    time.sleep(ARGS.pause)
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main():
    global QS
    QS = [int(v) for v in ARGS.q.split(",")]
    ks = [int(v) for v in ARGS.k.split(",")]
    large = [int(v) for v in ARGS.large_q.split(",") if v]
    configs = ([(q, k, ARGS.repeats, True) for q in QS for k in ks]
               + [(q, max(ks), ARGS.large_repeats, False) for q in large])
    QS += large
    dtypes = ARGS.dtype.split(",")
    clusters = ARGS.clusters or max(1, ARGS.n // 100)
    directory = ARGS.data_dir or os.path.join(HOME, "bench-data")
    base, query = dataset(ARGS.n, ARGS.d, max(QS), clusters, ARGS.seed, directory)
    binary = ARGS.bench or os.path.join(REPO, ".build", "release", "bench")

    faiss.omp_set_num_threads(ARGS.threads)
    log("loading into FAISS")
    index = faiss.IndexFlatIP(ARGS.d)
    index.add(read_fbin(base))
    # numpy works on FAISS's own copy of the rows: one copy of the index in this process.
    xb = faiss.rev_swig_ptr(index.get_xb(), ARGS.n * ARGS.d).reshape(ARGS.n, ARGS.d)
    xq_all = read_fbin(query)
    numpy_search = NumpySearch(xb, max(QS))
    cbr = Cbr(binary, base, query, ARGS.threads, ARGS.bench_args.split())
    peak = cbr.ask("peak")["gflops"]
    log(f"SGEMM peak (cbr's OpenBLAS, 4096x4096x1280, {ARGS.threads} threads): {peak:.1f} GFLOP/s")

    rows, ids_dir = [], os.path.join(directory, "ids")
    os.makedirs(ids_dir, exist_ok=True)
    for q, k, repeats, warm in configs:
        xq = np.ascontiguousarray(xq_all[:q])
        paths = {dt: os.path.join(ids_dir, f"ids_{dt}_q{q}_k{k}.i64") for dt in dtypes}
        calls = [("faiss", lambda: index.search(xq, k)[1]), ("numpy", lambda: numpy_search(xq, k))]
        calls += [(dt, (lambda dt=dt: cbr.ask(f"{dt} {q} {k} 1 {paths[dt]}")["seconds"][0])) for dt in dtypes]
        if warm:  # warm-up rounds, untimed; the large batches take long enough not to need them
            for _, call in calls:
                call()
        times = {name: [] for name, _ in calls}
        for turn in range(repeats):
            # The order turns each round, so that no peer always runs right after the same other one. Every
            # cbr call writes its ids; the last round's are checked against FAISS's from the same round.
            start = turn % len(calls)
            for name, call in calls[start:] + calls[:start]:
                seconds, out = timed(call)
                if name == "faiss":
                    faiss_ids = out
                times[name].append(out if name in dtypes else seconds)
        med = {name: float(np.median(v)) for name, v in times.items()}
        for dtype in dtypes:
            ids = np.fromfile(paths[dtype], dtype=np.int64).reshape(q, k)
            exact, ties = agreement(ids, faiss_ids, xb, xq)
            width = 4 if dtype == "float32" else 2
            s = med[dtype]
            rows.append(dict(
                dtype=dtype, q=q, k=k, faiss_qps=q / med["faiss"], numpy_qps=q / med["numpy"], cbr_qps=q / s,
                vs_faiss=med["faiss"] / s, vs_numpy=med["numpy"] / s,
                gflops=2 * ARGS.n * ARGS.d * q / s / 1e9, peak_pct=100 * 2 * ARGS.n * ARGS.d * q / s / 1e9 / peak,
                gbps=ARGS.n * ARGS.d * width / s / 1e9, ids_exact=exact, ids_ties=ties, repeats=repeats,
                times={name: v for name, v in times.items()}))
            r = rows[-1]
            log(f"{dtype} Q={q} k={k}: faiss {r['faiss_qps']:.1f} numpy {r['numpy_qps']:.1f} "
                f"cbr {r['cbr_qps']:.1f} q/s ({r['vs_faiss']:.2f}x faiss, {r['vs_numpy']:.2f}x numpy)")
    rss = cbr.ask(f"{dtypes[0]} 1 1 1")["rss"]
    cbr.close()

    head = ["dtype", "Q", "k", "FAISS q/s", "numpy q/s", "cbr q/s", "cbr/FAISS", "cbr/numpy",
            "GFLOP/s", "% peak", "GB/s", "ids = FAISS"]
    table = [[r["dtype"], str(r["q"]), str(r["k"]), f"{r['faiss_qps']:.1f}", f"{r['numpy_qps']:.1f}",
              f"{r['cbr_qps']:.1f}", f"{r['vs_faiss']:.2f}", f"{r['vs_numpy']:.2f}", f"{r['gflops']:.1f}",
              f"{r['peak_pct']:.1f}", f"{r['gbps']:.1f}", f"{r['ids_ties']}/{r['q']} ({r['ids_exact']} exact)"]
             for r in rows]
    widths = [max(len(c) for c in col) for col in zip(head, *table)]
    print(f"# exact top-k search, N = {ARGS.n}, d = {ARGS.d}, {ARGS.threads} threads, "
          f"medians of {ARGS.repeats} interleaved rounds" + (f" ({ARGS.large_repeats} for Q = {ARGS.large_q})" if large else ""))
    for line in [head, ["-" * w for w in widths]] + table:
        print("  ".join(c.rjust(w) for c, w in zip(line, widths)))
    print(f"SGEMM peak 4096x4096x1280 in this run: {peak:.1f} GFLOP/s; FAISS {faiss.__version__}, "
          f"numpy {np.__version__}; cbr peak RSS {rss / 2**20:.0f} MiB; load average {os.getloadavg()}")
    print("float16 rows are rounded, so their ids may differ from FAISS's float32 ids beyond ties.")
    if ARGS.json:
        with open(ARGS.json, "w") as f:
            json.dump(dict(n=ARGS.n, d=ARGS.d, threads=ARGS.threads, peak=peak, rss=rss, rows=rows), f, indent=1)


if __name__ == "__main__":
    main()
