#!/usr/bin/env bash
# Drives the real `cohort run` in a terminal (tmux, 120x30) and reads the
# screen: a live progress bar redrawn in place (one line, no escape codes left
# over), finished at 100%, then the summary. Bounded waits, no timing asserts.
#
# usage: progress_tmux.sh WORKDIR -- COMMAND...
set -euo pipefail
work=$1
shift
[ "$1" = "--" ] && shift
command -v tmux >/dev/null || { echo "progress_tmux: SKIPPED: tmux is not installed" >&2; exit 77; }
rm -rf "$work"
mkdir -p "$work"
sock="cohort-progress-$$"
# The command runs from a script, so the environment (MPI settings) is exact.
{
  echo '#!/usr/bin/env bash'
  export -p
  printf 'cd %q\n' "$work"
  printf '%q ' "$@"
  echo
  echo 'echo "EXIT=$?"'
  echo 'exec sleep 600'
} >"$work/run.sh"
chmod +x "$work/run.sh"
cleanup() { tmux -L "$sock" kill-server >/dev/null 2>&1 || true; }
trap cleanup EXIT
tmux -L "$sock" -f /dev/null new-session -d -s run -x 120 -y 30 "$work/run.sh"

deadline=$(( $(date +%s) + ${COHORT_TMUX_DEADLINE:-240} ))
seen_live=0
while :; do
  screen=$(tmux -L "$sock" capture-pane -p -t run)
  if grep -Eq '\] [0-9]+/[0-9]+ tasks [0-9]+%' <<<"$screen" && ! grep -q 'EXIT=' <<<"$screen"; then seen_live=1; fi
  grep -q 'EXIT=' <<<"$screen" && break
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "progress_tmux: FAIL: the run did not end within the deadline; screen:" >&2
    echo "$screen" >&2
    exit 1
  fi
  sleep 0.3
done
printf '%s\n' "$screen" >"$work/screen.txt"
echo "---- screen ----"; cat "$work/screen.txt"; echo "----------------"
fail() { echo "progress_tmux: FAIL: $*" >&2; exit 1; }
grep -q 'EXIT=0' <<<"$screen" || fail "the run failed"
bars=$(grep -Ec '\] [0-9]+/[0-9]+ tasks [0-9]+%' <<<"$screen" || true)
[ "$bars" = 1 ] || fail "$bars progress bar lines on the screen, expected 1 (redrawn in place)"
grep -Eq '\[=+\] ([0-9]+)/\1 tasks 100%' <<<"$screen" || fail "the bar does not end full at 100%"
grep -Eq 'busy [0-9]+/[0-9]+ +failed 0' <<<"$screen" || fail "the bar does not show workers busy and failures"
grep -Eq '^cohort: [a-z]+: [0-9]+ task\(s\) on [0-9]+ worker\(s\)' <<<"$screen" || fail "no summary after the bar"
grep -q '\[K' <<<"$screen" && fail "escape codes left on the screen"
echo "progress_tmux: ok (bar seen while running: $seen_live)"
