import Foundation
import TestSupport

/// Unlabelled views of scikit-image's photos made with Pillow, in two kinds: `easy/` (the whole photo,
/// re-encoded) and `hard/` (a crop of 12 % of each side, blurred with radius 3: little of the scene is left).
/// For `cbr suggest`'s tests: the hard views must rank as the more unsure ones.
enum HardViews {
    static let script = #"""
import os, random, sys
from PIL import Image, ImageFilter, ImageOps
photos, out, excluded = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
os.makedirs(os.path.join(out, "easy"), exist_ok=True)
os.makedirs(os.path.join(out, "hard"), exist_ok=True)
for name in sorted(os.listdir(photos)):
    if name in excluded or name.startswith("."):
        continue
    im = ImageOps.exif_transpose(Image.open(os.path.join(photos, name))).convert("RGB")
    stem = os.path.splitext(name)[0]
    rng = random.Random(stem)
    im.save(os.path.join(out, "easy", stem + ".jpg"), quality=90)
    w, h = im.size
    cw, ch = max(8, int(w * 0.12)), max(8, int(h * 0.12))
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    hard = im.crop((x, y, x + cw, y + ch)).filter(ImageFilter.GaussianBlur(3))
    hard.save(os.path.join(out, "hard", stem + ".jpg"), quality=60)
print("ok")
"""#

    static func make() throws -> URL {
        let root = try TestData.temporaryDirectory("hard-views")
        try TestData.runPython(script, [TestData.photos.path, root.path, AugmentedPhotos.excluded.joined(separator: ",")])
        return root
    }
}
