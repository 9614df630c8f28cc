#!/usr/bin/env python3
"""Load test of `cbr serve` on 127.0.0.1: real photos POSTed at increasing concurrency.

Builds an index of the sample photos (one class per photo), starts `cbr serve --port 0`, and for each
concurrency level sends a fixed number of requests from that many threads (one keep-alive connection
each, Python's http.client): requests/s, p50/p99 latency, errors, the server's RSS. The baseline is
`cbr classify` on the same photos (the same number of images, startup subtracted with a 1-image run), run
just before and just after each level; the ratio is the server's images/s over the mean of those two. Then concurrency 8 is run again with each gathering
window of --windows, to measure what batching buys. Everything stays on loopback and stops by itself.

    python3 Benchmarks/serve_load.py --bin .build/release [--photos $CBR_HOME/photos] [--json out.json]
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def rss_mb(pid):
    """Current and peak resident set size of `pid` in MB (from /proc)."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, amount = line.split(":")
                values[key] = int(amount.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def start_server(cbr, index, window, env):
    out = tempfile.NamedTemporaryFile(prefix="cbr-serve-", suffix=".log", delete=False)
    proc = subprocess.Popen([cbr, "serve", "--index", index, "--port", "0", "--window", str(window)],
                            stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 120
    while time.time() < deadline:
        with open(out.name) as f:
            text = f.read()
        marker = "listening on http://127.0.0.1:"
        if marker in text:
            port = int(text.split(marker, 1)[1].split("/", 1)[0])
            return proc, port, out.name
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"serve_load: cbr serve did not start:\n{open(out.name).read()}")


def stop_server(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def load(port, bodies, concurrency, total):
    """`total` requests from `concurrency` threads; returns (seconds, latencies, errors)."""
    latencies, errors, lock = [], [0], threading.Lock()
    counter = iter(range(total))

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            name, body = bodies[i % len(bodies)]
            start = time.perf_counter()
            try:
                conn.request("POST", "/classify?top=5&k=50", body=body, headers={"Content-Type": "application/octet-stream"})
                reply = conn.getresponse()
                data = reply.read()
                ok = reply.status == 200 and b'"classes"' in data
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies, errors[0]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True, help="directory of the release cbr binary")
    parser.add_argument("--photos", default=os.path.join(os.environ.get("CBR_HOME", ".cache"), "photos"))
    parser.add_argument("--concurrency", default="1,2,4,8,16")
    parser.add_argument("--requests", type=int, default=104, help="requests per concurrency level")
    parser.add_argument("--windows", default="0,3,10", help="gathering windows (ms) compared at concurrency 8")
    parser.add_argument("--window", type=float, default=3, help="the window (ms) of the concurrency sweep")
    parser.add_argument("--json")
    args = parser.parse_args()
    cbr = os.path.join(args.bin, "cbr")
    env = dict(os.environ)
    photos = sorted(p for p in os.listdir(args.photos) if p.lower().endswith((".png", ".jpg", ".jpeg")))
    scratch = tempfile.mkdtemp(prefix="cbr-serve-load-")
    try:
        dataset = os.path.join(scratch, "dataset")
        for p in photos:
            os.makedirs(os.path.join(dataset, os.path.splitext(p)[0]))
            os.symlink(os.path.join(os.path.abspath(args.photos), p), os.path.join(dataset, os.path.splitext(p)[0], p))
        index = os.path.join(scratch, "index")
        subprocess.run([cbr, "index", "build", dataset, "--index", index], check=True, stdout=subprocess.DEVNULL, env=env)
        bodies = [(p, open(os.path.join(args.photos, p), "rb").read()) for p in photos]

        # Baseline: cbr classify on the same photos, as many images as one concurrency level sends.
        queries = os.path.join(scratch, "queries")
        os.makedirs(queries)
        for i in range(args.requests):
            p = photos[i % len(photos)]
            os.symlink(os.path.join(os.path.abspath(args.photos), p), os.path.join(queries, f"{i:05d}-{p}"))
        def timed(inputs):
            start = time.perf_counter()
            subprocess.run([cbr, "classify", *inputs, "--index", index], check=True, stdout=subprocess.DEVNULL, env=env)
            return time.perf_counter() - start
        one = min(timed([os.path.join(queries, sorted(os.listdir(queries))[0])]) for _ in range(2))

        def classify_rate():
            """`cbr classify`'s images/s on the queries, start-up subtracted (run next to each level, so that
            the ratio compares runs seconds apart on a machine whose speed drifts)."""
            return (args.requests - 1) / max(1e-9, timed([queries]) - one)
        rates = [classify_rate()]
        whole = args.requests / rates[0]
        print(f"cbr classify: {args.requests} images, startup {one:.2f} s, {rates[0]:.1f} images/s after startup")

        results = {"classify_images_per_s": rates[0], "classify_seconds": whole, "startup_seconds": one,
                   "requests_per_level": args.requests, "levels": [], "windows": []}

        def level(port, pid, c, window):
            load(port, bodies, 1, 4)  # warm-up
            before = rates[-1]
            seconds, latencies, errors = load(port, bodies, c, args.requests)
            rss, peak = rss_mb(pid)
            rates.append(classify_rate())
            baseline = (before + rates[-1]) / 2
            row = {"concurrency": c, "window_ms": window, "requests_per_s": args.requests / seconds,
                   "p50_ms": 1000 * statistics.median(latencies), "p99_ms": 1000 * percentile(latencies, 99),
                   "errors": errors, "rss_mb": rss, "peak_rss_mb": peak,
                   "classify_images_per_s": baseline, "ratio_to_classify": args.requests / seconds / baseline}
            print(f"  c={c:>2} window={window:g} ms: {row['requests_per_s']:6.1f} req/s  p50 {row['p50_ms']:7.1f} ms  "
                  f"p99 {row['p99_ms']:7.1f} ms  errors {errors}  RSS {rss:.0f} MB (peak {peak:.0f})  "
                  f"{row['ratio_to_classify']:.2f}x classify ({baseline:.1f}/s around it)")
            return row

        proc, port, log = start_server(cbr, index, args.window, env)
        try:
            print(f"cbr serve (window {args.window:g} ms), {args.requests} requests per level:")
            for c in [int(x) for x in args.concurrency.split(",")]:
                results["levels"].append(level(port, proc.pid, c, args.window))
        finally:
            results["exit_code"] = stop_server(proc)
        print(f"cbr serve exited with {results['exit_code']} on SIGTERM")
        print("gathering window at concurrency 8:")
        for w in [float(x) for x in args.windows.split(",")]:
            proc, port, log = start_server(cbr, index, w, env)
            try:
                results["windows"].append(level(port, proc.pid, 8, w))
            finally:
                stop_server(proc)
        errors = sum(r["errors"] for r in results["levels"] + results["windows"])
        print(f"errors in all: {errors}")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=2)
        return 1 if errors else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
