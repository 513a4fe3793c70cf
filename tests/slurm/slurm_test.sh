#!/usr/bin/env bash
# Cohort's Slurm tests, against a real one-node Slurm started by scripts/slurm-local.
#   slurm_test.sh start|stop                 the CTest fixture (stop runs also after failures)
#   slurm_test.sh wordcount COHORT JOBS_DIR  sbatch the template with wordcount, check the output
#   slurm_test.sh srun-no-pmix COHORT        plain srun -n 2: Cohort's "world of one" error, not 2 copies
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
  *) fail "unknown case $1" ;;
esac
