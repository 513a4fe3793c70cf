#!/usr/bin/env python3
"""Wordcount per core (issue 5): the hand-written loop (bench/wordcount/wordcount_loop)
vs `cohort run wordcount --threads 1` and `--threads 2` (one process, no mpirun),
interleaved, each repeated; prints medians of wall MB/s and MB/s per core
(bytes / (user + sys) CPU seconds, from /usr/bin/time). MB = 10^6 bytes.

    bench/wordcount_ref/per_core.py --build-dir build/release --input corpus.txt [--repeat 3]
        [--threads 1,2] [--variant before=OLD_BUILD/lib/cohort/jobs]

Every run's output is compared with the loop's: a difference is an error.
"""
import argparse, os, statistics, subprocess, sys, tempfile


def timed(cmd):
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        p = subprocess.run(["/usr/bin/time", "-f", "%e %U %S", "-o", tf.name] + cmd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            sys.exit(f"per_core: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
        wall, user, sys_ = (float(x) for x in tf.read().split()[-3:])
    return wall, user + sys_


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--work-dir", default=None, help="where outputs go (default: a new temp dir)")
    ap.add_argument("--variant", action="append", default=[], metavar="LABEL=PLUGIN_DIR",
                    help="also run the wordcount plugin found in PLUGIN_DIR (e.g. an older build), labelled LABEL")
    a = ap.parse_args()
    b = os.path.abspath(a.build_dir)
    size = os.path.getsize(a.input)
    work = a.work_dir or tempfile.mkdtemp(prefix="wc-per-core-")
    ref_out = os.path.join(work, "loop.tsv")
    cases = [("loop", [f"{b}/bin/wordcount_loop", "--output", ref_out, a.input], ref_out)]
    variants = [("", f"{b}/lib/cohort/jobs")] + [tuple(v.split("=", 1)) for v in a.variant]
    for label, plugins in variants:
        for t in a.threads.split(","):
            out = os.path.join(work, f"cohort{label}-t{t}.tsv")
            cases.append((f"cohort{' ' + label if label else ''} --threads {t}",
                          [f"{b}/bin/cohort", "run", "wordcount", "--plugin-path", plugins,
                           "--input", a.input, "--output", out, "--threads", t, "-q"], out))
    res = {name: [] for name, _, _ in cases}
    for r in range(a.repeat):
        for name, cmd, out in cases:
            if os.path.exists(out):
                os.remove(out)
            wall, cpu = timed(cmd)
            res[name].append((wall, cpu))
            print(f"  run {r + 1} {name:28s} wall {wall:7.2f} s  cpu {cpu:7.2f} s", file=sys.stderr)
            if out != ref_out:
                with open(out, "rb") as x, open(ref_out, "rb") as y:
                    if x.read() != y.read():
                        sys.exit(f"per_core: {name} output differs from the loop's ({out} vs {ref_out})")
    print(f"input {a.input}: {size} bytes; median of {a.repeat} interleaved runs; MB = 10^6 bytes")
    print(f"{'case':28s} {'wall s':>8s} {'cpu s':>8s} {'MB/s':>8s} {'MB/s/core':>10s}")
    base = None
    for name, _, _ in cases:
        wall = statistics.median(x[0] for x in res[name])
        cpu = statistics.median(x[1] for x in res[name])
        per_core = size / 1e6 / cpu
        base = base or per_core
        print(f"{name:28s} {wall:8.2f} {cpu:8.2f} {size / 1e6 / wall:8.1f} {per_core:10.1f}"
              f"   ({per_core / base:.2f} of the loop per core)")


if __name__ == "__main__":
    main()
