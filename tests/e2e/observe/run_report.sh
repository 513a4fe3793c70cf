#!/usr/bin/env bash
# Runs `cohort run ...` with --trace, --report and --stats into WORKDIR and
# checks what it wrote: the trace (check_trace.py), the stats, the summary on
# stderr, the report's self-containedness.
#
# usage: run_report.sh WORKDIR NP THREADS -- COMMAND...   (COMMAND: [mpirun -n NP] cohort run JOB ...)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$1 np=$2 threads=$3
shift 3
[ "$1" = "--" ] && shift
rm -rf "$work"
mkdir -p "$work"
set +e
"$@" --threads "$threads" --output "$work/out" --trace "$work/trace.json" --report "$work/report.html" \
  --stats "$work/stats.json" >"$work/stdout" 2>"$work/stderr"
rc=$?
set -e
cat "$work/stderr" >&2
if [ "$rc" != 0 ]; then echo "run_report: the run exited with $rc" >&2; exit 1; fi
for f in out trace.json report.html stats.json; do
  [ -s "$work/$f" ] || { echo "run_report: $work/$f is missing or empty" >&2; exit 1; }
done
tasks=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tasks"])' "$work/stats.json")
grep -Eq "^cohort: [a-z]+: $tasks task\(s\) on $(( np > 1 ? np - 1 : 1 )) worker\(s\) x $threads thread\(s\)" "$work/stderr" || {
  echo "run_report: no summary line for $tasks tasks on stderr" >&2; exit 1; }
python3 "$here/check_trace.py" "$work/trace.json" "$work/stats.json" "$np" "$threads"
# The report fetches nothing: no external script, style, font, image or link.
if grep -Eq '<link|src=|href=|url\(|@import' "$work/report.html"; then
  echo "run_report: the report refers to something outside itself" >&2; exit 1
fi
echo "run_report: ok ($work)"
