#!/usr/bin/env bash
# Opens a --report page in headless Chromium with the network off, checks what
# its script drew (check_report_dom.py) and saves a screenshot beside it.
# Exit 77 (skipped) only when no Chromium can be had (scripts/chromium-headless).
#
# usage: report_browser.sh WORKDIR   (with report.html and stats.json from run_report.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
chromium=$here/../../../scripts/chromium-headless
work=$1
[ -s "$work/report.html" ] || { echo "report_browser: no $work/report.html (run e2e.observe.trace_report first)" >&2; exit 1; }
set +e
"$chromium" path >/dev/null
rc=$?
set -e
if [ "$rc" = 77 ]; then echo "report_browser: SKIPPED: no Chromium on this machine and none can be installed" >&2; exit 77; fi
[ "$rc" = 0 ] || exit "$rc"
url="file://$(cd "$work" && pwd)/report.html"
"$chromium" run --virtual-time-budget=10000 --dump-dom "$url" >"$work/report.dom.html" 2>"$work/chromium.log" || {
  cat "$work/chromium.log" >&2; exit 1; }
# The page fetched nothing: its script writes the Resource Timing count into
# <body data-resources>, checked by check_report_dom.py (the browser's own
# background traffic goes to a proxy that does not exist).
python3 "$here/check_report_dom.py" "$work/report.dom.html" "$work/stats.json"
rm -f "$work/report.png"
"$chromium" run --window-size=1280,1000 --hide-scrollbars --virtual-time-budget=10000 \
  --screenshot="$(cd "$work" && pwd)/report.png" "$url" >>"$work/chromium.log" 2>&1 || true
[ -s "$work/report.png" ] || { echo "report_browser: no screenshot" >&2; cat "$work/chromium.log" >&2; exit 1; }
echo "report_browser: ok, screenshot $work/report.png"
