#!/usr/bin/env bash
# The out-of-tree plugin test: install this build of Cohort into a temporary
# prefix, build tests/package/consumer against it with find_package(Cohort),
# and run the user's job with the installed cohort program.
#   package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/cohort-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$src/tests/package/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer" >/dev/null
test -f "$work/consumer/libcohort_job_linelength.so"

printf 'ab\ncd\n\nxyz\n' > "$work/in.txt"
"$work/prefix/bin/cohort" run linelength --plugin-path "$work/consumer" \
  --input "$work/in.txt" --output "$work/out.tsv" --quiet
printf '0\t1\n2\t2\n3\t1\n' > "$work/expected.tsv"
diff -u "$work/expected.tsv" "$work/out.tsv"

# The installed cohort finds its own bundled jobs in <prefix>/lib/cohort/jobs.
"$work/prefix/bin/cohort" list | grep -q '^wordcount'
echo "package test: OK"
