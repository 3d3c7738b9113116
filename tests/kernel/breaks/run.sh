#!/bin/bash
# The MMU oracle's self-test (issue 16): for each deliberate break of nk's
# PTE validator in tests/kernel/breaks/*.patch, build the nested kernel with
# that break and run the oracle's deterministic subset (run=test:mmu_oracle);
# the row passes only if the oracle reports a mismatch or a violation, i.e.
# if it would have caught the bug. nk's own sources are never changed: each
# break is applied to a copy of the tree under build/breaks/NAME/, which
# starts from a copy of this tree's build outputs (mtimes kept) so that only
# the patched nk object, the link and the ISO are redone.
#
#   tests/kernel/breaks/run.sh     needs build/nk.iso's outputs (make NK=1 iso)
#
# Ends with 'breaks: N passed, M failed' (tests/run-all.sh reads it).
set -u
cd "$(dirname "$0")/../../.."
root=$PWD
pass=0 fail=0
for patch in tests/kernel/breaks/*.patch; do
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
