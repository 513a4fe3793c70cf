#!/usr/bin/env bash
# Runs every fuzz target (or those named) for a bounded time against its seed
# corpus. Used by .ci/run; by hand:
#
#   cmake --preset fuzz && cmake --build --preset fuzz
#   tests/fuzz/run.sh build/fuzz 300                 # 5 minutes per target
#   tests/fuzz/run.sh build/fuzz 60 envelope codec   # just these two
#
# New inputs the fuzzer finds go to <build>/fuzz/corpus/<target> (kept between
# runs; the committed seeds in tests/fuzz/corpus are only read). A crash, leak,
# UB report or timeout stops that target, saves the input under
# <build>/fuzz/artifacts/<target>/ and prints its path and how to replay it;
# the script then goes on with the next target and exits 1 at the end.
# Prints one summary line per target: executions, new corpus entries, verdict.
set -uo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
build=$(cd "$1" && pwd) || exit 2
seconds=$2
shift 2
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(envelope task_batch result_batch arrays codec plugin_descriptor)

# UB in the libraries is a crash too (they are built to recover by default).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

failed=()
summary=()
for t in "${targets[@]}"; do
  exe=$build/bin/fuzz_$t
  if [ ! -x "$exe" ]; then
    echo "fuzz: no $exe (build the fuzz preset first)" >&2
    failed+=("$t")
    continue
  fi
  work=$build/fuzz/corpus/$t
  artifacts=$build/fuzz/artifacts/$t
  log=$build/fuzz/$t.log
  mkdir -p "$work" "$artifacts"
  before=$(find "$work" -type f | wc -l)
  echo "fuzz: $t for ${seconds}s (log: $log)"
  "$exe" -max_total_time="$seconds" -timeout=10 -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" "$here/corpus/$t" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  added=$(( $(find "$work" -type f | wc -l) - before ))
  if [ $rc -eq 0 ]; then
    summary+=("$(printf '%-18s %12s executions  %4s new inputs  ok' "$t" "${execs:-?}" "$added")")
  else
    failed+=("$t")
    summary+=("$(printf '%-18s %12s executions  %4s new inputs  FAILED (exit %s)' "$t" "${execs:-?}" "$added" "$rc")")
    echo "fuzz: $t FAILED (exit $rc); the report:" >&2
    grep -E 'ERROR|runtime error|invariant violated|SUMMARY|^    #[0-9]+ ' "$log" | head -40 >&2
    for a in $(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log"); do
      echo "fuzz: input saved: $a" >&2
      echo "fuzz: replay it:   $exe $a" >&2
    done
  fi
done

echo
echo "fuzz summary (${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failing targets: ${failed[*]} (inputs under $build/fuzz/artifacts)" >&2
  exit 1
fi
