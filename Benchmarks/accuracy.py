#!/usr/bin/env python3
"""The accuracy table of docs/accuracy.md: builds the open-set evaluation sets (scripts/openset-eval), indexes
each gallery once, and evaluates every configuration (a copy of the index, whitened or not) with `cbr eval`.

  python3 Benchmarks/accuracy.py --cbr .build/release/cbr --work DIR [--set main|independent|small ...] [--out table.md]

main: scikit-image's photos, matplotlib's sample photo and MATE's nature wallpapers (Debian mate-backgrounds);
independent: other photos (Debian's UKUI, Plasma, Lomiri and MATE desktop wallpapers), never used to choose options.
"""
import argparse, json, os, shutil, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "scripts", "openset-eval")
HOME = os.environ.get("CBR_HOME") or os.path.join(HERE, "..", ".cache")
SETS = {
    "small": ["--photos", os.path.join(HOME, "photos"), "--exclude", "chessboard_GRAY|motorcycle_right", "--gallery", "2", "--queries", "3"],
    "main": ["--photos", os.path.join(HOME, "photos"), "--exclude", "chessboard_GRAY|motorcycle_right",
             "--wheel", "matplotlib:matplotlib/mpl-data/sample_data", "--exclude", "logo2|Minduka",
             "--deb", "mate-backgrounds:backgrounds/mate/nature"],
    # Every Debian wallpaper package with photos except MATE's nature set (main uses it): 66 classes.
    "independent": ["--deb", "ukui-wallpapers:backgrounds", "--deb", "plasma-workspace-wallpapers:wallpapers",
                    "--deb", "mate-backgrounds:backgrounds", "--deb", "lomiri-wallpapers-16.04",
                    "--deb", "lomiri-wallpapers-20.04",
                    "--exclude", "/nature/|MATE-Stripes|Arc-Colors|/Spring|/Waves|/Silk|Elephants_|GreenTraditional"
                                 "|Stripes.png|-Dark-no-logo|/Flow.png|/Gulp"],
}
# (label, whiten arguments or None)
CONFIGS = [
    ("none (today)", None),
    ("pca s=0.5", ["--method", "pca", "--shrinkage", "0.5"]),
    ("pca s=0.25", ["--method", "pca", "--shrinkage", "0.25"]),
    ("pca s=0.5 D=64", ["--method", "pca", "--shrinkage", "0.5", "--dims", "64"]),
    ("learned", ["--method", "learned"]),
    ("learned D=64", ["--method", "learned", "--dims", "64"]),
    ("learned ridge=1", ["--method", "learned", "--ridge", "1"]),
]
SCALES = ["--scales", "1,0.7071,1.4142"]
# (label, index build descriptor options, whiten arguments or None): each descriptor indexes the gallery again.
DESCRIPTORS = [
    ("gem:3", ["--pool", "gem"], None),
    ("flip", ["--flip"], None),
    ("scales 1,0.71,1.41", SCALES, None),
    ("gem:3 + flip", ["--pool", "gem", "--flip"], None),
    ("gem:3 + flip + scales", ["--pool", "gem", "--flip"] + SCALES, None),
    ("gem:3 + flip + scales + learned", ["--pool", "gem", "--flip"] + SCALES, ["--method", "learned"]),
    ("gem:3 + learned", ["--pool", "gem"], ["--method", "learned"]),
]


def run(args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(args), r.stderr))
    return r.stdout


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cbr", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--set", action="append")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rules", default="max,mean")
    p.add_argument("--qe", action="append", default=[], help="extra eval runs with --qe VALUE on the unwhitened index")
    p.add_argument("--only-descriptors", action="store_true", help="the default index and the descriptor rows only")
    p.add_argument("--out")
    a = p.parse_args()
    rows = []
    for name in a.set or ["main", "independent"]:
        root = os.path.join(a.work, name)
        if not os.path.exists(os.path.join(root, "set.json")):
            shutil.rmtree(root, ignore_errors=True)
            run([sys.executable, SCRIPT, "--out", root, "--seed", str(a.seed)] + SETS[name])
        info = json.load(open(os.path.join(root, "set.json")))
        gallery_images = sum(len(fs) for _, _, fs in os.walk(os.path.join(root, "gallery")))

        def build(options):
            """The gallery indexed with these descriptor options (once), and its indexing rate (images/s)."""
            index = os.path.join(a.work, name + "-index" + "".join(o.replace(",", "_").replace(":", "") for o in options))
            stamp = index + ".seconds"
            if not os.path.exists(stamp):
                shutil.rmtree(index, ignore_errors=True)
                t = time.time()
                run([a.cbr, "index", "build", os.path.join(root, "gallery"), "--index", index] + options)
                open(stamp, "w").write("%f" % (time.time() - t))
            return index, gallery_images / float(open(stamp).read())

        base, _ = build([])
        configs = [(label, [], whiten) for label, whiten in (CONFIGS[:1] if a.only_descriptors else CONFIGS)]
        configs += [("qe " + q, [], ["qe", q]) for q in a.qe] + DESCRIPTORS
        for label, options, whiten in configs:
            base, images_per_second = build(options)
            index = base
            extra = []
            if whiten and whiten[0] == "qe":
                extra = ["--qe", whiten[1]]
            elif whiten:
                index = base + "-w"
                shutil.rmtree(index, ignore_errors=True)
                shutil.copytree(base, index)
                run([a.cbr, "index", "whiten", "--index", index] + whiten)
                run([a.cbr, "index", "whiten", "--index", index, "--drop"])
            size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(index) for f in fs)
            t = time.time()
            out = run([a.cbr, "eval", os.path.join(root, "query"), "--index", index, "--aggregate", a.rules, "--json"] + extra)
            seconds = time.time() - t
            for r in json.loads(out)["reports"]:
                rows.append((name, label, r["rule"], r["top1"], r["top5"], r["gap"], r.get("thresholdF1") or 0,
                             r["queries"], r["distractors"], size, r["queries"] / seconds, images_per_second))
                print("%-12s %-18s %-5s top1 %.3f top5 %.3f GAP %.3f F1 %.3f" % rows[-1][:7], flush=True)
    table = ["| set | configuration | rule | top-1 | top-5 | GAP | open-set F1 | queries (distractors) | index KiB | queries/s (eval, incl. embedding) | images/s (index build) |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        table.append("| %s | %s | %s | %.3f | %.3f | %.3f | %.3f | %d (%d) | %d | %.1f | %.1f |" % (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9] // 1024, r[10], r[11]))
    text = "\n".join(table)
    print(text)
    if a.out:
        open(a.out, "w").write(text + "\n")


if __name__ == "__main__":
    main()
