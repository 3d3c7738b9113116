#!/bin/bash
# Tests of the harness boundary check (tests/harness/check.sh, run by the
# Makefile before every HARNESS=1 kernel link): the built kernel passes it,
# a kernel file calling a harness function fails it (naming the object and
# the symbol), a kernel file calling only kernel code passes, and the
# HARNESS=0 image holds no harness symbol. Needs the nested build
# (build/nested, build/nested-noharness: make test builds both).
#   tests/harness/run.sh [OUTDIR]     (default build/tests/harness)
# Ends with 'N passed, M failed'.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${1:-build/tests/harness}
mkdir -p "$out"
. tests/lib/tap.sh

objs=build/nested/link-objs.txt
kern=() harn=()
if [ -f "$objs" ]; then
	for o in $(cat "$objs"); do
		case $o in
		*/outer_tests/*) harn+=("$o") ;;
		*/nk/*) ;; # nk's objects: checked as nk.o
		*) kern+=("$o") ;;
		esac
	done
	kern+=(build/nested/nk.o)
fi
check "the nested build's link objects are there (${#kern[@]} kernel, ${#harn[@]} harness)" \
	eval '[ ${#kern[@]} -gt 10 ] && [ ${#harn[@]} -ge 8 ]'
check "the Makefile ran the check before linking the HARNESS=1 kernel" \
	test -f build/nested/harness-check.ok
check "the kernel proper references no harness symbol" \
	tests/harness/check.sh "${kern[@]}" -- "${harn[@]}"

KCFLAGS="-std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pie -fno-pic -mno-red-zone \
	-mcmodel=kernel -mgeneral-regs-only -fno-stack-protector -fno-builtin -Iinclude"
# shellcheck disable=SC2086
gcc $KCFLAGS -c tests/harness/calls_harness.c -o "$out/calls_harness.o" &&
	gcc $KCFLAGS -c tests/harness/calls_kernel.c -o "$out/calls_kernel.o"
check "the fixtures compile" test -f "$out/calls_harness.o" -a -f "$out/calls_kernel.o"

tests/harness/check.sh "${kern[@]}" "$out/calls_harness.o" -- "${harn[@]}" 2> "$out/bad.err"
rc=$?
check "a kernel file calling a harness function (attack_snap) fails the check (exit $rc)" test $rc = 1
check "the failure names the object and the symbol" \
	eval 'grep -q "calls_harness.o references harness symbols: attack_snap" "$out/bad.err"'
check "only that object is named" eval '[ "$(wc -l < "$out/bad.err")" = 1 ]'
check "a kernel file calling only kernel functions passes" \
	tests/harness/check.sh "${kern[@]}" "$out/calls_kernel.o" -- "${harn[@]}"
tests/harness/check.sh 2> /dev/null
check "no kernel objects: a usage error (exit 2)" test $? = 2

elf=build/nested-noharness/kernel.elf
check "the HARNESS=0 kernel holds none of the harness's symbols" \
	eval '[ -f "$elf" ] && ! nm "$elf" | awk "{ print \$3 }" | grep -qx -e attack_snap -e kt_expect_at -e cov_dump -e attack_gate_jump'
check "the HARNESS=0 kernel still has the console table" \
	eval 'nm "$elf" | grep -q " __console_cmds_start$"'

finish
