"""bench/run's output: results/latest.json, the .dat files, the SVG plots
(gnuplot), RESULTS.md and README-headline.md. Pure functions of the results
dict that bench/run collects; nothing here runs a benchmark."""
import json
import os
import statistics
import subprocess

NOTES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "notes")

# Task Bench (Slaughter et al., SC'20), one node: METG(50%) as published.
TASK_BENCH_METG_US = [("MPI", 4.6), ("Charm++", 12), ("Dask", 186_000), ("Spark", 373_000)]

THROUGHPUT_LABELS = {
    "raw_mpi_np2": "raw MPI farm, -n 2",
    "cohort_np2": "Cohort map, -n 2",
    "raw_mpi_np4": "raw MPI farm, -n 4",
    "cohort_np4": "Cohort map, -n 4",
    "mpi4py_chunk100_np4": "mpi4py.futures chunksize 100, -n 4",
    "mpi4py_chunk1_np4": "mpi4py.futures chunksize 1, -n 4",
    "dask": "Dask.distributed LocalCluster",
}
WORDCOUNT_LABELS = {
    "single_thread_cpp": "hand-written C++ loop, 1 thread",
    "single_thread_cpp_x2": "the loop, 2 copies at once",
    "cohort": "Cohort wordcount, -n 2 x all threads",
    "cohort_1thread": "Cohort wordcount, -n 2 x 1 thread",
    "mrmpi": "MR-MPI, -n cores",
    "unix_sort_uniq": "tr \\| sort \\| uniq -c (LC_ALL=C)",
}


def med(s):
    return s["median"] if s else None


def fmt_rate(x):
    if x is None:
        return "—"
    for div, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.3g} {suf}"
    return f"{x:.3g}"


def fmt_us(x, at_most=False):
    if x is None:
        return "not reached"
    if at_most:
        return "≤ " + fmt_us(x)
    if x >= 1000:
        return f"{x / 1000:.3g} ms"
    return f"{x:.3g} µs"


def fmt_span(s, f=fmt_rate):
    if not s:
        return "—"
    return f"{f(s['median'])} ({f(s['min'])}–{f(s['max'])})"


def num(x, spec=".0f"):
    return "—" if x is None else format(x, spec)


def ratio(a, b):
    return a / b if a is not None and b else None


def pct(x):
    return "—" if x is None else f"{100 * x:.0f} %" if x >= 0.1 else f"{100 * x:.1f} %"


def times(x):
    return "—" if x is None else f"{x:.3g}×"


def verdict(ok):
    return "—" if ok is None else ("**met**" if ok else "**not met**")


# ---------------------------------------------------------------------------
# latest.json


def latest(results):
    th = results.get("throughput", {}).get("rates", {})
    mg = results.get("metg", {}).get("metg_us", {})
    wc = results.get("wordcount", {}).get("systems", {})
    out = {
        "cores": results["machine"]["cores"],
        "mode": results["mode"],
        "date": results["date"],
        "throughput_tasks_per_s": {k: med(th.get(k)) for k in THROUGHPUT_LABELS},
        "metg_us": {k: mg.get(k) for k in ("cohort", "raw_mpi", "mpi4py")},
        "wordcount_mb_s": {k: med(wc.get(k, {}).get("mb_s")) for k in
                           ("cohort", "single_thread_cpp", "mrmpi", "unix_sort_uniq", "cohort_1thread")},
        "wordcount_mb_s_per_core": {k: med(wc.get(k, {}).get("mb_s_per_core")) for k in
                                    ("cohort", "single_thread_cpp", "mrmpi", "unix_sort_uniq", "cohort_1thread")},
        "load_average": {"start": float(results["machine"]["uptime_start"][0]),
                         "end": float(results["machine"]["uptime_end"][0])},
    }
    out["ratios"] = goals(results)["ratios"]
    return out


def goals(results):
    th = results.get("throughput", {}).get("rates", {})
    mg = results.get("metg", {}).get("metg_us", {})
    wc = results.get("wordcount", {}).get("systems", {})
    pool = results.get("pool", {}).get("ns_per_task", {})
    r = {
        "cohort_vs_raw_np2": ratio(med(th.get("cohort_np2")), med(th.get("raw_mpi_np2"))),
        "cohort_vs_raw_np4": ratio(med(th.get("cohort_np4")), med(th.get("raw_mpi_np4"))),
        "cohort_vs_mpi4py_chunk1_np4": ratio(med(th.get("cohort_np4")), med(th.get("mpi4py_chunk1_np4"))),
        "cohort_vs_mpi4py_chunk100_np4": ratio(med(th.get("cohort_np4")), med(th.get("mpi4py_chunk100_np4"))),
        "cohort_vs_dask": ratio(med(th.get("cohort_np4")), med(th.get("dask"))),
        "metg_cohort_vs_raw": ratio(mg.get("cohort"), mg.get("raw_mpi")),
        "metg_mpi4py_vs_cohort": ratio(mg.get("mpi4py"), mg.get("cohort")),
        "wordcount_cohort_vs_mrmpi": ratio(med(wc.get("cohort", {}).get("mb_s")), med(wc.get("mrmpi", {}).get("mb_s"))),
        "wordcount_cohort_per_core_vs_loop": ratio(med(wc.get("cohort", {}).get("mb_s_per_core")),
                                                   med(wc.get("single_thread_cpp", {}).get("mb_s_per_core"))),
        "wordcount_cohort_1thread_vs_loop": ratio(med(wc.get("cohort_1thread", {}).get("mb_s_per_core")),
                                                  med(wc.get("single_thread_cpp", {}).get("mb_s_per_core"))),
        "wordcount_cohort_per_core_vs_loop_x2": ratio(med(wc.get("cohort", {}).get("mb_s_per_core")),
                                                      med(wc.get("single_thread_cpp_x2", {}).get("mb_s_per_core"))),
        "wordcount_cohort_per_cpu_s_vs_loop": ratio(med(wc.get("cohort", {}).get("mb_per_cpu_s")),
                                                    med(wc.get("single_thread_cpp", {}).get("mb_per_cpu_s"))),
        "pool_vs_tbb_empty": ratio(med(pool.get("empty/cohort_post_external")), med(pool.get("empty/tbb_task_group"))),
        "pool_vs_tbb_1us": ratio(med(pool.get("1us/cohort_post_external")), med(pool.get("1us/tbb_task_group"))),
    }
    rows = [
        ("Cohort ≥ 50 % of the raw-MPI farm's tasks/s (-n 2)", pct(r["cohort_vs_raw_np2"]),
         None if r["cohort_vs_raw_np2"] is None else r["cohort_vs_raw_np2"] >= 0.5),
        ("Cohort ≥ 50 % of the raw-MPI farm's tasks/s (-n 4, oversubscribed)", pct(r["cohort_vs_raw_np4"]),
         None if r["cohort_vs_raw_np4"] is None else r["cohort_vs_raw_np4"] >= 0.5),
        ("Cohort ≥ 100× mpi4py.futures at chunksize 1 (-n 4)", times(r["cohort_vs_mpi4py_chunk1_np4"]),
         None if r["cohort_vs_mpi4py_chunk1_np4"] is None else r["cohort_vs_mpi4py_chunk1_np4"] >= 100),
        ("METG(50 %) within 2× of the raw-MPI farm's", times(r["metg_cohort_vs_raw"]),
         None if r["metg_cohort_vs_raw"] is None else r["metg_cohort_vs_raw"] <= 2),
        ("wordcount ahead of MR-MPI (MB/s)", times(r["wordcount_cohort_vs_mrmpi"]),
         None if r["wordcount_cohort_vs_mrmpi"] is None else r["wordcount_cohort_vs_mrmpi"] > 1),
        ("wordcount per core ≥ 80 % of the single-thread loop (issue 5): MB per CPU-second, all ranks' CPU "
         "counted (wall-clock MB/s per core: all threads / one worker thread)",
         f"{pct(r['wordcount_cohort_per_cpu_s_vs_loop'])} ({pct(r['wordcount_cohort_per_core_vs_loop'])} / "
         f"{pct(r['wordcount_cohort_1thread_vs_loop'])})",
         None if r["wordcount_cohort_per_cpu_s_vs_loop"] is None else r["wordcount_cohort_per_cpu_s_vs_loop"] >= 0.8),
        ("ThreadPool per empty task ≤ 2× oneTBB's time", times(r["pool_vs_tbb_empty"]),
         None if r["pool_vs_tbb_empty"] is None else r["pool_vs_tbb_empty"] <= 2),
    ]
    return {"ratios": r, "rows": rows}


# ---------------------------------------------------------------------------
# plots


def gnuplot(script_path, cwd):
    try:
        subprocess.run(["gnuplot", script_path], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=120)
        return True
    except (OSError, subprocess.SubprocessError) as e:
        print(f"bench/run: gnuplot failed on {script_path}: {e}")
        return False


def write_bar_plot(out, name, title, ylabel, rows, log=True):
    """rows: (label, median, min, max). Writes results/<name>.dat, plots/<name>.gp and .svg."""
    dat = os.path.join(out, "results", f"{name}.dat")
    with open(dat, "w") as f:
        f.write("# label median min max\n")
        for label, m, lo, hi in rows:
            if m is not None:
                f.write(f'"{label.replace(chr(92), "")}" {m:.6g} {lo:.6g} {hi:.6g}\n')
    gp = os.path.join(out, "plots", f"{name}.gp")
    with open(gp, "w") as f:
        f.write(f"""set terminal svg size 900,520 dynamic font "sans,12" background rgb "white"
set output "{name}.svg"
set title "{title}"
set style fill solid 0.6 border -1
set boxwidth 0.6
set ylabel "{ylabel}"
{'set logscale y' + chr(10) + 'set format y "10^{%L}"' if log else "set yrange [0:*]"}
set xrange [-0.5:{len([x for x in rows if x[1] is not None]) - 0.5}]
set grid ytics
set xtics rotate by -25 left
set bmargin 11
set rmargin 16
unset key
plot "../results/{name}.dat" using 0:2:3:4:(0.3):xticlabels(1) with boxerrorbars lc rgb "#4477aa"
""")
    gnuplot(gp, os.path.join(out, "plots"))


def write_metg_plot(out, metg):
    names = {"cohort": "Cohort ClusterExecutor.map", "raw_mpi": "raw MPI farm", "mpi4py": "mpi4py.futures",
             "baseline": "plain loop, no runtime (core share)"}
    series = []
    for kind in ("corrected", "raw"):
        for s, curve in metg[kind]["curves"].items():
            dat = os.path.join(out, "results", f"metg_{kind}_{s}.dat")
            with open(dat, "w") as f:
                f.write("# task_us efficiency_median min max tasks\n")
                for d in metg["durations_us"]:
                    c = curve.get(d)
                    if c:
                        f.write(f"{d} {c['median']:.6g} {c['min']:.6g} {c['max']:.6g} "
                                f"{metg['tasks'][s].get(d, 0)}\n")
            series.append((kind, s))
    colors = {"cohort": "#4477aa", "raw_mpi": "#ee6677", "mpi4py": "#228833", "baseline": "#999999"}
    gp = os.path.join(out, "plots", "metg.gp")
    plots = []
    for kind, s in series:
        if kind == "corrected":
            plots.append(f'"../results/metg_corrected_{s}.dat" using 1:2:3:4 with yerrorlines lw 2 '
                         f'lc rgb "{colors[s]}" title "{names[s]} (÷ core share)"')
        else:
            plots.append(f'"../results/metg_raw_{s}.dat" using 1:2 with linespoints dt 2 lc rgb "{colors[s]}" '
                         f'title "{names[s]} (as measured)"')
    with open(gp, "w") as f:
        f.write(f"""set terminal svg size 960,600 dynamic font "sans,12" background rgb "white"
set output "metg.svg"
set title "Efficiency vs task duration: -n 2 (1 scheduler rank + 1 worker rank; worker cores = 1)"
set logscale x
set xlabel "task duration (µs of CPU time)"
set ylabel "efficiency = useful work / (wall time × worker cores)"
set yrange [0:1.5]
set grid
set key top left font ",10"
set arrow from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 3 lc rgb "black"
plot {", ".join(plots)}
""")
    gnuplot(gp, os.path.join(out, "plots"))


# ---------------------------------------------------------------------------
# the page


def note(name):
    path = os.path.join(NOTES, name)
    if not os.path.exists(path):
        return ""
    return open(path).read().strip() + "\n"


def kept(name, what):
    """An earlier section of RESULTS.md (others' figures and analysis), kept as written."""
    text = note(name)
    if not text:
        return ""
    lines = text.splitlines()
    body = "\n".join(lines[1:]) if lines and lines[0].startswith("## ") else text
    return f"\n#### {what}\n\n<details><summary>kept as written, with its own commands and figures</summary>\n\n" \
           f"{body.strip()}\n\n</details>\n"


def cmd_block(results, section):
    cmds = results.get("commands", {}).get(section, [])
    if not cmds:
        return ""
    return "\n```sh\n" + "\n".join(cmds) + "\n```\n"


def page(results):
    m = results["machine"]
    g = goals(results)
    L = []
    L.append("# Benchmarks\n")
    L.append(f"Made by `{results['invocation']}` (mode **{results['mode']}**) on {results['date']}, "
             f"{results['seconds']:.0f} s. Everything on this page is regenerated by that one command; "
             "the raw data are in `bench/results/` (`runs.jsonl`: every run with its load average; "
             "`latest.json`: the headline numbers), the plots in `bench/plots/`.\n")
    L.append("**Machine:** "
             f"{m['cores']} cores, {m['cpu_model']} ({m['cpu_mhz']} MHz), {m['memory_gb']} GB, "
             f"virtual machine: {m['hypervisor']}, Linux {m['kernel']}, {m['os']}. "
             f"**Load average** (other jobs share this machine) {m['uptime_start'][0]} at the start, "
             f"{m['uptime_end'][0]} at the end: absolute figures are pessimistic; every comparison below was "
             "measured side by side, the systems interleaved run by run (A, B, C, A, B, C, ...), so the "
             "ratios are the figures to trust.\n")
    L.append(f"**Versions:** {m['compiler']}; {m['mpi']}; {m['python']}; mpi4py {m['mpi4py']}; "
             f"Dask.distributed {m['dask_distributed']}; MR-MPI {m['mrmpi']}; oneTBB {m['tbb']}; "
             f"{m['coreutils']}; {m['gnuplot']}. Cohort at {m['git_commit']}, Release build in "
             f"`{m['build_dir']}/`.\n")
    L.append("Every figure is the median of "
             f"{results['config']['repeat']} runs, with (min–max) beside it.\n")
    if results["mode"] != "full":
        L.append(f"> **{results['mode']} mode:** smaller sizes than the full run (see each section); "
                 "run `bench/run` for the full figures.\n")

    if results.get("kept_from"):
        L.append("**Sections from an earlier run** (kept by `--keep`, same mode): " +
                 ", ".join(f"{k} ({v})" for k, v in results["kept_from"].items()) + ".\n")
    if results.get("skipped"):
        L.append("**Skipped:** " + "; ".join(results["skipped"]) + ".\n")
    if results.get("section_seconds"):
        L.append("Time per section: " + ", ".join(f"{k} {v:.0f} s" for k, v in results["section_seconds"].items()) +
                 ".\n")
    L.append("## Headline: goals\n")
    L.append("| goal | measured | |\n|---|---|---|")
    for goal, value, ok in g["rows"]:
        L.append(f"| {goal} | {value} | {verdict(ok)} |")
    L.append("")
    L.append(note("headline.md"))

    if "throughput" in results:
        t = results["throughput"]
        L.append("## 1. Task throughput: empty tasks\n")
        L.append(f"Empty tasks (`noop(uint64) -> uint64`). Cohort: `ClusterExecutor::map<uint64_t>(\"noop\", ids)`; "
                 "the raw MPI farm: rank 0 sends batches of ids as raw bytes, each worker calls the task through a "
                 "function pointer and sends the results back (`bench/cluster/`, same batching: 1000 per batch, "
                 "4 batches in flight per worker) — the ceiling. mpi4py.futures: "
                 "`MPIPoolExecutor().map(noop, range(N), chunksize=C)` under "
                 "`mpirun -n 4 python3 -m mpi4py.futures`. Dask: `client.map(noop, range(N))` + `gather` on a "
                 f"`LocalCluster` of {t['dask_workers']} single-threaded worker processes on 127.0.0.1, no "
                 "dashboard. `-n 2` = rank 0 (scheduler) + 1 worker, one core each; `-n 4` = 3 workers on 2 "
                 "cores, oversubscribed (Open MPI yields when idle).\n")
        L.append("| system | tasks | tasks/s (min–max) | Cohort -n 4 / it |\n|---|---|---|---|")
        coh4 = med(t["rates"].get("cohort_np4"))
        for k, label in THROUGHPUT_LABELS.items():
            s = t["rates"].get(k)
            rel = ratio(coh4, med(s)) if not k.startswith("cohort") else None
            L.append(f"| {label} | {t['tasks'][k]:,} | {fmt_span(s)} | {times(rel) if rel else ''} |")
        L.append("")
        r = g["ratios"]
        L.append(f"Cohort / raw farm: **{pct(r['cohort_vs_raw_np2'])}** at -n 2, **{pct(r['cohort_vs_raw_np4'])}** "
                 f"at -n 4. Cohort / mpi4py.futures chunksize 1: **{times(r['cohort_vs_mpi4py_chunk1_np4'])}**; "
                 f"chunksize 100: {times(r['cohort_vs_mpi4py_chunk100_np4'])}. Cohort / Dask: "
                 f"{times(r['cohort_vs_dask'])}. (`bench_cluster` runs its {t['cluster_inner_repeat']} repeat(s) "
                 "per process and reports their median: that is one run here.)\n")
        L.append("![task throughput](plots/throughput.svg)\n")
        L.append(note("throughput.md"))
        L.append(cmd_block(results, "throughput"))
        L.append(kept("cluster.md", "Cluster dispatch: the earlier measurement and where the time goes "
                                    "(cluster layer)"))

    if "metg" in results:
        mg = results["metg"]
        L.append("## 2. METG(50 %): the smallest task worth distributing\n")
        L.append(note("metg.md"))
        L.append("| system | METG(50 %), load-corrected (min–max over runs) | / raw farm's | "
                 "METG(50 %) as measured |\n|---|---|---|---|")
        names = {"raw_mpi": "raw MPI farm", "cohort": "Cohort ClusterExecutor.map", "mpi4py": "mpi4py.futures"}
        for s in ("raw_mpi", "cohort", "mpi4py"):
            v = mg["metg_us"].get(s)
            per = mg["metg_per_rep"].get(s)
            span = f" ({fmt_us(per['min'])}–{fmt_us(per['max'])}, {per['n']} of {results['config']['repeat']} " \
                   "runs reached 50 %)" if per else ""
            first = mg["durations_us"][0]
            L.append(f"| {names[s]} | **{fmt_us(v, v == first)}**{span} | "
                     f"{times(ratio(v, mg['metg_us'].get('raw_mpi')))} | "
                     f"{fmt_us(mg['raw']['metg_us'].get(s), mg['raw']['metg_us'].get(s) == first)} |")
        L.append(f"\n(≤ {fmt_us(mg['durations_us'][0])}: already at 50 % or more at the shortest task measured.)\n")
        L.append("")
        L.append("Task Bench's published figures, one node (Slaughter et al., SC'20), for context — another "
                 "machine and another workload (task graphs with dependencies on every core of a node): " +
                 ", ".join(f"{n} {fmt_us(v)}" for n, v in TASK_BENCH_METG_US) + ".\n")
        L.append("Efficiency by task duration, median of the runs: load-corrected / as measured "
                 "(core share: the plain loop's efficiency right after each run, median over the three):\n")
        L.append("| task | tasks per run | " + " | ".join(names[s] for s in ("raw_mpi", "cohort", "mpi4py")) +
                 " | core share (plain loop) |")
        L.append("|---|---|---|---|---|---|")
        for d in mg["durations_us"]:
            cells = []
            for s in ("raw_mpi", "cohort", "mpi4py"):
                c, rw = mg["corrected"]["curves"][s].get(d), mg["raw"]["curves"][s].get(d)
                cells.append(f"{100 * c['median']:.0f} % / {100 * rw['median']:.0f} %" if c and rw else "—")
            shares = [mg["share"]["curves"][s].get(d) for s in ("raw_mpi", "cohort", "mpi4py")]
            shares = [x["median"] for x in shares if x]
            b = {"median": statistics.median(shares)} if shares else None
            n_tasks = "/".join(f"{mg['tasks'][s].get(d, 0):,}" for s in ("raw_mpi", "mpi4py"))
            L.append(f"| {fmt_us(d)} | {n_tasks} | " + " | ".join(cells) +
                     f" | {100 * b['median']:.0f} % |" if b else " | — |")
        L.append("")
        L.append("(tasks per run: Cohort and the raw farm / mpi4py.futures.)\n")
        L.append("![efficiency vs task duration](plots/metg.svg)\n")
        L.append(cmd_block(results, "metg"))

    if "wordcount" in results:
        w = results["wordcount"]
        L.append("## 3. MapReduce: wordcount\n")
        L.append(f"Input: `cohort-generate text --size {w['corpus']}` ({w['bytes'] / 1e6:.0f} MB, "
                 f"{w['words_distinct']:,} distinct words), read from the page cache (read once before). "
                 "Word rule everywhere: maximal runs of ASCII letters/digits, lowercased. MB/s = input bytes / wall "
                 "time of the whole command (process start-up included); per core = MB/s / the cores the "
                 "system occupies; MB per CPU-second = input / (user + system time summed over every process): "
                 "the per-core figure a loaded machine cannot distort. Peak memory = max RSS per rank "
                 "(`/usr/bin/time`, wrapped around every rank; the commands below are shown without it).\n")
        L.append("| system | cores | MB/s (min–max) | MB/s per core | MB per CPU-s | peak MB per rank | "
                 "output = loop's |\n|---|---|---|---|---|---|---|")
        for k, label in WORDCOUNT_LABELS.items():
            s = w["systems"].get(k)
            if not s:
                continue
            same = "yes" if s["output_matches"] else "**NO**"
            if s["output_bytes_identical"]:
                same += " (byte-identical)"
            L.append(f"| {label} | {s['cores']} | {fmt_span(s['mb_s'], lambda x: f'{x:.0f}')} | "
                     f"{num(med(s['mb_s_per_core']))} | {num(med(s['mb_per_cpu_s']))} | "
                     f"{' / '.join(f'{p:.0f}' for p in s['peak_mb_per_rank'])} | {same} |")
        L.append("")
        r = g["ratios"]
        L.append(f"Cohort / MR-MPI: **{times(r['wordcount_cohort_vs_mrmpi'])}**. Cohort per core / the "
                 f"single-thread loop: **{pct(r['wordcount_cohort_per_core_vs_loop'])}** (all threads), "
                 f"{pct(r['wordcount_cohort_1thread_vs_loop'])} (one worker thread); per CPU-second: "
                 f"{pct(r['wordcount_cohort_per_cpu_s_vs_loop'])}. Cohort (all threads) per core / two loops at once per "
                 f"core: {pct(r['wordcount_cohort_per_core_vs_loop_x2'])}.\n")
        L.append("![wordcount](plots/wordcount.svg)\n")
        L.append(note("wordcount.md"))
        L.append(cmd_block(results, "wordcount"))

    if "pool" in results:
        p = results["pool"]["ns_per_task"]
        L.append("## 4. Local pool: ThreadPool vs oneTBB\n")
        L.append("`bench/threadpool/bench_threadpool.cpp` (google-benchmark, one process, cases run one after "
                 "the other; per task = wall time / tasks). Pool and TBB on the same thread count.\n")
        L.append("| case | ns / task (min–max) |\n|---|---|")
        for k, s in p.items():
            L.append(f"| `{k}` | {fmt_span(s, lambda x: f'{x:.4g}')} |")
        L.append("")
        r = g["ratios"]
        L.append(f"Cohort `post` / TBB `task_group`: **{times(r['pool_vs_tbb_empty'])}** per empty task, "
                 f"{times(r['pool_vs_tbb_1us'])} per 1 µs task (lower is better for Cohort).\n")
        L.append("![pool](plots/pool.svg)\n")
        L.append(cmd_block(results, "pool"))
        L.append(kept("pool.md", "Local thread pool: the earlier measurement and what the figures mean (core layer)"))

    if "wire" in results:
        p = results["wire"]["ns_per_task"]
        L.append("## 5. Wire codec\n")
        L.append("`bench/wire/bench_wire.cpp`: per-task CPU cost of each step between rank 0 and a worker, "
                 "without MPI (a batch of 1000 `square(int)` tasks).\n")
        L.append("| step | ns / task (min–max) |\n|---|---|")
        for k, s in p.items():
            L.append(f"| `{k}` | {fmt_span(s, lambda x: f'{x:.4g}')} |")
        L.append("")
        L.append(cmd_block(results, "wire"))
        L.append(kept("wire.md", "Wire codec: the earlier measurement and what the steps are (wire layer)"))
    # Measured by hand, not by bench/run (its commands are in the note).
    L.append(note("shuffle.md"))
    return "\n".join(x for x in L if x is not None)


def headline(results):
    g = goals(results)
    r = g["ratios"]
    th = results.get("throughput", {}).get("rates", {})
    mg = results.get("metg", {}).get("metg_us", {})
    wc = results.get("wordcount", {}).get("systems", {})
    m = results["machine"]
    L = ["## Performance", "",
         f"Measured by `bench/run` ({results['mode']} mode) on {m['cores']} cores ({m['cpu_model']}, a shared VM, "
         f"load {m['uptime_start'][0]}); ratios were measured side by side, absolute figures are context. "
         "Details, method and what falls short: [bench/RESULTS.md](bench/RESULTS.md).", "",
         "| comparison | ratio | absolute (median) |", "|---|---|---|"]
    if th:
        L.append(f"| Cohort map vs hand-written MPI farm, empty tasks, -n 2 | {pct(r['cohort_vs_raw_np2'])} | "
                 f"{fmt_rate(med(th.get('cohort_np2')))} vs {fmt_rate(med(th.get('raw_mpi_np2')))} tasks/s |")
        L.append(f"| Cohort map vs hand-written MPI farm, empty tasks, -n 4 (oversubscribed: 4 ranks on 2 cores) | "
                 f"{pct(r['cohort_vs_raw_np4'])} | "
                 f"{fmt_rate(med(th.get('cohort_np4')))} vs {fmt_rate(med(th.get('raw_mpi_np4')))} tasks/s |")
        L.append(f"| Cohort map vs mpi4py.futures (chunksize 1), -n 4 | {times(r['cohort_vs_mpi4py_chunk1_np4'])} | "
                 f"{fmt_rate(med(th.get('cohort_np4')))} vs {fmt_rate(med(th.get('mpi4py_chunk1_np4')))} tasks/s |")
        L.append(f"| Cohort map vs mpi4py.futures (chunksize 100), -n 4 | "
                 f"{times(r['cohort_vs_mpi4py_chunk100_np4'])} | {fmt_rate(med(th.get('cohort_np4')))} vs "
                 f"{fmt_rate(med(th.get('mpi4py_chunk100_np4')))} tasks/s |")
        L.append(f"| Cohort map vs Dask.distributed | {times(r['cohort_vs_dask'])} | "
                 f"{fmt_rate(med(th.get('cohort_np4')))} vs {fmt_rate(med(th.get('dask')))} tasks/s |")
    if mg:
        first = results["metg"]["durations_us"][0]
        L.append(f"| METG(50 %): Cohort vs raw MPI farm (lower is better) | {times(r['metg_cohort_vs_raw'])} | "
                 f"{fmt_us(mg.get('cohort'), mg.get('cohort') == first)} vs "
                 f"{fmt_us(mg.get('raw_mpi'), mg.get('raw_mpi') == first)} (mpi4py.futures "
                 f"{fmt_us(mg.get('mpi4py'), mg.get('mpi4py') == first)}) |")
    if wc:
        L.append(f"| wordcount: Cohort vs MR-MPI | {times(r['wordcount_cohort_vs_mrmpi'])} | "
                 f"{num(med(wc.get('cohort', {}).get('mb_s')))} vs {num(med(wc.get('mrmpi', {}).get('mb_s')))} MB/s |")
        L.append(f"| wordcount per core: Cohort vs a single-thread C++ loop (MB per CPU-second) | "
                 f"{pct(r['wordcount_cohort_per_cpu_s_vs_loop'])} | "
                 f"{num(med(wc.get('cohort', {}).get('mb_per_cpu_s')))} vs "
                 f"{num(med(wc.get('single_thread_cpp', {}).get('mb_per_cpu_s')))} MB per CPU-second |")
    if results.get("pool"):
        p = results["pool"]["ns_per_task"]
        L.append(f"| local ThreadPool vs oneTBB, time per empty task (lower is better) | "
                 f"{times(r['pool_vs_tbb_empty'])} | {num(med(p.get('empty/cohort_post_external')))} vs "
                 f"{num(med(p.get('empty/tbb_task_group')))} ns |")
    L.append("")
    return "\n".join(L)


def write_all(out, results):
    os.makedirs(os.path.join(out, "results"), exist_ok=True)
    os.makedirs(os.path.join(out, "plots"), exist_ok=True)
    with open(os.path.join(out, "results", "latest.json"), "w") as f:
        json.dump(latest(results), f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "results", "full.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
        f.write("\n")
    if "throughput" in results:
        t = results["throughput"]["rates"]
        write_bar_plot(out, "throughput", "Empty tasks per second (median, min-max)", "tasks/s",
                       [(lbl, *(t[k][x] for x in ("median", "min", "max"))) for k, lbl in THROUGHPUT_LABELS.items()
                        if t.get(k)])
    if "metg" in results:
        write_metg_plot(out, results["metg"])
    if "wordcount" in results:
        w = results["wordcount"]["systems"]
        write_bar_plot(out, "wordcount", "wordcount throughput, MB/s (median, min-max)", "MB/s",
                       [(lbl, *(w[k]["mb_s"][x] for x in ("median", "min", "max")))
                        for k, lbl in WORDCOUNT_LABELS.items() if k in w], log=False)
    if "pool" in results:
        p = results["pool"]["ns_per_task"]
        write_bar_plot(out, "pool", "Local pool: ns per task (median, min-max; lower is better)", "ns / task",
                       [(k, s["median"], s["min"], s["max"]) for k, s in p.items() if s])
    with open(os.path.join(out, "RESULTS.md"), "w") as f:
        f.write(page(results))
    with open(os.path.join(out, "README-headline.md"), "w") as f:
        f.write(headline(results))
