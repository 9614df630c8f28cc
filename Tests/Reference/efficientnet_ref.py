#!/usr/bin/env python3
"""Independent float64 reference for cbr's EfficientNet-Lite (numpy + Pillow only, no torch).

Loads a legacy (pre-1.6) PyTorch checkpoint with Python's own pickle, runs the UNFOLDED network
(BatchNorm applied explicitly, eps 1e-3) in NHWC float64 with TF-SAME padding, and prints or saves the
pooled feature and the ImageNet logits.

    efficientnet_ref.py CHECKPOINT --input x.f32 [--features out.f32] [--logits out.f32] [--top 5]
    efficientnet_ref.py CHECKPOINT --image photo.png [--save-input x.f32] ...
    efficientnet_ref.py CHECKPOINT --dump KEY [KEY...]        (tensor values as JSON: shape + flat list)
    efficientnet_ref.py CHECKPOINT --image photo.png --embeddings out.f32 [--pool gem:3] [--flip] [--scales 1,0.75]

--input is raw little-endian float32 NHWC, shape [n, size, size, 3] (n inferred).
"""
import argparse
import collections
import json
import math
import pickle
import struct
import sys

import numpy as np

# ---------------------------------------------------------------------------------------------------------
# Checkpoint loading


class _StorageType:
    def __init__(self, name, dtype):
        self.name, self.dtype = name, np.dtype(dtype)


_STORAGE_TYPES = {
    "FloatStorage": _StorageType("FloatStorage", "<f4"),
    "DoubleStorage": _StorageType("DoubleStorage", "<f8"),
    "LongStorage": _StorageType("LongStorage", "<i8"),
    "IntStorage": _StorageType("IntStorage", "<i4"),
}


class _TensorRef:
    """A tensor as the pickle describes it: a view (offset, size, stride) into a storage not yet read."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, *rest):
    return _TensorRef(storage, storage_offset, size, stride)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch" and name in _STORAGE_TYPES:
            return _STORAGE_TYPES[name]
        raise pickle.UnpicklingError(f"unexpected global {module}.{name}")

    def persistent_load(self, pid):
        # ('storage', storage_type, key, location, element_count, view_metadata)
        kind, storage_type, key, _location, count = pid[:5]
        assert kind == "storage", pid
        return (storage_type, key, count)


def load_checkpoint(path):
    """Returns an OrderedDict key -> numpy array (copied out of the storages, honouring strides)."""
    with open(path, "rb") as f:
        magic = _Unpickler(f).load()
        if magic != 0x1950A86A20F9469CFC6C:
            raise ValueError(f"{path}: not a legacy PyTorch checkpoint (magic {magic!r})")
        _protocol = _Unpickler(f).load()
        _sys_info = _Unpickler(f).load()
        state = _Unpickler(f).load()
        keys = _Unpickler(f).load()
        types = {}
        for ref in state.values():
            storage_type, key, _count = ref.storage
            types[key] = storage_type.dtype
        storages = {}
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            dtype = types[key]
            buf = f.read(count * dtype.itemsize)
            if len(buf) != count * dtype.itemsize:
                raise ValueError(f"{path}: truncated storage {key}")
            storages[key] = np.frombuffer(buf, dtype=dtype)
    out = collections.OrderedDict()
    for name, ref in state.items():
        _st, key, _count = ref.storage
        flat = storages[key]
        item = flat.itemsize
        view = np.lib.stride_tricks.as_strided(
            flat[ref.offset:], shape=ref.size, strides=[s * item for s in ref.stride])
        out[name] = np.array(view)  # copy: contiguous
        out[name].flags.writeable = False
    return out


def describe_checkpoint(path):
    """Key -> (shape, stride, offset) without reading storages (for tests)."""
    with open(path, "rb") as f:
        for _ in range(3):
            _Unpickler(f).load()
        state = _Unpickler(f).load()
    return {k: (r.size, r.stride, r.offset) for k, r in state.items()}


# ---------------------------------------------------------------------------------------------------------
# Architecture (docs/embedder.md, "Architecture"): Lite0 stages, width/depth scaling, fixed stem/head/end repeats

VARIANTS = {  # name: (input size, width, depth)
    "lite0": (224, 1.0, 1.0),
    "lite1": (240, 1.0, 1.1),
    "lite2": (260, 1.1, 1.2),
}
LITE0_STAGES = [  # repeats, kernel, stride, expand, in, out
    (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320),
]
BN_EPS = 1e-3


def round_channels(c, width, divisor=8):
    scaled = c * width
    out = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    if out < 0.9 * scaled:
        out += divisor
    return out


def block_specs(variant):
    """[(kernel, stride, expand, cin, cout)] for every MBConv block, in order."""
    _size, width, depth = VARIANTS[variant]
    specs = []
    last = len(LITE0_STAGES) - 1
    for i, (repeats, k, s, e, cin, cout) in enumerate(LITE0_STAGES):
        cin = 32 if i == 0 else round_channels(cin, width)
        cout = round_channels(cout, width)
        n = repeats if i in (0, last) else int(math.ceil(depth * repeats))
        for j in range(n):
            specs.append((k, s if j == 0 else 1, e, cin if j == 0 else cout, cout))
    return specs


def detect_variant(sd):
    n_blocks = 1 + max(int(k.split(".")[1]) for k in sd if k.startswith("_blocks."))
    head_in = sd["_conv_head.weight"].shape[1]
    for name in VARIANTS:
        specs = block_specs(name)
        if len(specs) == n_blocks and specs[-1][4] == head_in:
            return name
    raise ValueError(f"checkpoint is not EfficientNet-Lite0/1/2 ({n_blocks} blocks, head input {head_in})")


# ---------------------------------------------------------------------------------------------------------
# Unfolded float64 NHWC forward


def same_pad(x, k, s):
    """TF 'SAME' padding of NHWC x for a k×k window at stride s (extra pixel after)."""
    _, h, w, _ = x.shape
    pads = []
    for n in (h, w):
        out = -(-n // s)
        total = max((out - 1) * s + k - n, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0))), (-(-h // s), -(-w // s))


def conv2d(x, w_oihw, s):
    """Dense convolution; torch weight [O, I, kh, kw]."""
    k = w_oihw.shape[2]
    xp, (oh, ow) = same_pad(x, k, s)
    out = np.zeros((x.shape[0], oh, ow, w_oihw.shape[0]))
    for i in range(k):
        for j in range(k):
            patch = xp[:, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s, :]
            out += patch @ w_oihw[:, :, i, j].T
    return out


def depthwise(x, w_c1hw, s):
    k = w_c1hw.shape[2]
    xp, (oh, ow) = same_pad(x, k, s)
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i in range(k):
        for j in range(k):
            out += xp[:, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s, :] * w_c1hw[:, 0, i, j]
    return out


def pointwise(x, w_oi11):
    return x @ w_oi11[:, :, 0, 0].T


def batchnorm(x, sd, prefix):
    g, b = sd[prefix + ".weight"], sd[prefix + ".bias"]
    m, v = sd[prefix + ".running_mean"], sd[prefix + ".running_var"]
    return (x - m) / np.sqrt(v + BN_EPS) * g + b


def relu6(x):
    return np.clip(x, 0.0, 6.0)


def forward(sd, x, pool="avg"):
    """x: [n, size, size, 3] NHWC (already normalized). Returns (features [n, 1280], logits [n, 1000]).
    pool: "avg" (the network's) or "gem:P", the generalized mean (mean of max(x, 1e-6)^P)^(1/P)."""
    sd = {k: v.astype(np.float64) for k, v in sd.items()}
    variant = detect_variant(sd)
    x = relu6(batchnorm(conv2d(x.astype(np.float64), sd["_conv_stem.weight"], 2), sd, "_bn0"))
    for i, (k, s, e, cin, cout) in enumerate(block_specs(variant)):
        p = f"_blocks.{i}."
        y = x
        if e != 1:
            y = relu6(batchnorm(pointwise(y, sd[p + "_expand_conv.weight"]), sd, p + "_bn0"))
        y = relu6(batchnorm(depthwise(y, sd[p + "_depthwise_conv.weight"], s), sd, p + "_bn1"))
        y = batchnorm(pointwise(y, sd[p + "_project_conv.weight"]), sd, p + "_bn2")
        if s == 1 and cin == cout:
            y = y + x
        x = y
    x = relu6(batchnorm(pointwise(x, sd["_conv_head.weight"]), sd, "_bn1"))
    if pool == "avg":
        features = x.mean(axis=(1, 2))
    else:
        p = float(pool.split(":")[1])
        features = (np.maximum(x, 1e-6) ** p).mean(axis=(1, 2)) ** (1 / p)
    logits = features @ sd["_fc.weight"].T + sd["_fc.bias"]
    return features, logits


# ---------------------------------------------------------------------------------------------------------
# Pillow preprocessing (docs/imaging.md)


def preprocess(path, size):
    from PIL import Image, ImageOps

    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im).convert("RGB")
    w, h = im.size
    short = round(size * 256 / 224)
    scale = short / min(w, h)
    im = im.resize((round(w * scale), round(h * scale)), Image.BILINEAR)
    W, H = im.size
    left, top = (W - size) // 2, (H - size) // 2
    im = im.crop((left, top, left + size, top + size))
    return (np.asarray(im, dtype=np.float64) - 127.0) / 128.0


def descriptor(sd, paths, size, pool, flip, scales):
    """The descriptor embedding of each image (docs/accuracy.md): for every scale s the image preprocessed
    at round(size * s) (half to even), and with flip its mirror image too; each pass's pooled feature
    L2-normalised, their sum L2-normalised."""
    total = 0
    for s in scales:
        x = np.stack([preprocess(p, round(size * s)) for p in paths])
        for view in [x, x[:, :, ::-1, :]] if flip else [x]:
            f, _ = forward(sd, view, pool)
            total = total + f / np.linalg.norm(f, axis=1, keepdims=True)
    return total / np.linalg.norm(total, axis=1, keepdims=True)


# ---------------------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("--input", help="raw float32 NHWC tensor [n, size, size, 3]")
    ap.add_argument("--image", nargs="+", help="image files, preprocessed with Pillow")
    ap.add_argument("--save-input", help="write the preprocessed tensor as raw float32")
    ap.add_argument("--features", help="write the pooled features as raw float32 [n, d]")
    ap.add_argument("--logits", help="write the logits as raw float32 [n, 1000]")
    ap.add_argument("--top", type=int, default=0, help="print the top-k class indices per image")
    ap.add_argument("--dump", nargs="+", help="print these tensors as JSON (shape + flat values)")
    ap.add_argument("--embeddings", help="with --image: write the descriptor embeddings as raw float32 [n, d]")
    ap.add_argument("--pool", default="avg", help="avg or gem:P (with --embeddings)")
    ap.add_argument("--flip", action="store_true", help="average with the mirror image (with --embeddings)")
    ap.add_argument("--scales", default="1", help="comma-separated input scales (with --embeddings)")
    args = ap.parse_args()

    sd = load_checkpoint(args.checkpoint)
    if args.dump:
        print(json.dumps({k: {"shape": list(sd[k].shape), "values": sd[k].astype(np.float64).ravel().tolist()}
                          for k in args.dump}))
        return
    size = VARIANTS[detect_variant(sd)][0]
    if args.embeddings:
        if not args.image:
            ap.error("--embeddings needs --image")
        scales = [float(s) for s in args.scales.split(",")]
        descriptor(sd, args.image, size, args.pool, args.flip, scales).astype("<f4").tofile(args.embeddings)
        return
    if args.image:
        x = np.stack([preprocess(p, size) for p in args.image])
    elif args.input:
        x = np.fromfile(args.input, dtype="<f4").astype(np.float64).reshape(-1, size, size, 3)
    else:
        ap.error("one of --input or --image is needed")
    if args.save_input:
        x.astype("<f4").tofile(args.save_input)
    features, logits = forward(sd, x)
    if args.features:
        features.astype("<f4").tofile(args.features)
    if args.logits:
        logits.astype("<f4").tofile(args.logits)
    for row in logits[:, :] if args.top else []:
        print(" ".join(str(int(i)) for i in np.argsort(-row)[:args.top]))


if __name__ == "__main__":
    sys.exit(main())
