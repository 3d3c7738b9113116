#!/bin/bash
# Kernel fuzz smoke for `make test` (tests/run-all.sh): builds the fuzz
# kernel (build/fuzz/), runs kcov's KTAP bounds test and a short
# deterministic fuzz run (CALLS vMMU calls, seed 1). Ends with
# 'kfuzz: N passed, M failed'.
#   tests/fuzz/smoke-kernel.sh [CALLS]     (default 1000)
set -u
cd "$(dirname "$0")/../.."
if ! make --no-print-directory -j2 fuzz-kernel-iso >build/logs/fuzz-kernel-build.log 2>&1; then
	tail -n 20 build/logs/fuzz-kernel-build.log
	echo "kfuzz: 0 passed, 1 failed (build)"
	exit 1
fi
exec python3 tests/fuzz/kfuzz.py --calls "${1:-1000}" --seed 1
