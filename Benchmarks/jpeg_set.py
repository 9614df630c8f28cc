#!/usr/bin/env python3
"""A JPEG benchmark set shaped like landmark photos, made from the real photos in $CBR_HOME/photos.

GLDv2's photos are camera JPEGs of 640-1600 px, unlike the PNG-heavy 200-700 px sample photos. Each photo becomes
one class folder holding `--views` JPEG views of it: a seeded crop of 80-100 % of each side, mirrored every other
view, resized (Lanczos) so that the longer side is 640, 800, ... 1600 px in turn, converted to RGB and saved at
quality 90 with 4:2:0 chroma (what cameras write). Nothing is committed: `Benchmarks/run` builds it in its scratch
folder for `bench index-images`.

    $CBR_HOME/bench-venv/bin/python Benchmarks/jpeg_set.py OUT [--photos DIR] [--views 6]
"""
import argparse, os, random
from PIL import Image, ImageOps

SIDES = [640, 800, 1024, 1200, 1400, 1600]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    home = os.environ.get("CBR_HOME", os.path.join(os.path.dirname(__file__), "..", ".cache"))
    ap.add_argument("out")
    ap.add_argument("--photos", default=os.path.join(home, "photos"))
    ap.add_argument("--views", type=int, default=6)
    args = ap.parse_args()
    rng = random.Random(13)
    count = 0
    for name in sorted(os.listdir(args.photos)):
        with Image.open(os.path.join(args.photos, name)) as im:
            im = ImageOps.exif_transpose(im).convert("RGB")
        stem = os.path.splitext(name)[0]
        os.makedirs(os.path.join(args.out, stem), exist_ok=True)
        for v in range(args.views):
            w, h = im.size
            cw, ch = int(w * rng.uniform(0.8, 1.0)), int(h * rng.uniform(0.8, 1.0))
            x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
            view = im.crop((x, y, x + cw, y + ch))
            if v % 2:
                view = ImageOps.mirror(view)
            side = SIDES[(v + count) % len(SIDES)]
            scale = side / max(cw, ch)
            view = view.resize((max(1, round(cw * scale)), max(1, round(ch * scale))), Image.LANCZOS)
            view.save(os.path.join(args.out, stem, f"{v}.jpg"), quality=90, subsampling=2)
        count += 1
    print(f"{count * args.views} JPEGs ({count} classes × {args.views} views, longer side {SIDES[0]}-{SIDES[-1]} px) in {args.out}")


if __name__ == "__main__":
    main()
