#!/bin/busybox sh
# /bench/macro/archive.sh DIR NDIRS [EXPECT]: the "archive" macro workload
# (issue 18), run by busybox ash. In DIR (made afresh, removed at the end)
# it creates a tree of NDIRS directories of 1 MiB each (8 text files of
# 64 KiB made from /bench/macro/words.txt with a per-file substitution, and
# their 512 KiB concatenation), deterministic content; without EXPECT it
# prints the tree's sha256sum list (what user/macro/macro.mk records on the
# build host). With EXPECT it checks the tree against that list, archives
# it with tar and gzip -6, removes it, extracts the archive elsewhere and
# checks the extracted tree with sha256sum -c; exit 1 if anything differs.
# The build host runs it with BB (its busybox) and WORDS (the input) set.
set -e
bb=${BB:-/bin/busybox}
dir=$1
ndirs=$2
expect=$3
words=${WORDS:-/bench/macro/words.txt}
export LC_ALL=C
$bb rm -rf "$dir"
$bb mkdir -p "$dir/src"
cd "$dir"
d=0
while [ $d -lt "$ndirs" ]; do
	$bb mkdir -p src/d$d/all
	f=0
	while [ $f -lt 8 ]; do
		$bb sed -e "s/a/$d$f/g" -e "s/^$f/$d/" "$words" | $bb head -c 65536 >src/d$d/f$f.txt
		f=$((f + 1))
	done
	$bb cat src/d$d/f*.txt >src/d$d/all/cat.txt
	d=$((d + 1))
done
if [ -z "$expect" ]; then
	$bb find src -type f | $bb sort | $bb xargs "$bb" sha256sum
	exit 0
fi
check() {
	$bb sha256sum -c -s "$expect" || { echo "archive: $1 differs from $expect"; exit 1; }
}
check "the created tree"
$bb tar -cf - src | $bb gzip -6 >tree.tar.gz
$bb rm -rf src
$bb mkdir x
cd x
$bb gzip -dc ../tree.tar.gz | $bb tar -xf -
check "the extracted tree"
cd /
$bb rm -rf "$dir"
