#!/bin/bash
# The run half of `make coverage` (tools/coverage.mk builds first):
#   tools/coverage.sh HOST_TEST_BINARIES...
# Runs the gcov-built host tests, boots the coverage kernels through the
# QEMU suite with isa-debugcon capturing each boot's gcov stream, turns every
# stream into .gcda files and a gcovr tracefile, and merges them all into
# $COV_OUT/index.html (per-line detail) and $COV_OUT/summary.json.
# Prints coverage per directory. Exits non-zero if a test or a stream failed
# (the report is still written).
set -u
cd "$(dirname "$0")/.."
out=${COV_OUT:-build/coverage} host=${COV_HOST:-build/coverage-host} kern=${COV_KERN:-build/coverage-kernel}
rm -rf "$out" "$kern/streams" "$kern/out"
mkdir -p "$out/tracefiles" "$kern/streams" "$kern/out"
status=0
filters=(--filter 'nk/' --filter 'policies/' --filter 'outer/' --filter 'drivers/' --filter 'lib/')

echo "=== coverage: host unit tests (gcov)"
for t in "$@"; do
	if ! "$t" >"$t.log" 2>&1; then
		echo "coverage: $t failed (log: $t.log)"
		status=1
	fi
done
gcovr -r . --json "$out/tracefiles/host.json" "$host" || status=1

echo "=== coverage: QEMU suite on the coverage kernels"
NK_ISO=$kern/nk.iso NATIVE_ISO=$kern/native.iso NK_TEST_OUT=$kern/out NK_DEBUGCON_DIR=$kern/streams \
	python3 tests/qemu/run.py suite >"$kern/out/suite.log" 2>&1 || status=1
tail -n 1 "$kern/out/suite.log"

echo "=== coverage: kernel gcov streams"
for s in "$kern"/streams/*.bin; do
	name=$(basename "$s" .bin)
	find "$kern" -name '*.gcda' -delete
	if [ ! -s "$s" ]; then
		echo "coverage: $name: no stream (boot ended in nk, e.g. the no-SMEP refusal)"
		continue
	fi
	python3 tools/coverage.py gcda "$s" --under "$kern" || { status=1; continue; }
	gcovr -r . --json "$out/tracefiles/kernel-$name.json" "$kern" || status=1
done
find "$kern" -name '*.gcda' -delete

echo "=== coverage: merged report"
traces=()
for f in "$out"/tracefiles/*.json; do traces+=(--add-tracefile "$f"); done
gcovr -r . "${traces[@]}" "${filters[@]}" --html-details "$out/index.html" \
	--json-summary "$out/summary.json" --json-summary-pretty || status=1
python3 tools/coverage.py summary "$out/summary.json" || status=1
echo "report: $out/index.html, $out/summary.json"
exit $status
