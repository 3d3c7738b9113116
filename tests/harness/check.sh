#!/bin/bash
# The harness boundary check (Makefile, HARNESS=1 builds): the kernel
# proper references nothing that a harness object defines.
#   tests/harness/check.sh KERNEL_OBJ... -- HARNESS_OBJ...
# KERNEL_OBJ: nk.o and the outer kernel's objects; HARNESS_OBJ: the objects
# of tests/kernel, tests/attacks, tests/bench, tests/fuzz/kernel and
# tests/coverage. A harness may use the kernel (the other direction); the
# kernel reaches a harness only through the link-time tables it registers
# in (CONSOLE_COMMAND, EXIT_HOOK, EXPORT_SYMBOL). Exits 1, naming each
# kernel object and the harness symbols it references, when one does;
# 0 otherwise; 2 on a usage error or an object nm cannot read.
set -u -o pipefail
kern=() harn=() side=k
for a in "$@"; do
	if [ "$a" = -- ]; then side=h
	elif [ $side = k ]; then kern+=("$a")
	else harn+=("$a"); fi
done
[ ${#kern[@]} -gt 0 ] || { echo "usage: $0 KERNEL_OBJ... -- HARNESS_OBJ..." >&2; exit 2; }
[ ${#harn[@]} -gt 0 ] || exit 0
defs=$(nm --defined-only -g "${harn[@]}" | awk 'NF == 3 { print $3 }' | sort -u) || exit 2
bad=0
for o in "${kern[@]}"; do
	undef=$(nm -u "$o" | awk '{ print $2 }' | sort -u) || exit 2
	hit=$(comm -12 <(printf '%s\n' "$defs") <(printf '%s\n' "$undef"))
	if [ -n "$hit" ]; then
		echo "harness check: kernel object $o references harness symbols:" $hit >&2
		bad=1
	fi
done
exit $bad
