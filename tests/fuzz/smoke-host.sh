#!/bin/bash
# Host fuzz smoke for `make test` (tests/run-all.sh), for each libFuzzer
# harness: fuzz_vmmu (nk's vMMU), fuzz_acpi (nk's ACPI parser), fuzz_modelf
# (the module loader) and fuzz_execelf (execve's ELF checks). Replays every seed (one test each),
# then a short deterministic run from them (-seed=1, -runs=N); any oracle
# failure or sanitizer report fails it. Ends with
# 'fuzz-host: N passed, M failed'.
#   tests/fuzz/smoke-host.sh [RUNS]     (fuzz_vmmu inputs, default 400;
#                                        the ACPI parser and the loaders run
#                                        50 and 500 times as many)
# Seeds: tests/fuzz/corpus/ (vMMU call sequences); build/fuzz-host/seeds-acpi/
# (tests/fuzz/mkacpi.py's tables); build/fuzz-host/seeds-modelf/
# (driver and attack .ko files) and tests/fuzz/corpus-modelf/ (inputs that
# once crashed the loader); build/fuzz-host/seeds-execelf/ (tests/fuzz/mkelf.py).
set -u
cd "$(dirname "$0")/../.."
runs=${1:-400}
out=build/fuzz-host/smoke
pass=0 fail=0
if ! make --no-print-directory fuzz-host-bin; then
	echo "fuzz-host: 0 passed, 1 failed (build)"
	exit 1
fi
rm -rf "$out" && mkdir -p "$out"
export ASAN_OPTIONS=detect_leaks=0

# smoke NAME RUNS MAX_LEN SEED_DIR...: replay each seed, then RUNS inputs
smoke() {
	local name=$1 n=$2 max_len=$3
	shift 3
	local bin=build/fuzz-host/$name
	mkdir -p "$out/$name"
	for seed in $(find "$@" -maxdepth 1 -type f | sort); do
		if "$bin" "$seed" >"$out/replay.log" 2>&1; then
			echo "ok - $name replay $(basename "$seed")"
			pass=$((pass + 1))
		else
			echo "not ok - $name replay $(basename "$seed")"
			sed 's/^/    # /' "$out/replay.log" | tail -n 30
			fail=$((fail + 1))
		fi
	done
	if "$bin" -seed=1 -runs="$n" -max_len="$max_len" -artifact_prefix="$out/$name-" \
		"$out/$name" "$@" >"$out/$name.log" 2>&1; then
		echo "ok - $n $name inputs: $(grep "^$name:" "$out/$name.log")"
		pass=$((pass + 1))
	else
		echo "not ok - $n $name inputs (crash input in $out/)"
		grep -A60 'ORACLE FAILURE\|ERROR' "$out/$name.log" | sed 's/^/    # /' | head -n 80
		fail=$((fail + 1))
	fi
}

smoke fuzz_vmmu "$runs" 1024 tests/fuzz/corpus
smoke fuzz_acpi $((runs * 50)) 4096 build/fuzz-host/seeds-acpi
smoke fuzz_modelf $((runs * 500)) 16384 build/fuzz-host/seeds-modelf tests/fuzz/corpus-modelf
smoke fuzz_execelf $((runs * 500)) 8192 build/fuzz-host/seeds-execelf
echo "fuzz-host: $pass passed, $fail failed"
[ "$fail" = 0 ]
