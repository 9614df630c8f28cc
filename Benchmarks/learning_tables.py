"""The measured tables of docs/learning.md, from cbr's own commands on Pillow-made views of scikit-image's
photos (the photos of $CBR_HOME/photos; near-duplicate pairs left out, as in the tests).

  python Benchmarks/learning_tables.py CBR_BINARY WORKDIR

1. head vs retrieval: for a standard and a hard view set, indexes of 1, 3 and all (8) training views per
   photo; each evaluated on the same held-out views with max, prototype and a ridge head (--l2 auto).
2. a simulated labelling curve: an index of 1 view per photo, a pool of unlabelled views and a test set;
   each round labels B pool views (the ones `cbr suggest` ranks most unsure, or random ones) with their true
   class, adds them, and evaluates max on the test set.
3. self-training: pseudo-labels from the pool at a few thresholds, their precision and the test accuracy.
"""
import json, os, random, shutil, subprocess, sys
from PIL import Image, ImageOps

CBR, WORK = sys.argv[1], sys.argv[2]
PHOTOS = os.path.join(os.environ.get("CBR_HOME", ".cache"), "photos")
EXCLUDED = {"chessboard_GRAY.png", "motorcycle_right.png"}
VARIANTS = {"standard": ((0.55, 0.9), 12), "hard": ((0.3, 0.6), 25)}


def view(im, rng, crop, angle):
    w, h = im.size
    cw, ch = max(8, int(w * rng.uniform(*crop))), max(8, int(h * rng.uniform(*crop)))
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    v = im.crop((x, y, x + cw, y + ch))
    if rng.random() < 0.5:
        v = ImageOps.mirror(v)
    return v.rotate(rng.uniform(-angle, angle), resample=Image.BILINEAR)


def make(root, variant, splits):
    crop, angle = VARIANTS[variant]
    for name in sorted(os.listdir(PHOTOS)):
        if name in EXCLUDED or name.startswith("."):
            continue
        im = ImageOps.exif_transpose(Image.open(os.path.join(PHOTOS, name))).convert("RGB")
        stem = os.path.splitext(name)[0]
        for split, count, seed in splits:
            rng = random.Random("%s-%s-%s" % (stem, variant, seed))
            os.makedirs(os.path.join(root, split, stem), exist_ok=True)
            for i in range(count):
                view(im, rng, crop, angle).save(os.path.join(root, split, stem, "v%d.jpg" % i), quality=rng.randint(55, 90))


def cbr(*args):
    run = subprocess.run([CBR, *args], capture_output=True, text=True)
    if run.returncode not in (0, 1):
        sys.exit("cbr %s: %s" % (" ".join(args), run.stderr))
    return run.stdout


def subset(src, dst, shots):
    shutil.rmtree(dst, ignore_errors=True)
    for c in sorted(os.listdir(src)):
        os.makedirs(os.path.join(dst, c))
        for f in sorted(os.listdir(os.path.join(src, c)))[:shots]:
            shutil.copy(os.path.join(src, c, f), os.path.join(dst, c, f))


def top1(out):
    return {r["rule"]: r["top1"] for r in json.loads(out)["reports"]}


def head_tables():
    print("| views | shots per class | max | prototype | head (λ auto) | λ |")
    print("|---|---:|---:|---:|---:|---:|")
    for variant in VARIANTS:
        root = os.path.join(WORK, variant)
        shutil.rmtree(root, ignore_errors=True)
        make(root, variant, (("train", 8, 1), ("query", 4, 2)))
        for shots in (1, 3, 8):
            train, index, head = (os.path.join(root, n % shots) for n in ("train%d", "index%d", "head%d.h5"))
            subset(os.path.join(root, "train"), train, shots)
            cbr("index", "build", train, "--index", index)
            fit = cbr("head", "fit", "--index", index, "--out", head, "--l2", "auto", "--folds", str(min(5, max(2, shots * 24 // 12))))
            lam = fit.split("λ = ")[1].split(",")[0]
            query = os.path.join(root, "query")
            retrieval = top1(cbr("eval", query, "--index", index, "--aggregate", "max,prototype", "--json"))
            trained = top1(cbr("eval", query, "--index", index, "--head", head, "--json"))
            print("| %s | %d | %.3f | %.3f | %.3f | %s |" % (variant, shots, retrieval["max"], retrieval["prototype"], trained["head"], lam))


def labelling_curve(rounds=4, batch=12):
    root = os.path.join(WORK, "curve")
    shutil.rmtree(root, ignore_errors=True)
    make(root, "hard", (("seed", 1, 1), ("pool", 6, 3), ("test", 3, 4)))
    print("\n| labelled views | suggested first (margin): top-1 | random: top-1 |")
    print("|---:|---:|---:|")
    results = {}
    for strategy in ("suggest", "random"):
        index = os.path.join(root, "index-" + strategy)
        shutil.rmtree(index, ignore_errors=True)
        cbr("index", "build", os.path.join(root, "seed"), "--index", index)
        pool = sorted(os.path.join(root, "pool", c, f) for c in os.listdir(os.path.join(root, "pool"))
                      for f in os.listdir(os.path.join(root, "pool", c)))
        rng = random.Random(5)
        curve = []
        for r in range(rounds + 1):
            curve.append(top1(cbr("eval", os.path.join(root, "test"), "--index", index, "--json"))["max"])
            if r == rounds:
                break
            if strategy == "suggest":
                listing = cbr("suggest", *pool, "--index", index, "--count", str(batch)).splitlines()[1:]
                chosen = [line.split(",")[0] for line in listing]
            else:
                chosen = rng.sample(pool, batch)
            step = os.path.join(root, "step-%s-%d" % (strategy, r))
            for path in chosen:
                c = os.path.basename(os.path.dirname(path))
                os.makedirs(os.path.join(step, c), exist_ok=True)
                shutil.copy(path, os.path.join(step, c, "%s-%s" % (r, os.path.basename(path))))
                pool.remove(path)
            cbr("index", "add", step, "--index", index)
        results[strategy] = curve
    for r in range(rounds + 1):
        print("| %d | %.3f | %.3f |" % (24 + r * batch, results["suggest"][r], results["random"][r]))


def self_training():
    root = os.path.join(WORK, "curve")
    print("\n| --min-score | pseudo-labels added | precision | test top-1 before → after |")
    print("|---:|---:|---:|---|")
    for threshold in ("0.5", "0.6", "0.7"):
        index = os.path.join(root, "index-pseudo")
        shutil.rmtree(index, ignore_errors=True)
        cbr("index", "build", os.path.join(root, "seed"), "--index", index)
        before = top1(cbr("eval", os.path.join(root, "test"), "--index", index, "--json"))["max"]
        out = cbr("index", "add", "--index", index, "--pseudo-label", os.path.join(root, "pool"), "--min-score", threshold,
                  "--truth-from-folders")
        after = top1(cbr("eval", os.path.join(root, "test"), "--index", index, "--json"))["max"]
        first = out.splitlines()[0]
        added = first.split("pseudo-labelled ")[1].split(" of")[0]
        precision = first.split("folder names ")[1].split(" ")[0] if "folder names" in first else "-"
        print("| %s | %s of 144 | %s | %.3f → %.3f |" % (threshold, added, precision, before, after))


def suggest_error_rates():
    """The issue's check: are the photos suggest ranks in its top 20 % misclassified at ≥ 2× the overall rate?"""
    root = os.path.join(WORK, "curve")
    index = os.path.join(root, "index-errors")
    shutil.rmtree(index, ignore_errors=True)
    cbr("index", "build", os.path.join(root, "seed"), "--index", index)
    pool = os.path.join(root, "pool")
    truth = lambda path: os.path.basename(os.path.dirname(path))
    answers = {line.split(",")[0]: line.split(",")[2] for line in cbr("classify", pool, "--index", index, "--top", "1").splitlines()[1:]}
    wrong = {p for p, c in answers.items() if truth(p) != c}
    print("\n| --by | error rate, all %d pool views | error rate, suggest's top 20 %% | ratio |" % len(answers))
    print("|---|---:|---:|---:|")
    for by in ("margin", "entropy", "least-confidence"):
        top = [l.split(",")[0] for l in cbr("suggest", pool, "--index", index, "--count", str(len(answers) // 5), "--by", by).splitlines()[1:]]
        overall, suggested = len(wrong) / len(answers), sum(p in wrong for p in top) / len(top)
        print("| %s | %.3f | %.3f | %.2f× |" % (by, overall, suggested, suggested / overall if overall else float("nan")))


steps = sys.argv[3].split(",") if len(sys.argv) > 3 else ["heads", "curve", "self", "errors"]
for step, run in (("heads", head_tables), ("curve", labelling_curve), ("self", self_training), ("errors", suggest_error_rates)):
    if step in steps:
        run()
