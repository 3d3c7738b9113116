#!/bin/bash
# Tests of the format-string checker (tools/fmtcheck.py), and the check
# itself on the tree: every format string passed to a printf-like function
# in nk/ outer/ drivers/ policies/ lib/ include/ uses only what lib/fmt.c
# supports. tests/fmtcheck/bad.c holds one refused format per line,
# good.c every supported form.
#
#   tests/fmtcheck/run.sh [OUTDIR]     (default build/tests/fmtcheck)
#
# Prints "ok N - desc" / "not ok N - desc", then "P passed, F failed";
# exits 1 if any check failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/tests/fmtcheck}
mkdir -p "$out"
checker=$root/tools/fmtcheck.py
rc=0
. "$root/tests/lib/tap.sh"

tap_detail() { # on a failed check: the last run's exit code and output
	echo "exit code $rc"
	tail -n 40 "$out/stdout" 2>/dev/null
}

run() { # run ARGS...: the checker; sets rc, keeps its output in $out/stdout
	(cd "$root" && python3 "$checker" "$@") >"$out/stdout" 2>&1
	rc=$?
}

says() { # says TEXT: the last run's output contains the fixed string TEXT
	grep -qF -- "$1" "$out/stdout"
}

# --- the tree ------------------------------------------------------------

# the kernel and its harnesses (the Makefile's FMTCHECK_PATHS)
run --list nk outer drivers policies lib include tests/kernel tests/attacks tests/bench tests/fuzz/kernel tests/coverage
check "the tree's format strings use only conversions and flags lib/fmt.c supports" \
	eval '[ "$rc" -eq 0 ] && says " 0 problems"'
check "the tree's printf-like functions are all found (kprintf ksnprintf panic_at nk_printf panic FAIL)" \
	eval 'says "kprintf(format arg 1)" && says "ksnprintf(format arg 3)" && says "panic_at(format arg 3)" &&
	      says "nk_printf(format arg 1)" && says "panic(format arg 1)" && says "FAIL(format arg 1)"'
calls=$(sed -n 's/^fmtcheck: \([0-9]*\) calls, \([0-9]*\) format.*/\2/p' "$out/stdout")
check "at least 200 format strings checked in the tree (found ${calls:-none})" \
	eval '[ "${calls:-0}" -ge 200 ]'

# --- supported forms -------------------------------------------------------

run tests/fmtcheck/good.c
check "good.c: every supported conversion, flag, width, precision and length passes" \
	eval '[ "$rc" -eq 0 ] && says "9 format strings checked, 0 problems"'
compile_good() {
	gcc -std=c11 -Wall -Wextra -Werror -fsyntax-only "$here/good.c" >"$out/stdout" 2>&1
}
check "good.c compiles with -Wall -Wextra -Werror (the compiler's format check agrees)" compile_good

# --- refused forms ---------------------------------------------------------

run tests/fmtcheck/bad.c
check "bad.c: the checker exits 1 with 15 problems" eval '[ "$rc" -eq 1 ] && says " 15 problems"'
expect_line() { # expect_line LINE TEXT: bad.c:LINE is reported with TEXT
	says "tests/fmtcheck/bad.c:$1: " && grep -F -- "tests/fmtcheck/bad.c:$1: " "$out/stdout" | grep -qF -- "$2"
}
check "bad.c:28 %f refused" expect_line 28 "conversion 'f' is not supported"
check "bad.c:29 %n refused" expect_line 29 "conversion 'n' is not supported"
check "bad.c:30 # with d refused" expect_line 30 "flag '#' is undefined with %d"
check "bad.c:31 %lc refused" expect_line 31 "with %c (wide characters)"
check "bad.c:32 0 with s refused" expect_line 32 "flag '0' is undefined with %s"
check "bad.c:33 a variable format refused" expect_line 33 "not a string literal (msg)"
check "bad.c:34 %Lf refused" expect_line 34 "'%Lf'"
check "bad.c:35 a positional argument refused (through the panic macro)" expect_line 35 "positional"
check "bad.c:36 %q refused (through a FAIL macro)" expect_line 36 "conversion 'q' is not supported"
check "bad.c:37 + with u refused" expect_line 37 "flag '+' is only for d i"
check "bad.c:38 precision with p refused" expect_line 38 "precision is undefined with %p"
check "bad.c:39 a dangling % refused" expect_line 39 "has no conversion"
check "bad.c:40 %5% refused" expect_line 40 "%% takes no flags"
check "bad.c:41 a bad conversion in concatenated literals refused" expect_line 41 "(thousands)"
check "bad.c:17 a printf-like function without the format attribute refused" \
	expect_line 17 "klog formats with fmt_vsnprintf but has no __attribute__"
check "bad.c:43 a good format beside them is not reported" eval '! says "bad.c:43:"'

# a bad format planted in a copy of a real file is found
cp "$root/outer/modelf.c" "$out/modelf_bad.c"
sed -i 's/relocation at %#lx outside/relocation at %#s outside/' "$out/modelf_bad.c"
run include "$out/modelf_bad.c"
check "a planted %#s in a copy of outer/modelf.c is refused, naming it" \
	eval '[ "$rc" -eq 1 ] && says "modelf_bad.c:" && says "'"'"'%#s'"'"': flag '"'"'#'"'"' is undefined with %s"'
run no/such/dir
check "a missing path is a usage error (exit 2)" eval '[ "$rc" -eq 2 ]'

finish
