#pragma once
// The report page: HTML, CSS and the script that draws it, all inline. The
// data goes where @DATA@ stands (a JSON object in a <script
// type="application/json">), the title where @TITLE@ stands. No request leaves
// the page: no fonts, images or scripts from anywhere.

namespace cohort::observe::detail {

inline constexpr const char* kReportHead = R"HTML(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@TITLE@</title>
<style>
:root{--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#fff;--card:#f8f9fb;--accent:#3b6fd8}
*{box-sizing:border-box}
body{margin:0;padding:20px 28px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:26px 0 8px}
.sub{color:var(--muted);margin-bottom:14px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 12px;min-width:118px}
.card b{display:block;font-size:18px}.card span{color:var(--muted);font-size:12px}
.card.bad b{color:#c4320a}
table{border-collapse:collapse;font-size:13px}
td,th{padding:3px 10px;border-bottom:1px solid var(--line);text-align:left}
th{color:var(--muted);font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
#timeline-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:8px;padding:6px 0}
svg text{font:11px system-ui,sans-serif;fill:var(--fg)}
svg .axis text{fill:var(--muted)}
.bar{height:14px;background:var(--accent);border-radius:3px}
.barbox{width:260px;background:var(--card);border:1px solid var(--line);border-radius:3px}
.note{color:var(--muted);font-size:12px}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
</style></head>
<body data-rendered="0">
<h1 id="title">@TITLE@</h1>
<div class="sub" id="subtitle"></div>
<div class="cards" id="cards"></div>
<h2>Timeline: tasks per worker thread</h2>
<div class="legend" id="legend"></div>
<div id="timeline-wrap"><svg id="timeline" data-rows="0" data-tasks="0"></svg></div>
<div class="note" id="timeline-note"></div>
<h2>Utilization per rank</h2>
<table id="util"><thead><tr><th>rank</th><th>host</th><th>threads</th><th>tasks</th><th>busy</th><th></th><th>clock offset</th></tr></thead><tbody></tbody></table>
<h2>Slowest tasks</h2>
<table id="slowest"><thead><tr><th>task</th><th>name</th><th>attempt</th><th>rank</th><th>thread</th><th>duration</th><th>outcome</th></tr></thead><tbody></tbody></table>
<h2>Task durations</h2>
<svg id="histogram" width="720" height="220"></svg>
<div class="note" id="hist-note"></div>
<script type="application/json" id="cohort-data">)HTML";

inline constexpr const char* kReportTail = R"HTML(</script>
<script>
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("cohort-data").textContent);
  const S = D.summary, NS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  function el(tag, attrs, parent, text) {
    const e = tag.startsWith("svg:") ? document.createElementNS(NS, tag.slice(4)) : document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function dur(s) {
    if (!(s > 0)) return "0";
    if (s < 1e-3) return (s * 1e6).toFixed(0) + " µs";
    if (s < 1) return (s * 1e3).toFixed(1) + " ms";
    if (s < 120) return s.toFixed(2) + " s";
    return Math.floor(s / 60) + " min " + (s % 60).toFixed(0) + " s";
  }
  function bytes(b) {
    const u = ["B", "KB", "MB", "GB", "TB"]; let i = 0;
    while (b >= 1000 && i < u.length - 1) { b /= 1000; i++; }
    return (i ? b.toFixed(1) : b) + " " + u[i];
  }
  const palette = ["#3b6fd8", "#2f9e72", "#8e5cd9", "#d08b15", "#1a9bb0", "#b8589a", "#6f7d1c", "#5465a8"];
  const color = (t) => t.outcome === 1 ? "#d92d20" : t.outcome === 2 ? "#f79009" : palette[t.name % palette.length];

  // ---- summary
  $("subtitle").textContent = S.ranks + " rank(s): " + S.workers + " worker(s), " + S.threads +
    " pool thread(s) in all" + (D.generated ? " \u2014 " + D.generated : "");
  const cards = [["tasks", S.tasks], ["wall time", dur(S.wall_seconds)], ["throughput", S.throughput.toFixed(1) + "/s"],
    ["succeeded", S.succeeded], ["failed", S.failed, S.failed > 0], ["retries", S.retries, S.retries > 0],
    ["utilization", S.timed ? (100 * S.utilization).toFixed(0) + "%" : "n/a"],
    ["task p50", dur(S.task_seconds.p50)], ["task p99", dur(S.task_seconds.p99)],
    ["sent / received", bytes(S.bytes_in) + " / " + bytes(S.bytes_out)]];
  for (const [label, value, bad] of cards) {
    const c = el("div", { class: "card" + (bad ? " bad" : "") }, $("cards"));
    el("b", {}, c, String(value)); el("span", {}, c, label);
  }

  // ---- tasks (columnar in the data) as objects
  const T = D.tasks, tasks = [];
  for (let i = 0; i < T.row.length; i++)
    tasks.push({ row: T.row[i], start: T.start[i], dur: T.dur[i], name: T.name[i], id: T.id[i], attempt: T.attempt[i], outcome: T.outcome[i] });

  // ---- timeline
  const rows = D.rows, labelW = 190, rowH = 16, top = 30;
  const wrap = $("timeline-wrap"), width = Math.max(700, (wrap.clientWidth || 1100) - 4);
  const plotW = width - labelW - 16, t0 = D.t0_us || 0, wall = Math.max(D.wall_us - t0, 1);
  const x = (us) => labelW + ((us - t0) / wall) * plotW;
  const svg = $("timeline");
  svg.setAttribute("width", width);
  svg.setAttribute("height", top + rows.length * rowH + 8);
  const axis = el("svg:g", { class: "axis" }, svg);
  for (let k = 0; k <= 10; k++) {
    const us = (wall * k) / 10, xx = x(t0 + us);
    el("svg:line", { x1: xx, x2: xx, y1: top - 4, y2: top + rows.length * rowH, stroke: "#eef0f3" }, axis);
    el("svg:text", { x: xx, y: 12, "text-anchor": k === 0 ? "start" : k === 10 ? "end" : "middle" }, axis, dur(us / 1e6));
  }
  for (const p of D.phases) {
    const x0 = Math.max(x(p.begin_us), labelW), x1 = Math.max(x(p.end_us), x0 + 1);
    el("svg:rect", { x: x0, y: 16, width: x1 - x0, height: 8, fill: "#d0d5dd", rx: 2 }, axis);
    if (x1 - x0 > 30) el("svg:text", { x: x0 + 2, y: 23, style: "font-size:9px" }, axis, p.name);
  }
  const byRow = rows.map(() => []);
  for (const t of tasks) byRow[t.row].push(t);
  let drawn = 0;
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const g = el("svg:g", { class: "tl-row", "data-rank": r.rank, "data-thread": r.thread, "data-tasks": byRow[i].length }, svg);
    if (i % 2 === 0) el("svg:rect", { x: 0, y: y, width: width, height: rowH, fill: "#fafbfc" }, g);
    el("svg:text", { x: 6, y: y + 12 }, g, r.label);
    const list = byRow[i].sort((a, b) => a.start - b.start);
    // Tasks closer than a pixel merge into one bar (a million tasks stay drawable).
    let cur = null;
    const flush = () => {
      if (!cur) return;
      const rect = el("svg:rect", { x: cur.x0, y: y + 2, width: Math.max(cur.x1 - cur.x0, 0.8), height: rowH - 4, fill: cur.fill }, g);
      const t = cur.t;
      el("svg:title", {}, rect, cur.n === 1
        ? D.names[t.name] + " #" + t.id + (t.attempt ? " attempt " + t.attempt : "") + ": " + dur(t.dur / 1e6) +
          (t.outcome === 1 ? " (failed)" : t.outcome === 2 ? " (retried)" : "")
        : cur.n + " tasks");
      drawn++;
      cur = null;
    };
    for (const t of list) {
      const x0 = x(t.start), x1 = x(t.start + t.dur), fill = color(t);
      if (cur && x0 - cur.x1 < 0.5 && fill === cur.fill && (x1 - x0) < 1) { cur.x1 = Math.max(cur.x1, x1); cur.n++; continue; }
      flush();
      cur = { x0: x0, x1: x1, fill: fill, n: 1, t: t };
    }
    flush();
  });
  svg.setAttribute("data-rows", rows.length);
  svg.setAttribute("data-tasks", tasks.length);
  svg.setAttribute("data-bars", drawn);
  const names = new Set(tasks.map((t) => t.name));
  for (const n of names) {
    const s = el("span", {}, $("legend"));
    el("i", { style: "background:" + palette[n % palette.length] }, s);
    s.appendChild(document.createTextNode(D.names[n]));
  }
  if (S.failed || S.retries) {
    for (const [c, l] of [["#d92d20", "failed"], ["#f79009", "retried"]]) {
      const s = el("span", {}, $("legend")); el("i", { style: "background:" + c }, s); s.appendChild(document.createTextNode(l));
    }
  }
  $("timeline-note").textContent = (D.shown < D.attempts ? "Showing " + D.shown + " of " + D.attempts +
    " task attempts (the slowest, and a sample of the rest). " : tasks.length + " task attempts. ") +
    "Times on rank 0's clock; worker clocks aligned by ping-pong (error \u2264 half the round trip).";

  // ---- utilization per rank
  const ub = document.querySelector("#util tbody");
  for (const r of S.per_rank) {
    const tr = el("tr", { "data-rank": r.rank }, ub);
    el("td", {}, tr, r.rank); el("td", {}, tr, r.host); el("td", { class: "n" }, tr, r.threads);
    el("td", { class: "n" }, tr, r.tasks); el("td", { class: "n" }, tr, (100 * r.utilization).toFixed(0) + "%");
    const box = el("div", { class: "barbox" }, el("td", {}, tr));
    el("div", { class: "bar", style: "width:" + Math.min(100, 100 * r.utilization).toFixed(1) + "%" }, box);
    el("td", { class: "n" }, tr, r.clock_rtt_ns < 0 ? "\u2014" : (r.clock_offset_ns / 1e3).toFixed(1) + " µs \u00b1 " + (r.clock_rtt_ns / 2e3).toFixed(1));
  }

  // ---- slowest tasks
  const sb = document.querySelector("#slowest tbody");
  const slow = tasks.slice().sort((a, b) => b.dur - a.dur).slice(0, 15);
  const outcomes = ["ok", "failed", "retried", "pending"];
  for (const t of slow) {
    const r = rows[t.row], tr = el("tr", {}, sb);
    el("td", { class: "n" }, tr, t.id); el("td", {}, tr, D.names[t.name]); el("td", { class: "n" }, tr, t.attempt);
    el("td", { class: "n" }, tr, r.rank); el("td", { class: "n" }, tr, r.thread < 0 ? "?" : r.thread);
    el("td", { class: "n" }, tr, dur(t.dur / 1e6)); el("td", {}, tr, outcomes[t.outcome]);
  }

  // ---- histogram of durations (log bins)
  const h = $("histogram"), ds = tasks.map((t) => Math.max(t.dur, 0.001)).filter((d) => d > 0);
  if (ds.length) {
    let lo = Math.log10(ds.reduce((a, b) => Math.min(a, b))), hi = Math.log10(ds.reduce((a, b) => Math.max(a, b)));
    if (hi - lo < 0.05) { lo -= 0.5; hi += 0.5; }  // all alike: centre them
    const nb = 30, span = hi - lo, counts = new Array(nb).fill(0);
    for (const d of ds) counts[Math.min(nb - 1, Math.floor(((Math.log10(d) - lo) / span) * nb))]++;
    const maxc = counts.reduce((a, b) => Math.max(a, b)), W = 720, H = 220, L = 40, B = 30, bw = (W - L - 10) / nb;
    counts.forEach((c, i) => {
      const bh = (c / maxc) * (H - B - 10), r = el("svg:rect", { class: "hist-bar", x: L + i * bw + 1, y: H - B - bh, width: bw - 2, height: bh, fill: "#3b6fd8", "data-count": c }, h);
      const a = Math.pow(10, lo + (span * i) / nb) / 1e6, b = Math.pow(10, lo + (span * (i + 1)) / nb) / 1e6;
      el("svg:title", {}, r, dur(a) + " \u2013 " + dur(b) + ": " + c + " task(s)");
    });
    const g = el("svg:g", { class: "axis" }, h);
    el("svg:line", { x1: L, x2: W - 10, y1: H - B, y2: H - B, stroke: "#98a2b3" }, g);
    for (const k of [0, 0.25, 0.5, 0.75, 1]) el("svg:text", { x: L + k * (W - L - 10), y: H - 12, "text-anchor": k === 0 ? "start" : k === 1 ? "end" : "middle" }, g, dur(Math.pow(10, lo + span * k) / 1e6));
    el("svg:text", { x: 4, y: 14 }, g, String(maxc));
    $("hist-note").textContent = ds.length + " task attempts, logarithmic bins; mean " + dur(S.task_seconds.mean) + ", p90 " + dur(S.task_seconds.p90) + ", max " + dur(S.task_seconds.max) + ".";
  } else {
    $("hist-note").textContent = "No task times were recorded.";
  }
  // Everything is inline: the page should have fetched nothing at all.
  document.body.setAttribute("data-resources", String(performance.getEntriesByType("resource").length));
  document.body.setAttribute("data-rendered", "1");
})();
</script>
</body></html>
)HTML";

}  // namespace cohort::observe::detail
