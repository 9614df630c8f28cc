import Foundation
import TestSupport

/// A class-per-folder dataset made from scikit-image's photos with Pillow: each photo (near-duplicate
/// pairs left out) is a class; `train/<photo>/` holds `perClass` augmented views (random crop of 55–90 %
/// of each side, horizontal flip, rotation within ±12°, JPEG re-encode at quality 55–90), `query/<photo>/`
/// `queries` further views drawn with another seed.
enum AugmentedPhotos {
    /// Photos with a near-duplicate in the set (a stereo pair, a grey copy) are left out.
    static let excluded = ["chessboard_GRAY.png", "motorcycle_right.png"]

    static let script = #"""
import os, random, sys
from PIL import Image, ImageOps
photos, out, per_class, queries = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
excluded = set(sys.argv[5].split(","))
def view(im, rng):
    w, h = im.size
    fw, fh = rng.uniform(0.55, 0.9), rng.uniform(0.55, 0.9)
    cw, ch = max(8, int(w * fw)), max(8, int(h * fh))
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    v = im.crop((x, y, x + cw, y + ch))
    if rng.random() < 0.5:
        v = ImageOps.mirror(v)
    v = v.rotate(rng.uniform(-12, 12), resample=Image.BILINEAR)
    return v
for name in sorted(os.listdir(photos)):
    if name in excluded or name.startswith("."):
        continue
    im = ImageOps.exif_transpose(Image.open(os.path.join(photos, name))).convert("RGB")
    stem = os.path.splitext(name)[0]
    for split, count, seed in (("train", per_class, 1), ("query", queries, 2)):
        rng = random.Random("%s-%s" % (stem, seed))
        os.makedirs(os.path.join(out, split, stem), exist_ok=True)
        for i in range(count):
            view(im, rng).save(os.path.join(out, split, stem, "v%d.jpg" % i), quality=rng.randint(55, 90))
print("ok")
"""#

    /// Makes the dataset under a fresh directory and returns it (`train/` and `query/` inside).
    static func make(perClass: Int = 3, queries: Int = 2) throws -> URL {
        let root = try TestData.temporaryDirectory("augmented")
        try TestData.runPython(script, [TestData.photos.path, root.path, "\(perClass)", "\(queries)",
                                        excluded.joined(separator: ",")])
        return root
    }

    /// Photo classes in the dataset.
    static func classNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: TestData.photos.path)
            .filter { !$0.hasPrefix(".") && !excluded.contains($0) }
            .map { ($0 as NSString).deletingPathExtension }.sorted()
    }
}
