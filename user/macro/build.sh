#!/bin/busybox sh
# /bench/macro/build.sh DIR ITER [EXPECT]: the "build" macro workload
# (issue 18), run by busybox ash (`/bin/busybox sh build.sh ...`): a
# configure-and-compile-like loop of short-lived processes. In DIR (made
# afresh, removed at the end) it splits /bench/macro/words.txt into 8
# "sources", then runs ITER rounds of six commands each (sed, awk, sort,
# grep, cmp, true: a new busybox process each, fork + exec), and "links"
# the round outputs into one. Without EXPECT it prints the sha256sum list
# of its outputs (what user/macro/macro.mk records on the build host);
# with EXPECT it checks the outputs against that list (sha256sum -c) and
# exits 1 if any differs. The build host runs it with BB (its busybox) and
# WORDS (the input) set.
set -e
bb=${BB:-/bin/busybox}
dir=$1
iter=$2
expect=$3
words=${WORDS:-/bench/macro/words.txt}
export LC_ALL=C
$bb rm -rf "$dir"
$bb mkdir -p "$dir/src" "$dir/obj"
cd "$dir"
# configure: the sources
k=0
while [ $k -lt 8 ]; do
	$bb sed -n "$((k * 140 + 1)),$((k * 140 + 140))p" "$words" >src/m$k.c
	k=$((k + 1))
done
# compile: ITER rounds
i=0
prev=src/m0.c
while [ $i -lt "$iter" ]; do
	m=$((i % 8))
	$bb sed -e 's/^\([a-z]*\) \([a-z]*\)/\2 \1/' -e "s/e/$i/g" src/m$m.c >obj/$i.i
	$bb awk -v s="$i" '{ for (f = 1; f <= NF; f++) c[$f] += f + s } END { for (w in c) print w, c[w] }' \
		obj/$i.i >obj/$i.cnt
	$bb sort -k2,2n -k1,1 obj/$i.cnt >obj/$i.o
	$bb grep -c -e "[0-9][a-m]" obj/$i.i >obj/$i.n || [ $? -eq 1 ]
	if $bb cmp -s obj/$i.o "$prev"; then echo same >>obj/$i.n; fi
	$bb true
	prev=obj/$i.o
	i=$((i + 1))
done
# link
$bb cat obj/*.o | $bb sort -k1,1 -k2,2n | $bb uniq -c >out.map
$bb rm obj/*.i obj/*.cnt
if [ -z "$expect" ]; then
	$bb sha256sum out.map obj/*
else
	$bb sha256sum -c -s "$expect" || { echo "build: outputs differ from $expect"; exit 1; }
	cd /
	$bb rm -rf "$dir"
fi
