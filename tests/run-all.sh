#!/bin/bash
# Runs every test level (style.md rule 11) and ends with one line
# 'N passed, M failed' over all of them: host unit tests (cmocka), the
# post-link scanner tests, the harness boundary check, the format-string checker (tools/fmtcheck.py),
# the QEMU integration tests and attacks, a short fuzz smoke of the vMMU
# and the ELF loaders on the host and of the vMMU in QEMU (tests/fuzz/),
# and a smoke run of the benchmark harness.
set -u
cd "$(dirname "$0")/.."
mkdir -p build/logs
total_p=0 total_f=0 broken=""

stage() { # stage NAME COMMAND...: run, echo, add its 'N passed, M failed'
	local name=$1; shift
	echo "=== $name"
	"$@" 2>&1 | tee "build/logs/stage-$name.log"
	local rc=${PIPESTATUS[0]}
	local line
	line=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "build/logs/stage-$name.log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$name: no result line (exit $rc)"
		total_f=$((total_f + 1)); broken="$broken $name"
		return
	fi
	local p f
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	total_p=$((total_p + p)); total_f=$((total_f + f))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		total_f=$((total_f + 1)); broken="$broken $name"
	fi
}

# make lint (cppcheck over nk, outer, drivers, policies, lib), as a stage
lint() {
	if make --no-print-directory lint; then echo "lint: 1 passed, 0 failed"; else echo "lint: 0 passed, 1 failed"; return 1; fi
}
stage lint lint
# clang-format (.clang-format) over every tracked C file: a stage too
format_check() {
	local bad=0 n=0 f
	for f in $(git ls-files '*.c' '*.h'); do
		n=$((n + 1))
		clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || { echo "format: $f differs from clang-format (make format)"; bad=$((bad + 1)); }
	done
	echo "format: $((n - bad)) passed, $bad failed"
	[ "$bad" = 0 ]
}
stage format format_check
stage host make --no-print-directory -f tests/host/host.mk host-test
stage scanner bash tests/scanner/run.sh build/tests/scanner
# the kernel proper references no harness symbol; a kernel file that calls
# a harness function fails the check
stage harness bash tests/harness/run.sh build/tests/harness
stage fmtcheck bash tests/fmtcheck/run.sh build/tests/fmtcheck
# issue 17: the full QEMU suite at 2 CPUs (SMP=2: tools/qemu.py's -smp for
# every boot that does not name its own count), and a subset at 1 and at 4
# CPUs: the in-kernel tests (ktest all), the user-space suite (with
# fork_leak_smp, the 200-cycle leak test on every CPU at once) and the
# attack modules, nested build (tests/qemu/run.py subset)
stage qemu env SMP=2 python3 tests/qemu/run.py suite
stage qemu-smp1 env SMP=1 python3 tests/qemu/run.py subset
stage qemu-smp4 env SMP=4 python3 tests/qemu/run.py subset
# the MMU oracle's self-test: nk built with each deliberate validator break
# of tests/kernel/breaks/*.patch (on a copy of the tree); the oracle must
# report a mismatch for each
stage breaks bash tests/kernel/breaks/run.sh
stage fuzz-host tests/fuzz/smoke-host.sh
stage fuzz-kernel tests/fuzz/smoke-kernel.sh
# the benchmark harness, smoke only: both builds, one sample, icount, one
# short run of each macro workload; checks that every workload ran (the
# macro ones: and verified their output) and the report was written (no
# speed assertion)
stage bench python3 tools/bench.py --quick

[ -n "$broken" ] && echo "stages that did not finish cleanly:$broken"
echo "$total_p passed, $total_f failed"
[ "$total_f" = 0 ]
