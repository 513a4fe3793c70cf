#!/usr/bin/env bash
# Resumable runs of the real `cohort` program under mpirun (label journal).
#
#   journal_test.sh CASE COHORT GENERATE MPIRUN
#     resume     wordcount on a generated corpus (64 splits), interrupted with
#                SIGUSR1 to mpirun (which forwards it to every rank) once the
#                journal holds a record: exit 75, no output; the same command
#                again resumes ("resumed: K of 64") and its output equals an
#                uninterrupted run's; the journal is gone afterwards
#     sigterm    the same, but SIGTERM to every rank at once (Slurm's time
#                limit): the workers must not die of it
#     mismatch   an interrupted journal and another input: exit 6, naming the
#                journal and the input that differs; the journal is kept
#     torn       an interrupted journal whose last record is torn (cut short)
#                still resumes, and the output is right
#     garbage    --journal naming a file that is not a journal: exit 6
#     shuffle    the same as resume with COHORT_SHUFFLE=files: map results in
#                scratch files, which must survive the stop beside the journal
#                (j.shuffle/) and be removed once the resumed run succeeds
#     kmeans     an iterative job interrupted after some rounds resumes from
#                its journaled rounds and ends with the uninterrupted centroids
set -euo pipefail
case_=$1 cohort=$2 generate=$3 mpirun=$4
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cohort-journal.XXXXXX")
pid=""
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL ($case_): $*" >&2
  for f in "$tmp"/*.err; do [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
  exit 1
}
cd "$tmp"

run() {  # run NAME ARGS...: the job under mpirun -n 3, stderr in NAME.err; sets rc
  local name=$1; shift
  rc=0
  "$mpirun" -n 3 --oversubscribe "$cohort" run "$@" --threads 1 2>"$name.err" >/dev/null || rc=$?
}

# Starts the job in the background with the engine's test hook
# COHORT_TEST_HOLD_AFTER=$2 (after $2 map tasks, across rounds, it dispatches
# nothing more until a stop is requested) and waits (deadline 60 s) until the
# job says it is holding; then sends signal $1 (to mpirun, or "ranks": SIGTERM
# to each rank). The stop thus lands at a known point on any machine speed.
interrupt() {
  local how=$1 hold=$2; shift 2
  COHORT_TEST_HOLD_AFTER=$hold "$mpirun" -n 3 --oversubscribe "$cohort" run "$@" --threads 1 --journal "$tmp/j" \
    2>stopped.err >/dev/null &
  pid=$!
  local deadline=$((SECONDS + 60))
  until grep -q "test hold: $hold map task(s) done" stopped.err 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || fail "the job ended before it reached the hold after $hold map tasks"
    [ $SECONDS -lt $deadline ] || fail "the job did not reach the hold within 60 s"
    sleep 0.05  # polling a file with a deadline, not ordering events
  done
  if [ "$how" = ranks ]; then
    kill -TERM $(pgrep -P "$pid") || fail "no ranks under mpirun $pid"
  else
    kill -"$how" "$pid"
  fi
  rc=0
  wait "$pid" || rc=$?
  pid=""
  [ "$rc" -eq 75 ] || fail "interrupted run exited $rc, expected 75"
  grep -q "stopped early" stopped.err || fail "no 'stopped early' message"
  [ ! -e out.tsv ] || fail "the interrupted run left an output file"
  [ -s "$tmp/j" ] || fail "no journal after the interrupted run"
}

resumed_count() {  # "resumed: K of N" -> K (N must be $2)
  local line
  line=$(grep -o "resumed: [0-9]* of [0-9]* map tasks" "$1" || true)
  [ -n "$line" ] || fail "no 'resumed: K of N map tasks' line in $1"
  set -- $line "$2"
  [ "$4" -eq "$7" ] || fail "resumed $2 of $4 tasks, expected N = $7"
  echo "$2"
}

wordcount_setup() {
  mkdir corpus other
  "$generate" text --size 6M --seed 3 --output corpus/a.txt >/dev/null
  "$generate" text --size 6M --seed 4 --output other/a.txt >/dev/null
  wc_args=(wordcount --input "$tmp/corpus" --split-size 96K)
  run ref "${wc_args[@]}" --output "$tmp/ref.tsv"
  [ "$rc" -eq 0 ] || fail "uninterrupted run exited $rc"
  grep -q "64 split(s)" ref.err || fail "expected 64 splits: $(cat ref.err)"
}

check_resume() {  # reruns the interrupted command; output must equal ref.tsv
  run resume "${wc_args[@]}" --output "$tmp/out.tsv" --journal "$tmp/j"
  [ "$rc" -eq 0 ] || fail "the resumed run exited $rc"
  cmp -s ref.tsv out.tsv || fail "the resumed output differs from the uninterrupted run's"
  local k
  k=$(resumed_count resume.err 64)
  [ "$k" -ge "$1" ] || fail "resumed only $k tasks, expected at least $1"
  [ ! -e "$tmp/j" ] || fail "the journal is still there after success"
  echo "resumed $k of 64 map tasks; output identical"
}

case "$case_" in
  resume)
    wordcount_setup
    interrupt USR1 8 "${wc_args[@]}" --output "$tmp/out.tsv"
    check_resume 8
    ;;
  shuffle)
    export COHORT_SHUFFLE=files
    wordcount_setup
    interrupt USR1 8 "${wc_args[@]}" --output "$tmp/out.tsv"
    ls j.shuffle/map-0-*.bin >/dev/null 2>&1 || fail "no map files kept in j.shuffle/ beside the journal"
    check_resume 8
    [ ! -e j.shuffle ] || fail "j.shuffle/ is still there after success"
    ;;
  sigterm)
    wordcount_setup
    interrupt ranks 8 "${wc_args[@]}" --output "$tmp/out.tsv"
    grep -q "SIGTERM" stopped.err || fail "the stop message does not name SIGTERM"
    check_resume 8
    ;;
  mismatch)
    wordcount_setup
    interrupt USR1 8 "${wc_args[@]}" --output "$tmp/out.tsv"
    run other wordcount --input "$tmp/other" --split-size 96K --output "$tmp/out.tsv" --journal "$tmp/j"
    [ "$rc" -eq 6 ] || fail "a journal of another input: exit $rc, expected 6"
    grep -q "journal '$tmp/j' belongs to another run" other.err || fail "the message does not name the journal"
    grep -q "input file list" other.err || fail "the message does not say the input differs"
    [ ! -e out.tsv ] || fail "output written despite the mismatch"
    run opts "${wc_args[@]}" --top 5 --output "$tmp/out.tsv" --journal "$tmp/j"
    [ "$rc" -eq 6 ] && grep -q "job options" opts.err || fail "other options: exit $rc, or no 'job options' in the message"
    check_resume 8  # the journal was left alone
    ;;
  torn)
    wordcount_setup
    interrupt USR1 8 "${wc_args[@]}" --output "$tmp/out.tsv"
    size=$(stat -c %s j)
    truncate -s $((size - 5)) j  # the last record loses its end, as in a crash mid-append
    printf 'x' >> j               # and a stray byte after it
    run resume "${wc_args[@]}" --output "$tmp/out.tsv" --journal "$tmp/j"
    [ "$rc" -eq 0 ] || fail "a journal with a torn tail: exit $rc"
    cmp -s ref.tsv out.tsv || fail "output differs after resuming a torn journal"
    resumed_count resume.err 64 >/dev/null
    echo "torn tail ignored; output identical"
    ;;
  garbage)
    printf 'the\t3\n' > j
    run garbage pi --samples 1000000 --output "$tmp/out.tsv" --journal "$tmp/j"
    [ "$rc" -eq 6 ] || fail "a garbage journal: exit $rc, expected 6"
    grep -q "'$tmp/j' is not a Cohort journal" garbage.err || fail "the message does not name the file"
    [ ! -e out.tsv ] || fail "output written"
    [ "$(cat j)" = "$(printf 'the\t3')" ] || fail "the file was changed"
    echo "refused"
    ;;
  kmeans)
    "$generate" points --count 100000 --dims 2 --clusters 5 --seed 2 --output pts.csv >/dev/null
    km_args=(kmeans --input "$tmp/pts.csv" --k 5 --iterations 12 --tolerance 0 --split-size 256K)
    run ref "${km_args[@]}" --output "$tmp/ref.tsv"
    [ "$rc" -eq 0 ] || fail "uninterrupted kmeans exited $rc"
    # Hold in round 3 (8 map tasks a round): two whole rounds are journaled.
    interrupt USR1 20 "${km_args[@]}" --output "$tmp/out.tsv"
    run resume "${km_args[@]}" --output "$tmp/out.tsv" --journal "$tmp/j"
    [ "$rc" -eq 0 ] || fail "resumed kmeans exited $rc"
    cmp -s ref.tsv out.tsv || fail "resumed centroids differ from the uninterrupted run's"
    grep -q "rounds from the journal" resume.err || fail "no rounds were resumed: $(cat resume.err)"
    grep -o "resumed: .*" resume.err
    ;;
  *) fail "unknown case" ;;
esac
echo ok
