#!/usr/bin/env python3
"""ONNX Runtime peer for `bench embed`: the same folded EfficientNet-Lite weights, timed in the same run.

Builds an ONNX graph (NCHW, weights transposed from cbr's NHWC layouts, TF-SAME padding as explicit pads)
from a cbr model file, checks its feature vector against cbr's on the same input, then times cbr
(`bench embed --worker`, one process per measurement) and ONNX Runtime alternately for batch 1 and 32
at 1 and 2 threads, and prints images/s and the ratio cbr/ORT. Needs Benchmarks/setup's venv.

    make bench-embed     (or: $CBR_HOME/bench-venv/bin/python Benchmarks/ort_embed.py [--model M.h5] [--bench B])
"""
import argparse, json, math, os, subprocess, sys, tempfile, time
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper
import onnxruntime as ort

from model_file import read_model  # cbr model file -> dict of numpy arrays in cbr's layouts


def same_pads(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2, out


def build_graph(m):
    """m: dict with 'size', 'stem', 'blocks', 'head', 'fc' in cbr's layouts (see FoldedModel.swift)."""
    nodes, inits = [], []
    counter = [0]

    def name(p):
        counter[0] += 1
        return f"{p}{counter[0]}"

    def const(arr, p):
        n = name(p)
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr, dtype=np.float32), n))
        return n

    def conv(x, size, w_oihw, b, k, s, group, relu6):
        top, bottom, out = same_pads(size, k, s)
        y = name("conv")
        nodes.append(helper.make_node("Conv", [x, const(w_oihw, "w"), const(b, "b")], [y], kernel_shape=[k, k],
                                      strides=[s, s], pads=[top, top, bottom, bottom], group=group))
        if relu6:
            z = name("relu6")
            nodes.append(helper.make_node("Clip", [y, lo, hi], [z]))
            y = z
        return y, out

    inits.append(numpy_helper.from_array(np.array(0, dtype=np.float32), "zero"))
    inits.append(numpy_helper.from_array(np.array(6, dtype=np.float32), "six"))
    lo, hi = "zero", "six"
    size = m["size"]
    w, b = m["stem"]  # HWIO
    x, size = conv("input", size, w.transpose(3, 2, 0, 1), b, w.shape[0], 2, 1, True)
    for blk in m["blocks"]:
        inp = x
        if blk["expand"] is not None:
            w, b = blk["expand"]  # [cin][cout]
            x, _ = conv(x, size, w.T[:, :, None, None], b, 1, 1, 1, True)
        w, b, k, s = blk["depthwise"]  # [kh][kw][c]
        x, size = conv(x, size, w.transpose(2, 0, 1)[:, None], b, k, s, w.shape[2], True)
        w, b = blk["project"]
        x, _ = conv(x, size, w.T[:, :, None, None], b, 1, 1, 1, False)
        if blk["residual"]:
            y = name("add")
            nodes.append(helper.make_node("Add", [x, inp], [y]))
            x = y
    w, b = m["head"]
    x, _ = conv(x, size, w.T[:, :, None, None], b, 1, 1, 1, True)
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"]))
    nodes.append(helper.make_node("Flatten", ["pooled"], ["features"], axis=1))
    w, b = m["fc"]  # [features][classes]
    nodes.append(helper.make_node("Gemm", ["features", const(w, "fcw"), const(b, "fcb")], ["logits"]))
    s0 = m["size"]
    graph = helper.make_graph(
        nodes, "efficientnet_lite", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, s0, s0])],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", m["head"][0].shape[1]]),
         helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", m["fc"][0].shape[1]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model


def session(model, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def time_ort(sess, x_nchw, seconds):
    sess.run(["features"], {"input": x_nchw})  # warm-up
    n, t0 = 0, time.perf_counter()
    while True:
        sess.run(["features"], {"input": x_nchw})
        n += 1
        dt = time.perf_counter() - t0
        if dt >= seconds and n >= 2:
            return n * x_nchw.shape[0] / dt


def time_cbr(bench, model, batch, threads, seconds):
    out = subprocess.run([bench, "embed", "--model", model, "--batch", str(batch), "--threads", str(threads),
                          "--seconds", str(seconds), "--worker"], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    home = os.environ.get("CBR_HOME", os.path.join(os.path.dirname(__file__), "..", ".cache"))
    ap.add_argument("--model", default=os.path.join(home, "models", "efficientnet-lite0.h5"))
    ap.add_argument("--bench", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "bench"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--configs", default="1x1,32x1,1x2,32x2", help="batch x threads, comma separated")
    ap.add_argument("--json", default=None, help="also write the results here")
    args = ap.parse_args()

    m = read_model(args.model)
    graph = build_graph(m)
    size = m["size"]

    # Same input for both: a seeded tensor in the preprocessed range, NHWC for cbr, NCHW for ORT.
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, size=(2, size, size, 3)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        xin, fout = os.path.join(tmp, "x.f32"), os.path.join(tmp, "f.f32")
        x.tofile(xin)
        subprocess.run([args.bench, "embed", "--model", args.model, "--features-of", xin, "--features-out", fout],
                       check=True, capture_output=True)
        cbr_f = np.fromfile(fout, dtype=np.float32).reshape(2, -1)
    ort_f = session(graph, 1).run(["features"], {"input": x.transpose(0, 3, 1, 2).copy()})[0]
    diff = float(np.abs(cbr_f - ort_f).max())
    cos = min(float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) for a, b in zip(cbr_f, ort_f))
    check = f"feature check cbr vs ORT (same input): max abs diff {diff:.2e}, min cosine {cos:.9f}"
    print(check)
    if not (cos > 0.9999 and diff < 1e-3):
        sys.exit("ORT and cbr disagree: the comparison would be meaningless")

    configs = [tuple(int(v) for v in c.split("x")) for c in args.configs.split(",")]
    sessions = {t: session(graph, t) for t in sorted({t for _, t in configs})}
    results = {c: {"cbr": [], "ort": []} for c in configs}
    detail = {}
    for r in range(args.rounds):  # interleaved: cbr, ORT, cbr, ORT ... so that load drifts hit both
        for batch, threads in configs:
            xb = rng.uniform(-1, 1, size=(batch, 3, size, size)).astype(np.float32)
            c = time_cbr(args.bench, args.model, batch, threads, args.seconds)
            results[(batch, threads)]["cbr"].append(c["imagesPerSecond"])
            detail[(batch, threads)] = c
            results[(batch, threads)]["ort"].append(time_ort(sessions[threads], xb, args.seconds))
            print(f"round {r + 1} batch {batch:2d} threads {threads}: cbr {results[(batch, threads)]['cbr'][-1]:7.1f}"
                  f"  ORT {results[(batch, threads)]['ort'][-1]:7.1f} images/s", file=sys.stderr)

    gflop = next(iter(detail.values()))["gflopPerImage"]  # 2 × multiply-adds per image, from cbr's plan
    print(f"\n# embed forward pass, {m['variant']} ({size} px), medians of {args.rounds} interleaved rounds")
    print(f"{'batch':>5} {'threads':>7} {'cbr img/s':>10} {'ORT img/s':>10} {'cbr/ORT':>8} {'cbr GFLOP/s':>12}"
          f" {'SGEMM peak':>11} {'% peak':>7}")
    for batch, threads in configs:
        c, o = np.median(results[(batch, threads)]["cbr"]), np.median(results[(batch, threads)]["ort"])
        peak = detail[(batch, threads)]["sgemmPeakGFLOPs"]
        print(f"{batch:5d} {threads:7d} {c:10.1f} {o:10.1f} {c / o:8.2f} {c * gflop:12.1f} {peak:11.1f}"
              f" {100 * c * gflop / peak:6.1f}%")
    print(check)
    if args.json:
        rows = []
        for batch, threads in configs:
            c, o = np.median(results[(batch, threads)]["cbr"]), np.median(results[(batch, threads)]["ort"])
            rows.append(dict(batch=batch, threads=threads, cbr=float(c), ort=float(o), ratio=float(c / o),
                             gflops=float(c * gflop), peak=detail[(batch, threads)]["sgemmPeakGFLOPs"],
                             cbr_rounds=results[(batch, threads)]["cbr"], ort_rounds=results[(batch, threads)]["ort"],
                             cbr_detail=detail[(batch, threads)]))
        with open(args.json, "w") as f:
            json.dump(dict(variant=m["variant"], size=size, rounds=args.rounds, max_abs_diff=diff, min_cosine=cos,
                           onnxruntime=ort.__version__, rows=rows), f, indent=1)
    print("note: the machine was shared with other work; compare the ratios, not the absolute rates.")


if __name__ == "__main__":
    main()
