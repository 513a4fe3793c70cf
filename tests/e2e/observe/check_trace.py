#!/usr/bin/env python3
"""Checks a `cohort run --trace T --stats S` run at -n NP with --threads T:
the trace is JSON, has a process row per rank and a thread row per pool thread,
events from every rank, and as many task events as the run had attempts.

usage: check_trace.py TRACE STATS NP THREADS
"""
import json
import os
import sys
from collections import Counter, defaultdict


def fail(msg):
    print("check_trace: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    trace_path, stats_path, np, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with open(trace_path) as f:
        trace = json.load(f)  # raises on anything that is not JSON
    with open(stats_path) as f:
        stats = json.load(f)
    events = trace["traceEvents"]
    processes = {e["pid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    threads_of = defaultdict(dict)
    for e in events:
        if e["ph"] == "M" and e["name"] == "thread_name":
            threads_of[e["pid"]][e["tid"]] = e["args"]["name"]

    workers = list(range(1, np)) if np > 1 else [0]
    if sorted(processes) != list(range(np)):
        fail(f"process rows {sorted(processes)}, expected ranks 0..{np - 1}")
    if np > 1 and processes[0] != "rank 0 (scheduler)":
        fail(f"rank 0 is named {processes[0]!r}")
    for r in workers:
        if np > 1 and not processes[r].startswith(f"rank {r} (worker@"):
            fail(f"rank {r} is named {processes[r]!r}")
        want = {"loop thread"} | {f"pool thread {k}" for k in range(threads)}
        have = set(threads_of[r].values())
        if not want <= have:
            fail(f"rank {r} has thread rows {sorted(have)}, missing {sorted(want - have)}")

    tasks = [e for e in events if e["ph"] == "X" and e.get("cat") == "task"]
    attempts = stats["succeeded"] + stats["failed"] + stats["retries"]
    if len(tasks) != attempts:
        fail(f"{len(tasks)} task events, but the run had {attempts} attempts ({stats})")
    if trace["otherData"]["tasks"] != stats["tasks"] or trace["otherData"]["attempts"] != attempts:
        fail(f"trace says {trace['otherData']}, stats say tasks {stats['tasks']}, attempts {attempts}")
    if stats["tasks"] == 0:
        fail("the run had no tasks")

    by_rank = Counter(e["pid"] for e in tasks)
    by_thread = Counter((e["pid"], e["tid"]) for e in tasks)
    for r in workers:
        if by_rank[r] == 0:
            fail(f"no task ran on rank {r}")
    for e in tasks:
        if e["tid"] < 1 or e["tid"] > threads:
            fail(f"task {e['args']} on thread row {e['tid']} (pool threads are rows 1..{threads})")
        for k in ("id", "attempt", "bytes_in", "bytes_out"):
            if k not in e["args"]:
                fail(f"task event without {k}: {e}")
    # Every rank has events of its own (its loop thread's batches, its tasks).
    for r in range(np):
        if not any(e["pid"] == r and e["ph"] != "M" for e in events):
            fail(f"no events from rank {r}")
    starts = {e["id"] for e in events if e["ph"] == "s"}
    ends = {e["id"] for e in events if e["ph"] == "f"}
    if not ends or not ends <= starts:
        fail(f"flow arrows: {len(starts)} starts, {len(ends)} ends, unmatched {sorted(ends - starts)[:5]}")
    if not any(e["ph"] == "C" for e in events):
        fail("no counter events")
    # CHECK_TRACE_MIN_CONCURRENCY=K: some worker ran K tasks at once (its pool is
    # used, not only a thread or two of it).
    want_conc = int(os.environ.get("CHECK_TRACE_MIN_CONCURRENCY", "0"))
    if want_conc > 0:
        best = 0
        for r in workers:
            edges = sorted([(e["ts"], 1) for e in tasks if e["pid"] == r] +
                           [(e["ts"] + e["dur"], -1) for e in tasks if e["pid"] == r])  # an end before a start at a tie
            cur = 0
            for _, d in edges:
                cur += d
                best = max(best, cur)
        if best < want_conc:
            fail(f"at most {best} tasks ran at once on a worker; expected {want_conc} with {threads} pool threads")
        print(f"check_trace: up to {best} tasks ran at once on a worker ({threads} pool threads)")
    covered = sum(1 for r in workers for t in range(threads) if by_thread[(r, t + 1)] > 0)
    print(f"check_trace: ok: {np} rank rows, {len(tasks)} task events = {attempts} attempts of "
          f"{stats['tasks']} tasks; {covered}/{len(workers) * threads} pool threads ran tasks; "
          f"{len(starts)} flow arrows")


main()
