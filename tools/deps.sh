#!/bin/sh
# Install the Debian packages that are missing, with apt-get.
#   tools/deps.sh run    what building the image and running it needs (make run)
#   tools/deps.sh test   that, and what the tests and benchmarks need (make test)
set -e
mode=${1:-test}
need=""
# building and booting: nasm, QEMU, GRUB (grub-mkrescue with xorriso and
# mtools), the user space (musl-gcc; gcc -static for the glibc test
# program; busybox-static), the initramfs (cpio), the launcher and build
# checks (python3)
for pair in nasm:nasm qemu-system-x86_64:qemu-system-x86 grub-mkrescue:grub-common \
	xorriso:xorriso mformat:mtools python3:python3 musl-gcc:musl-tools cpio:cpio; do
	cmd=${pair%%:*}; pkg=${pair#*:}
	command -v "$cmd" >/dev/null 2>&1 || need="$need $pkg"
done
[ -d /usr/lib/grub/i386-pc ] || need="$need grub-pc-bin"
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need="$need libc6-dev" # gcc -static (tests/hello-glibc)
# the image's macro workloads (user/macro/macro.mk): SQLite's static
# library for /bench/macro/db
[ -f /usr/lib/x86_64-linux-gnu/libsqlite3.a ] || need="$need libsqlite3-dev"
# the user space: busybox-static's /bin/busybox is copied into the image
# (Debian's plain busybox package is dynamically linked: not that one)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "ok installed" || need="$need busybox-static"
if [ "$mode" = test ]; then
	# host unit tests (cmocka), coverage (gcovr), the fuzzers (clang and
	# its libFuzzer runtime), the benchmark chart (gnuplot)
	for pair in gcovr:gcovr clang:clang gnuplot:gnuplot-nox; do
		cmd=${pair%%:*}; pkg=${pair#*:}
		command -v "$cmd" >/dev/null 2>&1 || need="$need $pkg"
	done
	[ -f /usr/include/cmocka.h ] || need="$need libcmocka-dev"
	rt=$(clang -print-resource-dir 2>/dev/null)/lib/linux/libclang_rt.fuzzer-x86_64.a
	[ -f "$rt" ] || need="$need libclang-rt-dev"
fi
if [ -n "$need" ]; then
	echo "deps: installing$need"
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
fi
