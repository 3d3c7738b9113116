#!/bin/bash
# Host fuzz smoke for `make test` (tests/run-all.sh): replays every seed in
# tests/fuzz/corpus/ (one test each), then a short deterministic libFuzzer
# run from them (-seed=1, -runs=RUNS); any oracle failure fails it. Ends
# with 'fuzz-host: N passed, M failed'.
#   tests/fuzz/smoke-host.sh [RUNS]     (default 400 inputs)
set -u
cd "$(dirname "$0")/../.."
runs=${1:-400}
bin=build/fuzz-host/fuzz_vmmu
out=build/fuzz-host/smoke
pass=0 fail=0
if ! make --no-print-directory fuzz-host-bin; then
	echo "fuzz-host: 0 passed, 1 failed (build)"
	exit 1
fi
rm -rf "$out" && mkdir -p "$out/corpus"
export ASAN_OPTIONS=detect_leaks=0
for seed in tests/fuzz/corpus/*; do
	if "$bin" "$seed" >"$out/replay.log" 2>&1; then
		echo "ok - replay $(basename "$seed")"
		pass=$((pass + 1))
	else
		echo "not ok - replay $(basename "$seed")"
		sed 's/^/    # /' "$out/replay.log" | tail -n 30
		fail=$((fail + 1))
	fi
done
if "$bin" -seed=1 -runs="$runs" -max_len=1024 -artifact_prefix="$out/" \
	"$out/corpus" tests/fuzz/corpus >"$out/run.log" 2>&1; then
	echo "ok - $runs fuzz inputs: $(grep '^fuzz_vmmu:' "$out/run.log")"
	pass=$((pass + 1))
else
	echo "not ok - $runs fuzz inputs (crash input in $out/)"
	grep -A60 'ORACLE FAILURE\|ERROR' "$out/run.log" | sed 's/^/    # /' | head -n 80
	fail=$((fail + 1))
fi
echo "fuzz-host: $pass passed, $fail failed"
[ "$fail" = 0 ]
