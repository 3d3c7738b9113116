#!/bin/bash
# The suite's self-test (issues 16, 17): for each deliberate break of nk in
# tests/kernel/breaks/*.patch, build the nested kernel with that break and
# run the test that must catch it; the row passes only if that test fails,
# i.e. if it would have caught the bug. By default the test is the MMU
# oracle's deterministic subset (run=test:mmu_oracle), which must report a
# mismatch or a violation. A patch whose text before the diff has a line
#   # break-test: NAME CPUS
# runs the in-kernel test NAME instead (run=test:NAME at -smp CPUS), which
# must print its KTAP result 'not ok N NAME' (a boot that ends without that
# line, in a panic or a timeout, does not count as caught).
# nk's own sources are never changed: each
# break is applied to a copy of the tree under build/breaks/NAME/, which
# starts from a copy of this tree's build outputs (mtimes kept) so that only
# the patched nk object, the link and the ISO are redone.
#
#   tests/kernel/breaks/run.sh [PATCH...]   needs build/nk.iso's outputs (make NK=1 iso)
#
# Ends with 'breaks: N passed, M failed' (tests/run-all.sh reads it).
set -u
cd "$(dirname "$0")/../../.."
root=$PWD
pass=0 fail=0
patches=("$@") # the patches named on the command line, else every one
[ ${#patches[@]} = 0 ] && patches=(tests/kernel/breaks/*.patch)
for patch in "${patches[@]}"; do
	name=$(basename "$patch" .patch)
	dst=build/breaks/$name
	rm -rf "$dst" && mkdir -p "$dst/build"
	# the tracked sources (as they are in the working tree), then the build
	# outputs the nested image is made of, both with their mtimes
	git ls-files -z | cpio -0 -pdm --quiet "$dst"
	for d in gen tools nested modules user initramfs.cpio; do
		[ -e "build/$d" ] && cp -a "build/$d" "$dst/build/"
	done
	if ! patch -s -p1 -d "$dst" < "$patch"; then
		echo "not ok - break $name: the patch no longer applies to nk (regenerate it)"
		fail=$((fail + 1)); continue
	fi
	if ! make -s -C "$dst" NK=1 iso > "$dst/build.log" 2>&1; then
		echo "not ok - break $name: the broken nk does not build (see $dst/build.log)"
		fail=$((fail + 1)); continue
	fi
	sel=$(sed -n 's/^# break-test: *//p' "$patch" | head -n 1)
	if [ -n "$sel" ]; then
		read -r test cpus <<<"$sel"
		cpus=${cpus:-2}
		out=$(cd "$dst" && python3 - "$root" "$name" "$test" "$cpus" <<'EOF'
import re, sys
sys.path.insert(0, sys.argv[1] + "/tests/qemu")
import run
name, test, cpus = sys.argv[2], sys.argv[3], int(sys.argv[4])
status, out, secs = run.boot("build/nk.iso", "run=test:%s exit=1" % test, "break-" + name,
                             timeout=240, smp=cpus)
_, _, lines = run.ktap(out)
mine = [l for l in lines if re.match(r"(not )?ok \d+ %s$" % re.escape(test), l)]
why = [l.strip() for l in out.replace("\r", "").splitlines() if "expectation failed" in l][:4]
print("%s (boot status %s, %.1f s)%s" % (mine[-1] if mine else "no KTAP line for " + test, status,
      secs, "; " + "; ".join(why) if why else ""))
EOF
)
		echo "# $name: $out"
		if [[ $out == "not ok "* ]]; then
			echo "ok - break $name: $test at -smp $cpus catches it"
			pass=$((pass + 1))
		else
			echo "not ok - break $name: $test at -smp $cpus did not catch it"
			fail=$((fail + 1))
		fi
		continue
	fi
	out=$(cd "$dst" && python3 - "$root" "$name" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1] + "/tests/qemu")
import run
status, out, secs = run.boot("build/nk.iso", "run=test:mmu_oracle exit=1", "break-" + sys.argv[2])
line = [l for l in out.replace("\r", "").splitlines() if "# mmu_oracle:" in l]
print(line[-1] if line else "no summary line (boot status %s)" % status)
EOF
)
	echo "# $name: $out"
	# the summary: '... N violations, M mismatches; T ms'
	if [[ $out =~ ([0-9]+)\ violations,\ ([0-9]+)\ mismatches ]] &&
		[ $((BASH_REMATCH[1] + BASH_REMATCH[2])) -gt 0 ]; then
		echo "ok - break $name: the MMU oracle catches it (${BASH_REMATCH[1]} violations, ${BASH_REMATCH[2]} mismatches)"
		pass=$((pass + 1))
	else
		echo "not ok - break $name: the MMU oracle did not catch a broken validator"
		fail=$((fail + 1))
	fi
done
echo "breaks: $pass passed, $fail failed"
[ "$fail" = 0 ]
