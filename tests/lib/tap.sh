# shellcheck shell=bash
# tests/lib/tap.sh: the TAP lines of the shell test runners (tests/*/run.sh).
# Source it, then call `check DESC CMD...` once per test and `finish` last.
#   check DESC CMD...  one test: runs CMD, prints "ok N - DESC" when it
#                      succeeds, else "not ok N - DESC" followed by what the
#                      runner's own `tap_detail` prints, if it defines one
#                      (to be shown as "#   " comment lines)
#   finish             prints "P passed, F failed" and exits 1 if any failed
n=0 passed=0 failed=0

check() {
	local desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
		passed=$((passed + 1))
	else
		echo "not ok $n - $desc"
		failed=$((failed + 1))
		if declare -F tap_detail >/dev/null; then
			tap_detail | sed 's/^/#   /'
		fi
	fi
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
