import Foundation
import TestSupport

/// Test images written by Pillow (and a tiny PNG writer for the colour types Pillow cannot write), each with
/// Pillow's own decode `np.asarray(ImageOps.exif_transpose(Image.open(f)).convert("RGB")).tobytes()`
/// saved beside it as `<file>.rgb`.
struct PillowFixtures: Sendable {
    struct Entry: Sendable {
        var file: URL
        var width: Int
        var height: Int
        var reference: URL
        var name: String { file.lastPathComponent }
    }

    let directory: URL
    let entries: [Entry]

    static let shared: Result<PillowFixtures, any Error> = Result { try PillowFixtures.make() }

    func entries(withExtension ext: String) -> [Entry] { entries.filter { $0.file.pathExtension == ext } }

    private static func make() throws -> PillowFixtures {
        let directory = try TestData.temporaryDirectory("cbr-imaging-fixtures")
        let listing = try TestData.runPython(script, [directory.path, TestData.photos.path])
        let entries = listing.split(separator: "\n").map { line -> Entry in
            let fields = line.split(separator: "\t").map(String.init)
            let file = URL(fileURLWithPath: fields[0])
            return Entry(file: file, width: Int(fields[1])!, height: Int(fields[2])!,
                         reference: URL(fileURLWithPath: fields[3]))
        }
        return PillowFixtures(directory: directory, entries: entries)
    }

    static let script = #"""
import os, struct, sys, zlib
import numpy as np
from PIL import Image, ImageOps

out, photos = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
files = []

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

def pack_rows(samples, depth):
    # samples: (h, w * channels) integers -> filter-0 scanlines
    rows = []
    for row in samples:
        if depth == 16:
            data = row.astype(">u2").tobytes()
        elif depth == 8:
            data = row.astype(np.uint8).tobytes()
        else:
            per = 8 // depth
            padded = np.zeros(-(-len(row) // per) * per, dtype=np.int64)
            padded[: len(row)] = row
            groups = padded.reshape(-1, per)
            shifts = np.array([8 - depth * (k + 1) for k in range(per)])
            data = (groups << shifts).sum(axis=1).astype(np.uint8).tobytes()
        rows.append(b"\x00" + data)
    return b"".join(rows)

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

def write_png(name, samples, ctype, depth, channels, plte=None, trns=None, interlace=False, extra=b""):
    h, w = samples.shape[0], samples.shape[1] // channels
    if interlace:
        px = samples.reshape(h, w, channels)
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            sub = px[y0::dy, x0::dx]
            if sub.shape[0] and sub.shape[1]:
                raw += pack_rows(sub.reshape(sub.shape[0], -1), depth)
    else:
        raw = pack_rows(samples, depth)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, int(interlace)))
    if plte is not None:
        png += chunk(b"PLTE", bytes(plte))
    if trns is not None:
        png += chunk(b"tRNS", bytes(trns))
    png += extra + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    path = os.path.join(out, name)
    with open(path, "wb") as f:
        f.write(png)
    files.append(path)

def samples(h, w, channels, depth):
    return rng.integers(0, 1 << depth, size=(h, w * channels), dtype=np.int64)

W, H = 37, 23
for depth in (1, 2, 4, 8, 16):
    write_png(f"gray{depth}.png", samples(H, W, 1, depth), 0, depth, 1)
    write_png(f"palette{depth}.png" if depth < 16 else "palette8-short.png",
              samples(H, W, 1, min(depth, 8)), 3, min(depth, 8), 1,
              plte=rng.integers(0, 256, size=3 * max(1, (1 << min(depth, 8)) * 2 // 3)).tolist(),
              trns=[0, 128, 255])
small16 = rng.integers(0, 300, size=(H, W), dtype=np.int64)
write_png("gray16-small-values.png", small16, 0, 16, 1, trns=[0, 7])
write_png("gray8-trns.png", samples(H, W, 1, 8), 0, 8, 1, trns=[0, 77])
write_png("gray2-trns.png", samples(H, W, 1, 2), 0, 2, 1, trns=[0, 2])
write_png("rgb8-trns.png", samples(H, W, 3, 8), 2, 8, 3, trns=[0, 1, 0, 2, 0, 3])
write_png("rgb16.png", samples(H, W, 3, 16), 2, 16, 3)
write_png("gray-alpha8.png", samples(H, W, 2, 8), 4, 8, 2)
write_png("gray-alpha16.png", samples(H, W, 2, 16), 4, 16, 2)
write_png("rgba8.png", samples(H, W, 4, 8), 6, 8, 4)
write_png("rgba16.png", samples(H, W, 4, 16), 6, 16, 4)
write_png("interlaced-rgb8.png", samples(H, W, 3, 8), 2, 8, 3, interlace=True)
write_png("interlaced-palette4.png", samples(H, W, 1, 4), 3, 4, 1,
          plte=rng.integers(0, 256, size=48).tolist(), interlace=True)
write_png("interlaced-gray16.png", small16, 0, 16, 1, interlace=True)

chelsea = Image.open(os.path.join(photos, "chelsea.png")).convert("RGB")
def save(name, image, **options):
    path = os.path.join(out, name)
    image.save(path, **options)
    files.append(path)

def exif_with(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()

save("chelsea-420.jpg", chelsea, quality=90)
save("chelsea-444.jpg", chelsea, quality=95, subsampling=0)
save("chelsea-422.jpg", chelsea, quality=85, subsampling=1)
save("chelsea-progressive.jpg", chelsea, quality=90, progressive=True)
save("chelsea-gray.jpg", chelsea.convert("L"), quality=90)
save("chelsea-cmyk.jpg", chelsea.convert("CMYK"), quality=90)
for k in range(2, 9):
    save(f"chelsea-orientation{k}.jpg", chelsea, quality=90, exif=exif_with(k))
save("chelsea-orientation6.png", chelsea, exif=exif_with(6))
xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description tiff:Orientation="8"/></rdf:RDF></x:xmpmeta>'
save("chelsea-xmp-orientation8.jpg", chelsea, quality=90, xmp=xmp)
text = b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp.replace(b'"8"', b'"5"')
write_png("rgb8-xmp-orientation5.png", samples(H, W, 3, 8), 2, 8, 3, extra=chunk(b"iTXt", text))

# Big-endian ("MM") EXIF with the orientation as a LONG; ImageMagick's hex "Raw profile type exif" text in a PNG.
big_endian = b"Exif\x00\x00MM\x00\x2a" + struct.pack(">IH", 8, 1) + struct.pack(">HHII", 0x0112, 4, 1, 7) + b"\x00" * 4
save("chelsea-exif-big-endian7.jpg", chelsea, quality=90, exif=big_endian)
hexed = big_endian[6:].replace(struct.pack(">I", 7), struct.pack(">I", 3)).hex()
raw_profile = f"\nexif\n{len(hexed) // 2:8}\n{hexed[:40]}\n{hexed[40:]}\n".encode()
write_png("rgb8-raw-profile-orientation3.png", samples(H, W, 3, 8), 2, 8, 3,
          extra=chunk(b"tEXt", b"Raw profile type exif\x00" + raw_profile))

for name in sorted(os.listdir(photos)):
    files.append(os.path.join(photos, name))

for path in files:
    with Image.open(path) as im:
        rgb = ImageOps.exif_transpose(im).convert("RGB")
    target = os.path.join(out, os.path.basename(path) + ".rgb") if path.startswith(photos) else path + ".rgb"
    with open(target, "wb") as f:
        f.write(np.asarray(rgb).tobytes())
    print(f"{path}\t{rgb.width}\t{rgb.height}\t{target}")
"""#
}
