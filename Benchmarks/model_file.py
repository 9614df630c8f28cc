"""Reads a cbr model file (docs/model-file.md) into numpy arrays in cbr's layouts, for the peer benchmarks."""
import h5py
import numpy as np


def read_model(path):
    with h5py.File(path, "r") as f:
        def conv(g):
            return np.asarray(g["weight"], dtype=np.float32), np.asarray(g["bias"], dtype=np.float32)

        blocks = []
        for name in sorted(f["blocks"].keys()):
            g = f["blocks"][name]
            w, b = conv(g["depthwise"])
            blocks.append({
                "expand": conv(g["expand"]) if "expand" in g else None,
                "depthwise": (w, b, int(g["depthwise"].attrs["kernel"]), int(g["depthwise"].attrs["stride"])),
                "project": conv(g["project"]),
                "residual": bool(g.attrs["residual"]),
            })
        variant = f.attrs["variant"]
        return {
            "variant": variant.decode() if isinstance(variant, bytes) else str(variant),
            "size": int(f.attrs["input_size"]),
            "stem": conv(f["stem"]),
            "blocks": blocks,
            "head": conv(f["head"]),
            "fc": conv(f["classifier"]),
        }
