#!/usr/bin/env bash
# One end-to-end case of the real `cohort` program.
#
#   run_case.sh [options] -- COMMAND...      (COMMAND may contain @OUT@ and @TMP@)
#     --expect-rc N         exit status expected (default 0)
#     --expected FILE       the output must equal FILE byte for byte
#     --reference wordcount-of DIR   the output must equal an independent count of DIR
#     --stderr-has TEXT     stderr must contain TEXT (repeatable; fixed strings)
#     --no-output           the output file must not exist afterwards (no partial file)
#     --setup CMD           a shell command run first in @TMP@ (e.g. to make bad inputs)
#
# @OUT@ becomes a fresh output path in a private temp dir @TMP@, removed at the end.
set -euo pipefail
expect_rc=0 expected="" reference="" no_output=0 setup=""
stderr_has=()
while [ $# -gt 0 ]; do
  case "$1" in
    --expect-rc) expect_rc=$2; shift 2 ;;
    --expected) expected=$2; shift 2 ;;  # may use @TMP@
    --reference) reference=$3; shift 3 ;;
    --stderr-has) stderr_has+=("$2"); shift 2 ;;
    --no-output) no_output=1; shift ;;
    --setup) setup=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "run_case.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cohort-e2e.XXXXXX")
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
out=$tmp/out/result.txt
mkdir -p "$tmp/out"
if [ -n "$setup" ]; then (cd "$tmp" && eval "$setup"); fi
cmd=()
for a in "$@"; do a=${a//@OUT@/$out}; cmd+=("${a//@TMP@/$tmp}"); done

set +e
"${cmd[@]}" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
set -e
fail() {
  echo "FAIL: $*" >&2
  echo "--- command: ${cmd[*]}" >&2
  echo "--- exit status: $rc" >&2
  echo "--- stderr:" >&2; head -c 4000 "$tmp/stderr" >&2
  exit 1
}
[ "$rc" -eq "$expect_rc" ] || fail "exit status $rc, expected $expect_rc"
for s in "${stderr_has[@]}"; do
  a=${s//@OUT@/$out}; a=${a//@TMP@/$tmp}
  grep -qF -- "$a" "$tmp/stderr" || fail "stderr does not contain: $a"
done
if [ "$no_output" = 1 ]; then
  [ ! -e "$out" ] || fail "a partial output file was left at $out"
  leftovers=$(ls -A "$tmp/out")
  [ -z "$leftovers" ] || fail "files left in the output directory: $leftovers"
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
echo "ok (exit $rc)"
