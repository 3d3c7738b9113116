#!/bin/bash
# Tests for the I5 instruction scanner (lib/i5.c, tools/i5scan.c; spec I5).
#
#   tests/scanner/run.sh [OUTDIR]     (default build/tests/scanner)
#
# Builds i5scan into OUTDIR, assembles the scratch sources next to this script
# with nasm, and checks exit codes and messages. Prints "ok N - desc" /
# "not ok N - desc", then "P passed, F failed"; exits 1 if any check failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/tests/scanner}
mkdir -p "$out"
out=$(cd "$out" && pwd)
scanner=$out/i5scan

rc=0
. "$root/tests/lib/tap.sh"

# tap_detail: on a failed check, the last scan's exit code and output.
tap_detail() {
	echo "exit code $rc"
	cat "$out/stdout" "$out/stderr" 2>/dev/null || true
}

# scan ARGS...: runs the scanner; sets rc, keeps stdout/stderr in $out.
scan() {
	set +e
	"$scanner" "$@" >"$out/stdout" 2>"$out/stderr"
	rc=$?
	set -e
}

# expect RC STREAM TEXT: the last scan exited RC and STREAM (stdout or
# stderr) contains the fixed string TEXT.
expect() {
	[ "$rc" -eq "$1" ] && grep -qF -- "$3" "$out/$2"
}

# lacks STREAM TEXT: STREAM of the last scan does not contain TEXT.
lacks() {
	! grep -qF -- "$2" "$out/$1"
}

# asm NAME: assembles $here/NAME.asm to $out/NAME.o.
asm() {
	nasm -f elf64 -o "$out/$1.o" "$here/$1.asm"
}

# poke FILE OFFSET BYTES: overwrites bytes (printf escapes) at OFFSET of FILE.
poke() {
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# --- build ---------------------------------------------------------------

: >"$out/stdout"
build_ok() {
	gcc -std=c11 -O2 -Wall -Wextra -Werror -I"$root/include" -o "$scanner" \
		"$root/tools/i5scan.c" "$root/lib/i5.c" 2>"$out/stderr"
}
check "build i5scan with -Wall -Wextra -Werror" build_ok
if [ "$failed" -ne 0 ]; then
	echo "Bail out! i5scan does not build"
	finish
fi

freestanding_ok() {
	gcc -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib \
		-fno-pie -mno-red-zone -mcmodel=kernel \
		-I"$root/include" -c -o "$out/i5-kernel.o" "$root/lib/i5.c" 2>"$out/stderr" &&
		[ -z "$(nm -u "$out/i5-kernel.o")" ]
}
check "lib/i5.c builds freestanding (kernel flags), no undefined symbols" freestanding_ok

unit_ok() {
	gcc -std=c11 -O2 -Wall -Wextra -Werror -I"$root/include" -o "$out/unit" "$here/unit.c" \
		"$root/lib/i5.c" 2>"$out/stderr" && "$out/unit" >"$out/stdout"
}
check "i5_match/i5_scan unit cases (every ModRM, buffer bounds)" unit_ok

for src in clean outer_cr3 hidden_wrmsr nk_cr0 each boot_allowed; do
	asm "$src"
done
ok_allow=$out/allow-nk_set_cr0
printf '# nk functions that may hold I5 encodings\n\n  nk_set_cr0   # the CR0 stub\r\n' >"$ok_allow"
other_allow=$out/allow-other
printf 'nk_something_else\n' >"$other_allow"

# --- (a) clean code ------------------------------------------------------

scan "$out/clean.o"
check "(a) clean object passes" \
	expect 0 stdout "clean.o: 69 bytes of executable code scanned, 0 allowed hits in nk, 0 forbidden"
check "(a) clean object prints nothing on stderr" [ ! -s "$out/stderr" ]

# --- (b) aligned MOV to CR3 in outer .text -------------------------------

scan "$out/outer_cr3.o"
check "(b) outer mov cr3, rax fails naming the symbol" \
	expect 1 stderr "i5scan: $out/outer_cr3.o: MOV to CR3 (0f 22 d8) at .text+0x4 (outer_load_cr3+0x1): not allowed"
printf 'outer_load_cr3\n' >"$out/allow-outer"
scan --allow "$out/allow-outer" "$out/outer_cr3.o"
check "(b) allow list cannot allow a hit outside nk sections" \
	expect 1 stderr "(outer_load_cr3+0x1): not allowed"

# --- (c) WRMSR hidden in an immediate ------------------------------------

scan "$out/hidden_wrmsr.o"
check "(c) 0F 30 inside mov eax, imm32 fails naming the offset" \
	expect 1 stderr "WRMSR (0f 30) at .text+0x4 (outer_imm+0x4): not allowed"

# --- (d) MOV to CR0 in .nk.text -------------------------------------------

scan "$out/nk_cr0.o"
check "(d) nk mov cr0 fails without an allow list" \
	expect 1 stderr "MOV to CR0 (0f 22 c0) at .nk.text+0x0 (nk_set_cr0+0x0): not allowed"
scan --allow "$other_allow" "$out/nk_cr0.o"
check "(d) nk mov cr0 fails when the allow list names another function" \
	expect 1 stderr "(nk_set_cr0+0x0): not allowed"
scan --allow "$ok_allow" "$out/nk_cr0.o"
check "(d) nk mov cr0 passes when the allow list names nk_set_cr0" \
	expect 0 stdout "1 allowed hits in nk, 0 forbidden"

# --- (e) every other forbidden encoding ----------------------------------

scan "$out/each.o"
check "(e) object with every encoding exits 1, 9 hits" \
	expect 1 stderr "9 forbidden instruction encodings"
check "(e) lidt [rax] caught" expect 1 stderr "LIDT (0f 01 18) at .text+0x0 (outer_lidt+0x0)"
check "(e) ltr ax caught" expect 1 stderr "LTR (0f 00 d8) at .text+0x4 (outer_ltr+0x0)"
check "(e) mov dr7, rax caught" expect 1 stderr "MOV to DRn (0f 23 f8) at .text+0x8 (outer_mov_dr7+0x0)"
check "(e) lmsw ax caught" expect 1 stderr "LMSW (0f 01 f0) at .text+0xc (outer_lmsw+0x0)"
check "(e) wrmsr caught" expect 1 stderr "WRMSR (0f 30) at .text+0x10 (outer_wrmsr+0x0)"
check "(e) lgdt [rdi+16] caught" expect 1 stderr "LGDT (0f 01 57) at .text+0x13 (outer_lgdt+0x0)"
check "(e) lldt ax caught" expect 1 stderr "LLDT (0f 00 d0) at .text+0x18 (outer_lldt+0x0)"
check "(e) mov cr4, rax caught" expect 1 stderr "MOV to CR4 (0f 22 e0) at .text+0x1c (outer_mov_cr4+0x0)"
check "(e) mov cr8, rax (REX.R) caught as CR0" \
	expect 1 stderr "MOV to CR0 (0f 22 c0) at .text+0x21 (outer_mov_cr8+0x1)"

# --- .boot / .nk.* trust and per-function allow -------------------------

printf 'boot_load_gdt\nnk_gate_entry\nouter_fake\n' >"$out/allow-boot"
scan --allow "$out/allow-boot" "$out/boot_allowed.o"
check "allowed .boot and .nk.text functions are not reported" \
	eval 'expect 1 stderr "(nk_helper+0x0): not allowed" &&
	      expect 1 stderr "(outer_fake+0x0): not allowed" &&
	      lacks stderr boot_load_gdt && lacks stderr nk_gate_entry &&
	      expect 1 stderr "2 forbidden"'

# --- ET_EXEC (linked at the kernel's address) ----------------------------

ld -o "$out/linked.elf" -e nk_set_cr0 -Ttext=0xffffffff80001000 \
	--section-start=.nk.text=0xffffffff80000000 \
	"$out/nk_cr0.o" "$out/outer_cr3.o"
scan --allow "$ok_allow" "$out/linked.elf"
check "ET_EXEC: outer hit reported with section and symbol offsets" \
	eval 'expect 1 stderr "MOV to CR3 (0f 22 d8) at .text+0x4 (outer_load_cr3+0x1): not allowed" &&
	      lacks stderr nk_set_cr0'
scan "$out/linked.elf"
check "ET_EXEC: nk hit reported without the allow list" \
	expect 1 stderr "at .nk.text+0x0 (nk_set_cr0+0x0): not allowed"

# --- (f) bad input --------------------------------------------------------

size=$(wc -c <"$out/clean.o")
head -c 40 "$out/clean.o" >"$out/trunc-hdr.o"
scan "$out/trunc-hdr.o"
check "(f) ELF truncated inside the header exits 2" expect 2 stderr "truncated ELF header"
head -c $((size / 2)) "$out/clean.o" >"$out/trunc-half.o"
scan "$out/trunc-half.o"
check "(f) ELF truncated at half its size exits 2" expect 2 stderr "out of bounds"
: >"$out/empty.o"
scan "$out/empty.o"
check "(f) empty file exits 2" expect 2 stderr "not an ELF file"
scan "$here/clean.asm"
check "(f) non-ELF file exits 2" expect 2 stderr "not an ELF file"
nasm -f elf32 -o "$out/elf32.o" "$here/nk_cr0.asm" 2>/dev/null ||
	printf '\177ELF\001\001\001' >"$out/elf32.o"
scan "$out/elf32.o"
check "(f) ELF32 file exits 2" expect 2 stderr "not ELF64"
cp "$out/clean.o" "$out/machine.o"
poke "$out/machine.o" 18 '\003\000' # e_machine = EM_386
scan "$out/machine.o"
check "(f) wrong e_machine exits 2" expect 2 stderr "wrong machine 3"
cp "$out/clean.o" "$out/shoff.o"
poke "$out/shoff.o" 40 '\000\000\000\000\000\000\000\177' # e_shoff huge
scan "$out/shoff.o"
check "(f) section header table out of bounds exits 2" \
	expect 2 stderr "section header table out of bounds"
scan "$out/no-such-file.o"
check "(f) missing file exits 2" expect 2 stderr "cannot open"
scan --allow "$out/no-such-allow" "$out/clean.o"
check "(f) missing allow file exits 2" expect 2 stderr "cannot open"
scan
check "usage error (no file) exits 2" expect 2 stderr "usage:"
scan "$out/clean.o" "$out/clean.o"
check "usage error (two files) exits 2" expect 2 stderr "usage:"

# --- --sites: the no-gadget rule on the linked nested kernel (spec I6) ---
# The kernel as `make` linked it passes; relinked with one more object it
# must fail for a bare out-of-line `mov cr3, rdi; ret` in nk's text, for a
# site record in front of a write without its check, and pass when the same
# gadget is boot-only code.
kb=$root/build/nested
if [ -f "$kb/kernel.elf" ] && [ -f "$root/build/tools/site_templates.o" ]; then
	tmpl=$root/build/tools/site_templates.o
	scan --sites "$tmpl" "$kb/kernel.elf"
	check "--sites: the nested kernel: every site checked or boot-only" \
		expect 0 stdout "0 forbidden"
	scan --sites "$tmpl" --gates 1 "$kb/kernel.elf"
	check "--sites --gates: a kernel whose gates disagree with the list of vMMU calls fails" \
		expect 1 stderr "gate entries, but the list of vMMU calls has 1"
	scan --sites "$tmpl" "$kb/kernel.elf"
	check "--sites: it names each site and why it passes" \
		expect 0 stdout "nk_declare_ptp+0x11 MOV to CR0: checked: GATE_ENTRY"
	objs=$(cat "$kb/link-objs.txt") # the objects in the order the build linked them
	pad=$(nm "$kb/kernel.elf" | awk '$3 == "LINK_PAD" { print "0x" $1 }')
	relink() { # relink OUT EXTRA.o: the nested kernel with one more object
		ld --defsym=LINK_PAD=${pad:-0} -nostdlib -static -z max-page-size=0x1000 -T "$root/linker.ld" \
			--no-warn-rwx-segments -o "$1" $objs "$2"
	}
	printf 'section .nk.text progbits alloc exec nowrite align=16\nglobal nk_gadget\nnk_gadget:\n\tmov cr3, rdi\n\tret\nsection .note.GNU-stack noalloc noexec nowrite progbits\n' >"$out/gadget.asm"
	nasm -f elf64 "$out/gadget.asm" -o "$out/gadget.o"
	relink "$out/kernel-gadget.elf" "$out/gadget.o"
	scan --sites "$tmpl" "$out/kernel-gadget.elf"
	check "--sites: a bare mov cr3, rdi; ret added to nk fails the build" \
		expect 1 stderr "MOV to CR3 at .nk.text+0x"
	check "--sites: ... and names it as a gadget" \
		expect 1 stderr "(nk_gadget+0x0, "
	printf '%%include "cr0.inc"\nsection .nk.text progbits alloc exec nowrite align=16\nglobal nk_forged\nnk_forged:\n.s:\tmov rax, [rel nk_cr0]\n.w:\tmov cr0, rax\n\tret\n.e:\n\tSITE_RECORD .s, .w, .e, SITE_CR0_RESTORE\nsection .note.GNU-stack noalloc noexec nowrite progbits\n' >"$out/forged.asm"
	nasm -f elf64 -I"$root/nk/" -I"$root/build/gen/" "$out/forged.asm" -o "$out/forged.o"
	relink "$out/kernel-forged.elf" "$out/forged.o"
	scan --sites "$tmpl" "$out/kernel-forged.elf"
	check "--sites: a site record over a write without its check fails" \
		expect 1 stderr "does not match its template"
	sed 's/^section .nk.text /section .nk.boot.text /' "$out/gadget.asm" >"$out/gadget-boot.asm"
	nasm -f elf64 "$out/gadget-boot.asm" -o "$out/gadget-boot.o"
	relink "$out/kernel-gadget-boot.elf" "$out/gadget-boot.o"
	scan --sites "$tmpl" "$out/kernel-gadget-boot.elf"
	check "--sites: the same gadget in boot-only code passes (NX after boot)" \
		expect 0 stdout "nk_gadget+0x0 MOV to CR3: boot-only"
else
	echo "# skipping --sites checks: build/nested/kernel.elf not built"
fi

finish
