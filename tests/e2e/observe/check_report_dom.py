#!/usr/bin/env python3
"""Checks the DOM of a --report page after its script ran (chromium --dump-dom):
rendered, one timeline row per worker thread, the run's task count.

usage: check_report_dom.py DOM.html STATS.json
"""
import json
import re
import sys


def fail(msg):
    print("check_report_dom: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


dom = open(sys.argv[1], encoding="utf-8").read()
stats = json.load(open(sys.argv[2]))
if 'data-rendered="1"' not in dom:
    fail("the page's script did not finish (no <body data-rendered=\"1\">); DOM starts: " + dom[:300])
res = re.search(r'<body[^>]*data-resources="(\d+)"', dom)
if not res or res.group(1) != "0":
    fail("the page fetched resources (Resource Timing count " + (res.group(1) if res else "missing") + ")")
m = re.search(r'<svg id="timeline"[^>]*>', dom)
if not m:
    fail("no timeline")
attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(0)))
threads = sum(r["threads"] for r in stats["per_rank"])
attempts = stats["succeeded"] + stats["failed"] + stats["retries"]
rows = re.findall(r'<g class="tl-row" data-rank="(\d+)" data-thread="(-?\d+)" data-tasks="(\d+)">', dom)
if int(attrs["data-rows"]) != threads or len(rows) != threads:
    fail(f"{attrs['data-rows']} timeline rows ({len(rows)} in the DOM), expected one per worker thread: {threads}")
if int(attrs["data-tasks"]) != attempts or sum(int(r[2]) for r in rows) != attempts:
    fail(f"timeline shows {attrs['data-tasks']} tasks, the run had {attempts} attempts")
want = {(r["rank"], t) for r in stats["per_rank"] for t in range(r["threads"])}
have = {(int(a), int(b)) for a, b, _ in rows}
if want != have:
    fail(f"rows {sorted(have)}, expected {sorted(want)}")
if f"<b>{stats['tasks']}</b><span>tasks</span>" not in dom:
    fail("the summary does not show the task count")
for section in ("util", "slowest", "histogram"):
    if f'id="{section}"' not in dom:
        fail(f"no #{section}")
if "hist-bar" not in dom:
    fail("no histogram bars")
print(f"check_report_dom: ok: {len(rows)} timeline rows, {attempts} task attempts, {stats['tasks']} tasks")
