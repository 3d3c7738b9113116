#!/bin/sh
# Install the Debian packages the build and tests need, when missing.
set -e
need=""
for pair in nasm:nasm qemu-system-x86_64:qemu-system-x86 grub-mkrescue:grub-common \
	xorriso:xorriso mformat:mtools gcovr:gcovr python3:python3 musl-gcc:musl-tools \
	cpio:cpio clang:clang gnuplot:gnuplot-nox; do
	cmd=${pair%%:*}; pkg=${pair#*:}
	command -v "$cmd" >/dev/null 2>&1 || need="$need $pkg"
done
[ -d /usr/lib/grub/i386-pc ] || need="$need grub-pc-bin"
[ -f /usr/include/cmocka.h ] || need="$need libcmocka-dev"
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need="$need libc6-dev" # gcc -static (tests/hello-glibc)
# libFuzzer (make fuzz, the fuzz-host stage of make test): clang's runtime
rt=$(clang -print-resource-dir 2>/dev/null)/lib/linux/libclang_rt.fuzzer-x86_64.a
[ -f "$rt" ] || need="$need libclang-rt-dev"
if [ -n "$need" ]; then
	echo "deps: installing$need"
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
fi
