#!/usr/bin/env python3
"""Measurements for docs/export.md (needs Benchmarks/setup's venv and a release build).

latency: the exported model in ONNX Runtime vs `cbr classify`, on the same images.
    export_bench.py latency --cbr CBR --index DIR --images DIR [--threads 1]
  Exports the index (max, float32), dumps the images' network input with `cbr embed --pixels`, then times,
  interleaved over --rounds rounds: ORT session.run per image (batch 1) and for the whole batch, and
  `cbr classify` of the same images (a process per run: model load, decode, resize, network, search).

scale: export time of a synthetic index (rows in classes of random size, unit-length random rows).
    export_bench.py scale --cbr CBR --rows 100000 --classes 10000
  Writes the rows with h5py, `cbr index import`s them, times `cbr export`, then loads the model in ORT and
  runs one image.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
import h5py
import numpy as np
import onnxruntime as ort


def run(cmd):
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - t, out.stdout


def session(model, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    t = time.perf_counter()
    s = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    return s, time.perf_counter() - t


def latency(a, work):
    model, pixels_file = os.path.join(work, "model.onnx"), os.path.join(work, "pixels.h5")
    run([a.cbr, "export", "--index", a.index, "--out", model])
    run([a.cbr, "embed", a.images, "--pixels", "--out", pixels_file, "--threads", str(a.threads)])
    with h5py.File(pixels_file, "r") as f:
        pixels = np.asarray(f["pixels"])
    n = len(pixels)
    s, load = session(model, a.threads)
    s.run(None, {"images": pixels[:1]})  # warm-up
    one, batch, cbr = [], [], []
    for _ in range(a.rounds):
        for i in range(n):
            t = time.perf_counter()
            s.run(["top_classes"], {"images": pixels[i:i + 1]})
            one.append(time.perf_counter() - t)
        t = time.perf_counter()
        s.run(["top_classes"], {"images": pixels})
        batch.append(time.perf_counter() - t)
        seconds, _ = run([a.cbr, "classify", a.images, "--index", a.index, "--threads", str(a.threads), "--top", "1"])
        cbr.append(seconds)
    print(json.dumps({
        "images": n, "threads": a.threads, "rounds": a.rounds, "ort_session_load_s": round(load, 3),
        "ort_batch1_ms_median": round(1000 * statistics.median(one), 2),
        "ort_batch_all_ms_per_image": round(1000 * statistics.median(batch) / n, 2),
        "cbr_classify_process_s_median": round(statistics.median(cbr), 3),
        "cbr_classify_ms_per_image": round(1000 * statistics.median(cbr) / n, 2),
    }))


def scale(a, work):
    rng = np.random.default_rng(7)
    # Every class has a row; the rest fall on classes with Zipf-like weights (a few large classes, many small).
    weights = 1.0 / np.arange(1, a.classes + 1) ** 0.8
    labels = np.concatenate([np.arange(a.classes), rng.choice(a.classes, a.rows - a.classes, p=weights / weights.sum())])
    rows = rng.standard_normal((a.rows, 1280), dtype=np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    source, index, model = (os.path.join(work, x) for x in ("rows.h5", "index", "big.onnx"))
    with h5py.File(source, "w") as f:
        f["embeddings"] = rows
        f["labels"] = labels.astype(np.int64)
    imported, _ = run([a.cbr, "index", "import", source, "--labels", "labels", "--index", index])
    results = {"rows": a.rows, "classes": a.classes, "distinct_class_sizes": int(len(np.unique(np.bincount(labels)))),
               "largest_class": int(np.bincount(labels).max()), "index_import_s": round(imported, 2)}
    for dtype in ("float32", "float16"):
        seconds, out = run([a.cbr, "export", "--index", index, "--model", a.model, "--out", model, "--dtype", dtype])
        s, load = session(model, 2)
        t = time.perf_counter()
        top = s.run(["top_classes"], {"images": np.zeros((1, 224, 224, 3), dtype=np.uint8)})[0]
        results[dtype] = {"export_s": round(seconds, 2), "file_mb": round(os.path.getsize(model) / 1e6, 1),
                          "ort_load_s": round(load, 2), "ort_first_run_s": round(time.perf_counter() - t, 3),
                          "top_classes_shape": list(top.shape)}
    print(json.dumps(results))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["latency", "scale"])
    p.add_argument("--cbr", required=True)
    p.add_argument("--index")
    p.add_argument("--images")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--classes", type=int, default=10_000)
    p.add_argument("--model", default=os.path.join(os.environ.get("CBR_HOME", ".cache"), "models/efficientnet-lite0.h5"))
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as work:
        (latency if a.what == "latency" else scale)(a, work)


if __name__ == "__main__":
    main()
