#!/usr/bin/env bash
# Cohort's Slurm tests, against a real one-node Slurm started by scripts/slurm-local.
#   slurm_test.sh start|stop                 the CTest fixture (stop runs also after failures)
#   slurm_test.sh wordcount COHORT JOBS_DIR  sbatch the template with wordcount, check the output
#   slurm_test.sh srun-no-pmix COHORT        plain srun -n 2: Cohort's "world of one" error, not 2 copies
#   slurm_test.sh requeue COHORT GENERATE [SIG]  sbatch a longer wordcount, `scancel --signal=SIG --batch`
#                                            (USR1, or TERM as scancel/the limit sends it)
#                                            once its journal has a record: it stops cleanly (75),
#                                            requeues itself, resumes, and ends with the output of
#                                            an uninterrupted run
# Environment: COHORT_SLURM_DIR, COHORT_SLURM_PORT (set by CTest), REPO.
set -euo pipefail
repo=${REPO:?}
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || skip "the Slurm tests start slurmd and need root"
export SLURM_CONF=$COHORT_SLURM_DIR/slurm.conf
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

case "$1" in
  start)
    "$repo/scripts/slurm-local" start >/dev/null
    ;;
  stop)
    "$repo/scripts/slurm-local" stop
    ;;
  wordcount)
    cohort=$2 jobs=$3
    work=$(mktemp -d /tmp/cohort-slurm-test.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    # sbatch exports this environment (COHORT_BIN, the OMPI root flags) to the job.
    export COHORT_BIN=$cohort
    rc=0
    timeout 120 sbatch --wait --ntasks=2 --cpus-per-task=1 --time=5 --output="$work/job.log" \
      "$repo/slurm/cohort.sbatch" wordcount --input "$jobs/wordcount/sample/docs" --output "$work/counts.tsv" \
      >/dev/null || rc=$?
    cat "$work/job.log"
    [ "$rc" -eq 0 ] || fail "sbatch --wait exited $rc"
    cmp "$jobs/wordcount/sample/expected.tsv" "$work/counts.tsv" || fail "output differs from the expected file"
    grep -q "srun --mpi=pmix" "$work/job.log" || fail "the template did not launch with srun --mpi=pmix"
    echo "ok"
    ;;
  srun-no-pmix)
    cohort=$2
    work=$(mktemp -d /tmp/cohort-slurm-test.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    rc=0
    timeout 60 srun --mpi=none -n 2 "$cohort" run pi --samples 1000 --output "$work/pi.txt" \
      >"$work/out" 2>"$work/err" || rc=$?
    cat "$work/err"
    [ "$rc" -ne 0 ] || fail "two single-rank copies ran silently (exit 0)"
    grep -q "started 2 tasks" "$work/err" && grep -q "use srun --mpi=pmix" "$work/err" || fail "no clear message naming the 2 tasks and the fix"
    [ ! -e "$work/pi.txt" ] || fail "an output file was written"
    echo "ok"
    ;;
  requeue)
    cohort=$2 generate=$3 sig=${4:-USR1}
    work=$(mktemp -d /tmp/cohort-slurm-test.XXXXXX)
    jid=""
    trap '[ -n "$jid" ] && scancel "$jid" 2>/dev/null; rm -rf "$work"' EXIT
    export COHORT_BIN=$cohort
    mkdir "$work/corpus"
    "$generate" text --size 12M --seed 3 --output "$work/corpus/a.txt" >/dev/null
    args=(wordcount --input "$work/corpus" --split-size 96K --threads 1)
    # The uninterrupted result, from one process (no Slurm, no journal).
    "$cohort" run "${args[@]}" --output "$work/ref.tsv" --quiet
    # Inside a Slurm job the journal defaults to OUTPUT.cohort-journal.
    journal=$work/out.tsv.cohort-journal
    jid=$(COHORT_TEST_HOLD_AFTER=8 sbatch --parsable --ntasks=2 --cpus-per-task=1 --time=5 --output="$work/job.log" \
      "$repo/slurm/cohort.sbatch" "${args[@]}" --output "$work/out.tsv")
    state() { scontrol show job "$jid" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
    restarts() { scontrol show job "$jid" 2>/dev/null | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p'; }
    # Wait until the job holds after 8 map tasks (COHORT_TEST_HOLD_AFTER, the
    # engine's test hook, exported to the job by sbatch), then signal the batch shell.
    deadline=$((SECONDS + 90))
    until grep -q "test hold: 8 map task(s) done" "$work/job.log" 2>/dev/null; do
      st=$(state)
      case "$st" in COMPLETED|FAILED|CANCELLED|TIMEOUT) cat "$work/job.log" 2>/dev/null; fail "job ended ($st) before it reached the hold";; esac
      [ $SECONDS -lt $deadline ] || { cat "$work/job.log" 2>/dev/null; fail "the job did not reach the hold within 90 s (state $st)"; }
      sleep 0.1  # polling a file with a deadline, not ordering events
    done
    scancel --signal="$sig" --batch "$jid"
    # The template forwards it (as USR1), cohort exits 75, the template requeues the job.
    deadline=$((SECONDS + 60))
    until [ "$(restarts)" = 1 ] && [ "$(state)" = PENDING ]; do
      [ $SECONDS -lt $deadline ] || { cat "$work/job.log"; fail "the job was not requeued within 60 s (state $(state), restarts $(restarts))"; }
      sleep 0.2
    done
    [ ! -e "$work/out.tsv" ] || fail "the stopped run left an output file"
    [ -s "$journal" ] || fail "no journal after the stop"
    # The template requeued the job. Slurm makes a requeued job wait ~2 min
    # before it is eligible, and forcing it to start at once can hit "Job
    # credential revoked" on a one-node test cluster. So the test cancels the
    # requeued copy and resubmits the same command (the same output, so the
    # same journal): what a user does after a stop outside Slurm's requeue.
    requeued=$jid
    scancel "$requeued"
    jid=$(sbatch --parsable --ntasks=2 --cpus-per-task=1 --time=5 --output="$work/job.log" \
      "$repo/slurm/cohort.sbatch" "${args[@]}" --output "$work/out.tsv")
    deadline=$((SECONDS + 120))
    while :; do
      st=$(state)
      case "$st" in COMPLETED) break ;; FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) cat "$work/job.log"; fail "the resumed job ended $st" ;; esac
      [ $SECONDS -lt $deadline ] || { cat "$work/job.log"; fail "the resumed job did not complete within 120 s (state $st)"; }
      sleep 0.2
    done
    jid_done=$jid
    jid=""
    cat "$work/job.log"
    grep -q "cohort.sbatch: got SIG$sig" "$work/job.log" || fail "the template did not get SIG$sig"
    grep -q "stopped early in the map phase" "$work/job.log" || fail "no clean stop in the job log"
    grep -q "(exit 75)" "$work/job.log" || fail "the stop did not exit 75"
    grep -q "requeued job $requeued" "$work/job.log" || fail "the template did not requeue the job"
    grep -q "job $jid_done (restart 0)" "$work/job.log" || fail "no second run (the resubmitted job)"
    grep -q "resumed: [1-9][0-9]* of 128 map tasks" "$work/job.log" || fail "the second run did not resume from the journal"
    cmp "$work/ref.tsv" "$work/out.tsv" || fail "the resumed output differs from an uninterrupted run's"
    [ ! -e "$journal" ] || fail "the journal is still there after success"
    echo "ok"
    ;;
  *) fail "unknown case $1" ;;
esac
