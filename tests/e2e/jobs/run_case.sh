#!/usr/bin/env bash
# One end-to-end case of the real `cohort` program.
#
#   run_case.sh [options] -- COMMAND...      (COMMAND may contain @OUT@ and @TMP@)
#     --expect-rc N         exit status expected (default 0)
#     --expected FILE       the output must equal FILE byte for byte
#     --reference wordcount-of DIR   the output must equal an independent count of DIR
#     --stderr-has TEXT     stderr must contain TEXT (repeatable; fixed strings)
#     --no-output           the output file must not exist afterwards (no partial file)
#     --only-output         afterwards the output directory holds the output file and nothing
#                           else (no scratch or shuffle files left, hidden ones included)
#     --setup CMD           a shell command run first in @TMP@ (e.g. to make bad inputs)
#     --skip-unless CMD     run CMD in @TMP@ (after --setup); if it fails, SKIP (exit 77)
#     --cleanup CMD         a shell command run in @TMP@ at the end, before it is removed
#     --stderr-re REGEX     stderr must match the extended regex (repeatable)
#     --stderr-lacks TEXT   stderr must not contain TEXT (repeatable)
#     --max-seconds N       the command must end within N seconds (wall clock)
#     --no-orphans PATTERN  afterwards no process may match PATTERN (pgrep -f; waits up to 10 s)
#     --kill9-pidfile FILE  once FILE holds a pid (within 60 s), kill that process with SIGKILL
#     --as-nobody           run the command as user nobody (setpriv/runuser); SKIP (77) if impossible
#
# @OUT@ becomes a fresh output path in a private temp dir @TMP@, removed at the end.
set -euo pipefail
expect_rc=0 expected="" reference="" no_output=0 setup="" skip_unless="" cleanup="" max_seconds=""
orphans="" kill_pidfile="" as_nobody=0 only_output=0
stderr_has=() stderr_re=() stderr_lacks=()
while [ $# -gt 0 ]; do
  case "$1" in
    --expect-rc) expect_rc=$2; shift 2 ;;
    --expected) expected=$2; shift 2 ;;  # may use @TMP@
    --reference) reference=$3; shift 3 ;;
    --stderr-has) stderr_has+=("$2"); shift 2 ;;
    --no-output) no_output=1; shift ;;
    --only-output) only_output=1; shift ;;
    --setup) setup=$2; shift 2 ;;
    --skip-unless) skip_unless=$2; shift 2 ;;
    --cleanup) cleanup=$2; shift 2 ;;
    --stderr-re) stderr_re+=("$2"); shift 2 ;;
    --stderr-lacks) stderr_lacks+=("$2"); shift 2 ;;
    --max-seconds) max_seconds=$2; shift 2 ;;
    --no-orphans) orphans=$2; shift 2 ;;
    --kill9-pidfile) kill_pidfile=$2; shift 2 ;;
    --as-nobody) as_nobody=1; shift ;;
    --) shift; break ;;
    *) echo "run_case.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cohort-e2e.XXXXXX")
finish() {
  if [ -n "$cleanup" ]; then (cd "$tmp" && eval "$cleanup") || true; fi
  chmod -R u+rwx "$tmp" 2>/dev/null
  rm -rf "$tmp"
}
trap finish EXIT
out=$tmp/out/result.txt
mkdir -p "$tmp/out"
if [ -n "$setup" ]; then (cd "$tmp" && eval "$setup"); fi
subst() { local a=${1//@OUT@/$out}; printf '%s' "${a//@TMP@/$tmp}"; }
if [ -n "$skip_unless" ] && ! (cd "$tmp" && eval "$skip_unless") >/dev/null 2>&1; then
  echo "SKIP: this machine cannot do it: $skip_unless"
  exit 77
fi
cmd=()
for a in "$@"; do cmd+=("$(subst "$a")"); done
if [ "$as_nobody" = 1 ]; then
  if [ "$(id -u)" != 0 ]; then
    as=()  # already unprivileged
  elif setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
    as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  elif runuser -u nobody -- true 2>/dev/null; then
    as=(runuser -u nobody --)
  else
    echo "SKIP: running as root and cannot switch to user nobody (no setpriv/runuser): root reads every file"
    exit 77
  fi
  chmod 755 "$tmp" && chmod 777 "$tmp/out"
  cmd=("${as[@]}" env HOME="$tmp" "${cmd[@]}")
fi

set +e
start=$(date +%s%N)
if [ -n "$kill_pidfile" ]; then
  kill_pidfile=$(subst "$kill_pidfile")
  "${cmd[@]}" >"$tmp/stdout" 2>"$tmp/stderr" &
  bg=$!
  killed=""
  for _ in $(seq 600); do  # a bounded wait for the pid (60 s), not an ordering sleep
    if [ -s "$kill_pidfile" ]; then killed=$(cat "$kill_pidfile"); kill -KILL "$killed"; break; fi
    kill -0 "$bg" 2>/dev/null || break
    sleep 0.1
  done
  wait "$bg"
  rc=$?
else
  "${cmd[@]}" >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
fi
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
set -e
fail() {
  echo "FAIL: $*" >&2
  echo "--- command: ${cmd[*]}" >&2
  echo "--- exit status: $rc" >&2
  echo "--- stderr:" >&2; head -c 4000 "$tmp/stderr" >&2
  exit 1
}
if [ -n "$kill_pidfile" ] && [ -z "$killed" ]; then fail "no pid appeared in $kill_pidfile"; fi
if [ "$expect_rc" = nonzero ]; then
  [ "$rc" -ne 0 ] || fail "exit status 0, expected a failure"
else
  [ "$rc" -eq "$expect_rc" ] || fail "exit status $rc, expected $expect_rc"
fi
if [ -n "$max_seconds" ] && [ "$elapsed_ms" -gt $((max_seconds * 1000)) ]; then
  fail "took $elapsed_ms ms, more than $max_seconds s"
fi
for s in "${stderr_has[@]}"; do
  a=$(subst "$s")
  grep -qF -- "$a" "$tmp/stderr" || fail "stderr does not contain: $a"
done
for s in "${stderr_re[@]}"; do
  a=$(subst "$s")
  grep -qE -- "$a" "$tmp/stderr" || fail "stderr does not match: $a"
done
for s in "${stderr_lacks[@]}"; do
  a=$(subst "$s")
  ! grep -qF -- "$a" "$tmp/stderr" || fail "stderr contains: $a"
done
if [ -n "$orphans" ]; then
  pattern=$(subst "$orphans")
  for _ in $(seq 100); do  # bounded: up to 10 s for the launcher's kills to land
    pgrep -f -- "$pattern" >/dev/null || break
    sleep 0.1
  done
  if pgrep -f -- "$pattern" >/dev/null; then
    left=$(pgrep -af -- "$pattern")
    # Only what this test started (the pattern holds its private temp dir), by pid.
    for p in $(pgrep -f -- "$pattern"); do kill -KILL "$p" 2>/dev/null || true; done
    fail "processes left behind: $left"
  fi
fi
if [ "$no_output" = 1 ]; then
  [ ! -e "$out" ] || fail "a partial output file was left at $out"
  leftovers=$(ls -A "$tmp/out")
  [ -z "$leftovers" ] || fail "files left in the output directory: $leftovers"
fi
if [ "$only_output" = 1 ]; then
  [ -f "$out" ] || fail "no output file at $out"
  others=$(ls -A "$tmp/out" | grep -vxF "$(basename "$out")" || true)
  [ -z "$others" ] || fail "files beside the output: $others"
fi
if [ -n "$expected" ]; then
  expected=${expected//@TMP@/$tmp}
  cmp -s "$expected" "$out" || { diff -u "$expected" "$out" | head -20 >&2; fail "output differs from $expected"; }
fi
if [ -n "$reference" ]; then
  reference=${reference//@TMP@/$tmp}
  # An independent word count: tr/sort/uniq, same word rule, same order.
  find "$reference" -type f -print0 | sort -z | xargs -0 cat | tr -cs 'A-Za-z0-9' '\n' | tr 'A-Z' 'a-z' \
    | grep -v '^$' | LC_ALL=C sort | uniq -c | awk '{print $2 "\t" $1}' \
    | LC_ALL=C sort -t "$(printf '\t')" -k2,2nr -k1,1 > "$tmp/reference.tsv"
  cmp -s "$tmp/reference.tsv" "$out" || { diff -u "$tmp/reference.tsv" "$out" | head -20 >&2; fail "output differs from the tr|sort|uniq reference"; }
fi
echo "ok (exit $rc, $elapsed_ms ms)"
