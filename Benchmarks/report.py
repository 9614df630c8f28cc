#!/usr/bin/env python3
"""Writes RESULTS.md (and plots/) from the JSON files Benchmarks/run leaves in a results folder.

    report.py RESULTS_DIR [--mode quick|full] [--seconds S]

Every performance target of the project that the run measured is listed with its ratio and whether it is met.
"""
import argparse
import json
import os
import platform
import subprocess
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def measured(folder, *names):
    """When the newest of these result files was written (UTC), for the page to say when each part ran."""
    times = [os.path.getmtime(os.path.join(folder, n)) for n in names if os.path.exists(os.path.join(folder, n))]
    if not times:
        return "?"
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(max(times)))


def load(folder, name):
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---:" for _ in head) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def cell(c, digits=4):
    """A Report cell: text as is, whole numbers with thousands separators, others to `digits` significant."""
    if c is None:
        return "-"
    if isinstance(c, str):
        return c
    return f"{c:,.0f}" if float(c).is_integer() or abs(c) >= 1000 else f"{c:.{digits}g}"


def report_rows(rep):
    """Rows of a `bench` Report as dicts keyed by column."""
    return [dict(zip(rep["columns"], r)) for r in rep["rows"]]


def embed_file(embed):
    """The result file an `ort_embed.py` report was loaded from."""
    return "embed.json" if embed["variant"] == "lite0" else f"embed-{embed['variant']}.json"


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--mode", default="quick")
    ap.add_argument("--seconds", type=int, default=0)
    ap.add_argument("--note", action="append", default=[], help="a remark on the conditions, printed at the top")
    args = ap.parse_args()
    folder = args.folder
    plots = os.path.join(folder, "plots")
    os.makedirs(plots, exist_ok=True)
    search, embed = load(folder, "search.json"), load(folder, "embed.json")
    landmark = load(folder, "landmark.json")
    mpi = load(folder, "mpi.json")
    serve = load(folder, "serve.json")
    index_build, index_scan, index_search, index_images, index_jpeg = (
        load(folder, f"index-{n}.json") for n in ("build", "scan", "search", "images", "images-jpeg"))
    embeds = [e for e in (embed, load(folder, "embed-lite1.json"), load(folder, "embed-lite2.json")) if e]
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True,
                            cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    machine = (landmark or index_build or {}).get("machine", {})
    commit = machine.get("commit") or commit
    out = [f"# cbr benchmark results ({args.mode} run)", "",
           f"Measured {machine.get('date', '?')} on {cpu_model()}, {os.cpu_count()} cores, cbr {commit}, "
           f"by `Benchmarks/run {args.mode}` (each part says when it ran; `BENCH_STEPS` can rerun parts alone).",
           "Peers ran in the same invocation on the same data, interleaved; compare ratios, not absolute rates "
           "(these shared 2-core machines drift by ±30%)."]
    if machine.get("blas"):
        out += [f"cbr's BLAS: {machine['blas']}."]
    out += [""] + [f"> {n}" for n in args.note] + [""]

    # --- targets ---------------------------------------------------------------------------------
    targets = []

    def target(name, value, goal, fmt="{:.2f}×", better="≥", shown="{:.3f}×"):
        """`shown` carries one more digit than the goal, so that a miss never prints as the goal itself."""
        ok = value >= goal if better == "≥" else value <= goal
        targets.append([name, shown.format(value), f"{better} {fmt.format(goal)}", "met" if ok else "**missed**"])

    if search:
        rows = {(r["dtype"], r["q"], r["k"]): r for r in search["rows"]}
        n = search["n"]
        kmax = max(r["k"] for r in search["rows"])
        if ("float32", 256, kmax) in rows:
            target(f"search Q=256 k={kmax} N={n:,}: cbr / FAISS", rows[("float32", 256, kmax)]["vs_faiss"], 1.10)
        if ("float32", 16, kmax) in rows:
            target(f"search Q=16 k={kmax} N={n:,}: cbr / FAISS", rows[("float32", 16, kmax)]["vs_faiss"], 4.0)
            target(f"search Q=16 k={kmax} N={n:,}: cbr / numpy", rows[("float32", 16, kmax)]["vs_numpy"], 1.0)
        if ("float32", 1, kmax) in rows:
            target(f"search Q=1 N={n:,} float32 in memory: scan GB/s", rows[("float32", 1, kmax)]["gbps"], 25,
                   fmt="{:.1f}", shown="{:.2f}")
            if ("float16", 1, kmax) in rows:
                target("search Q=1: float16 / float32 queries/s",
                       rows[("float16", 1, kmax)]["cbr_qps"] / rows[("float32", 1, kmax)]["cbr_qps"], 1.8)
    goals = {("lite0", 32, 2): 1.10, ("lite0", 1, 1): 1.0, ("lite0", 1, 2): 0.9, ("lite2", 32, 2): 1.0}  # issue 13
    for e in embeds:
        for r in e["rows"]:
            goal = goals.get((e["variant"], r["batch"], r["threads"]))
            if goal:
                target(f"{e['variant'].capitalize()} forward, batch {r['batch']}, {r['threads']} thread(s): cbr / ONNX Runtime",
                       r["ratio"], goal)

    def median_ratio(rep, decode):
        ratios = sorted(r["ratio"] for r in report_rows(rep) if r.get("decode", "exact") == decode)
        return ratios[len(ratios) // 2] if ratios else None

    if index_images and median_ratio(index_images, "exact") is not None:
        target("indexing the sample photos end to end (decode + resize + embed + write) / forward pass",
               median_ratio(index_images, "exact"), 0.85)
    if index_jpeg:
        for decode, goal in (("exact", 0.85), ("fast", 0.95)):
            if median_ratio(index_jpeg, decode) is not None:
                target(f"indexing the JPEG set (640-1600 px) end to end, {decode} decoding / forward pass",
                       median_ratio(index_jpeg, decode), goal)
    if index_search:
        rss = max(r["peak RSS MB"] for r in report_rows(index_search))
        rows_n = report_rows(index_search)[0]["rows"]
        target(f"streaming search of {rows_n:,.0f} × 1280 float32: peak RSS (MB)", rss, 1536, fmt="{:.0f}",
               better="≤", shown="{:.0f}")
    if serve:
        at8 = [r for r in serve["levels"] if r["concurrency"] >= 8]
        if at8:
            target("cbr serve at concurrency ≥ 8: images/s / cbr classify's on the same photos",
                   min(r["ratio_to_classify"] for r in at8), 0.8)
    if mpi:
        target(f"streamed landmark search ({mpi['rows']:,} rows): 2 ranks × 1 thread / 1 process × 2 threads (cbr-mpi)",
               mpi["search"]["ratio_median"], 0.95)
        if "index" in mpi:
            target(f"indexing {mpi['index']['images']} JPEGs: 2 ranks × 1 thread / 1 process × 2 threads (cbr-mpi)",
                   mpi["index"]["ratio_median"], 0.95)
        for m in mpi["merge"]:
            if m["ranks"] == 8:
                target(f"merging {mpi['queries']} queries × k = {mpi['k']} from 8 ranks: % of the search time",
                       100 * m["merge_share"], 2.0, fmt="{:.0f} %", better="≤", shown="{:.2f} %")
    out += ["## Targets (the project's performance goals, each a ratio against a peer in the same run)", "", table(["target", "measured", "target", ""], targets), ""]

    # --- search ------------------------------------------------------------------------------------
    if search:
        out += [f"## Exact top-k search, N = {search['n']:,}, d = {search['d']}, {search['threads']} threads", "",
                f"_Measured {measured(folder, 'search.json')}._ "
                f"SGEMM peak measured in the run (cbr's OpenBLAS): {search['peak']:.1f} GFLOP/s. cbr searches its "
                "in-memory index; ids are checked against FAISS (equal up to ties). numpy: matmul into one reused "
                "score buffer, argpartition per query. Each round runs the three in turn, starting with the next "
                "one each round.", "",
                table(["dtype", "Q", "k", "FAISS q/s", "numpy q/s", "cbr q/s", "cbr/FAISS", "cbr/numpy", "GFLOP/s",
                       "% peak", "GB/s", "ids = FAISS (up to ties)", "rounds"],
                      [[r["dtype"], r["q"], r["k"], f"{r['faiss_qps']:.1f}", f"{r['numpy_qps']:.1f}",
                        f"{r['cbr_qps']:.1f}", f"{r['vs_faiss']:.2f}", f"{r['vs_numpy']:.2f}", f"{r['gflops']:.1f}",
                        f"{r['peak_pct']:.0f}%", f"{r['gbps']:.1f}", f"{r['ids_ties']}/{r['q']}",
                        r.get("repeats", "")]
                       for r in search["rows"]]), ""]
        kmax = max(r["k"] for r in search["rows"])
        fig, ax = plt.subplots(figsize=(6, 4))
        for label, key, dtype in [("cbr float32", "cbr_qps", "float32"), ("cbr float16", "cbr_qps", "float16"),
                                  ("FAISS IndexFlatIP", "faiss_qps", "float32"), ("numpy", "numpy_qps", "float32")]:
            pts = sorted((r["q"], r[key]) for r in search["rows"] if r["k"] == kmax and r["dtype"] == dtype)
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("queries per batch (Q)")
        ax.set_ylabel("queries / s")
        ax.set_title(f"Exact search, N = {search['n']:,}, d = {search['d']}, k = {kmax}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(plots, "search.png"), dpi=110)
        out += ["![queries/s vs Q](plots/search.png)", ""]

    # --- embed -------------------------------------------------------------------------------------
    for embed in embeds:
        out += [f"## EfficientNet-{embed['variant'].capitalize()} forward pass ({embed['size']} px) vs ONNX Runtime "
                f"{embed['onnxruntime']}", "",
                f"_Measured {measured(folder, embed_file(embed))}._ Same folded weights; features agree to max abs diff {embed['max_abs_diff']:.1e}, min cosine "
                f"{embed['min_cosine']:.9f}. Medians of {embed['rounds']} interleaved rounds.", "",
                table(["batch", "threads", "cbr img/s", "ORT img/s", "cbr/ORT", "cbr GFLOP/s", "SGEMM peak",
                       "% peak"],
                      [[r["batch"], r["threads"], f"{r['cbr']:.1f}", f"{r['ort']:.1f}", f"{r['ratio']:.2f}",
                        f"{r['gflops']:.1f}", f"{r['peak']:.1f}", f"{100 * r['gflops'] / r['peak']:.0f}%"]
                       for r in embed["rows"]]), ""]
        fig, ax = plt.subplots(figsize=(6, 4))
        labels = [f"b{r['batch']} t{r['threads']}" for r in embed["rows"]]
        xs = range(len(labels))
        ax.bar([x - 0.2 for x in xs], [r["cbr"] for r in embed["rows"]], width=0.4, label="cbr")
        ax.bar([x + 0.2 for x in xs], [r["ort"] for r in embed["rows"]], width=0.4, label="ONNX Runtime")
        ax.set_xticks(list(xs), labels)
        ax.set_ylabel("images / s")
        ax.set_title(f"{embed['variant']} forward pass by batch (b) and threads (t)")
        ax.legend()
        fig.tight_layout()
        name = "embed.png" if embed["variant"] == "lite0" else f"embed-{embed['variant']}.png"
        fig.savefig(os.path.join(plots, name), dpi=110)
        out += [f"![images/s by threads and batch](plots/{name})", ""]

    # --- index -------------------------------------------------------------------------------------
    if index_build or index_scan or index_search or index_images or index_jpeg:
        out += ["## Index: writing, streaming, streaming search", "",
                f"_Measured {measured(folder, *(f'index-{n}.json' for n in ('images', 'build', 'scan', 'search')))}._",
                ""]
        for rep in (index_images, index_jpeg, index_build, index_scan, index_search):
            if rep:
                out += [f"**{rep['benchmark']}**", "",
                        table(rep["columns"], [[cell(c) for c in row] for row in rep["rows"]]), ""]
                if rep in (index_images, index_jpeg):
                    out += [f"- {n}" for n in rep.get("notes", [])] + [""]
    # --- landmark ----------------------------------------------------------------------------------
    if landmark:
        out += ["## Landmark scenario", "", f"_Measured {measured(folder, 'landmark.json')}._", "",
                f"**{landmark['benchmark']}**", "",
                table(landmark["columns"], [[cell(c) for c in row] for row in landmark["rows"]]), ""]
        out += [f"- {n}" for n in landmark.get("notes", [])] + [""]

    # --- distributed -------------------------------------------------------------------------------
    if mpi:
        srch = mpi["search"]
        out += ["## Distributed: cbr-mpi against cbr on this machine", "", f"_Measured {measured(folder, 'mpi.json')}._ "
                f"`mpirun` on loopback (shared memory), {mpi['rows']:,} rows in {mpi['shards']} shards, "
                f"{mpi['classes']:,} classes, {mpi['queries']} queries, k = {mpi['k']}, streaming; "
                f"{mpi['rounds']} rounds interleaved, medians; the answers were checked identical every round.", "",
                table(["layout", "search queries/s", "index images/s"],
                      [["1 process × 2 threads (cbr)", f"{srch['single_qps']:.1f}",
                        f"{mpi['index']['single_images_per_second']:.1f}" if "index" in mpi else "-"],
                       ["2 ranks × 1 thread (mpirun -np 2 cbr-mpi)", f"{srch['mpi_qps']:.1f}",
                        f"{mpi['index']['mpi_images_per_second']:.1f}" if "index" in mpi else "-"]]), "",
                "Merge of the ranks' top-k lists (`search --timings`: gather and merge after a barrier; ranks beyond "
                "2 are oversubscribed on the 2 cores, so this measures the exchange, not compute):", "",
                table(["ranks", "scan s (slowest rank)", "merge ms", "share of the search"],
                      [[str(m["ranks"]), f"{m['scan_seconds']:.2f}", f"{m['merge_seconds'] * 1e3:.1f}",
                        f"{100 * m['merge_share']:.2f} %"] for m in mpi["merge"]]), ""]

    if serve:
        out += ["## `cbr serve` under load (Benchmarks/serve_load.py)", "", f"_Measured {measured(folder, 'serve.json')}._ "
                f"The sample photos indexed (one class each) and POSTed from N threads on 127.0.0.1, "
                f"{serve['requests_per_level']} requests per level; `cbr classify` on the same photos: "
                f"{serve['classify_images_per_s']:.1f} images/s after its {serve['startup_seconds']:.2f} s start-up.", "",
                table(["concurrency", "window", "requests/s", "p50 ms", "p99 ms", "errors", "RSS MB (peak)", "/ classify"],
                      [[r["concurrency"], f"{r['window_ms']:g} ms", f"{r['requests_per_s']:.1f}", f"{r['p50_ms']:.0f}",
                        f"{r['p99_ms']:.0f}", r["errors"], f"{r['rss_mb']:.0f} ({r['peak_rss_mb']:.0f})",
                        f"{r['ratio_to_classify']:.2f}×"] for r in serve["levels"] + serve["windows"]]), ""]

    with open(os.path.join(folder, "RESULTS.md"), "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
