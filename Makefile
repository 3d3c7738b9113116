# Nested kernel for x86-64. `make run` boots it in QEMU, `make test` tests it.
# NK=1 (default) builds the nested kernel: build/nk.iso.
# NK=0 builds the native baseline (same outer kernel, plain-store vMMU): build/native.iso.
# HARNESS=1 (default) links the test, attack, benchmark, fuzz and coverage
# harnesses (tests/kernel, tests/attacks, tests/bench, tests/fuzz/kernel,
# tests/coverage) into the image; HARNESS=0 builds the kernel proper without
# them: build/<variant>-noharness/, build/nk-noharness.iso (native-noharness.iso).

.DEFAULT_GOAL := all
NK ?= 1
HARNESS ?= 1
ACCEL ?= tcg
MEM ?= 128M
CMDLINE ?=
QEMU ?= qemu-system-x86_64

V ?= 0
# Hooks for the coverage and fuzz builds (tools/coverage.mk, tests/fuzz/fuzz.mk),
# which also set B and ISO to their own build directory: XCFLAGS/XNASMFLAGS for
# every object, INSTR_FLAGS for the objects matching INSTR_OBJS but not
# INSTR_SKIP (patterns), NK_XSRCS extra nk sources (nested build), KLIBS extra
# link inputs; COVERAGE=1 lets nk.o reference __gcov_*/__sanitizer_* symbols.
XCFLAGS ?=
XNASMFLAGS ?=
INSTR_OBJS ?=
INSTR_FLAGS ?=
INSTR_SKIP ?=
NK_XSRCS ?=
KLIBS ?=
COVERAGE ?= 0
# I5SCAN_FATAL=0 (coverage/fuzz builds only): instrumentation's counter
# displacements can form I5 byte patterns; report them, do not fail.
I5SCAN_FATAL ?= 1
instr = $(if $(filter $(INSTR_OBJS),$(filter-out $(INSTR_SKIP),$(1))),$(INSTR_FLAGS))
Q := $(if $(filter 1,$(V)),,@)
CC := gcc
NASM := nasm
LD := ld
HOSTCC := gcc

HSUFFIX := $(if $(filter 0,$(HARNESS)),-noharness)
ifeq ($(NK),1)
  VARIANT := nested
  ISO := build/nk$(HSUFFIX).iso
else
  VARIANT := native
  ISO := build/native$(HSUFFIX).iso
endif
B := build/$(VARIANT)$(HSUFFIX)

KCFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-pie -fno-pic \
	-mno-red-zone -mcmodel=kernel -mno-sse -mno-mmx -mno-80387 -mgeneral-regs-only \
	-fno-stack-protector -fno-builtin -fno-tree-loop-distribute-patterns \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -Iinclude \
	-DNK_NATIVE=$(if $(filter 0,$(NK)),1,0) $(XCFLAGS)
NASMFLAGS := -f elf64 -g -F dwarf -Ink/ -Iinclude/ -Ibuild/gen/ $(XNASMFLAGS)
LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -T linker.ld --no-warn-rwx-segments

# the parts: tools and generated files, nk, the outer kernel and the
# harnesses, the modules
include tools/gen.mk nk/nk.mk outer/outer.mk tools/tools.mk

BOOT_OBJS := $(B)/boot/boot.o
KERNEL := $(B)/kernel.elf

.PHONY: all iso run debug test attack differential stress bench clean deps deps-run format lint
all: iso

# User space (user/user.mk): the programs, the user test suite and the
# initramfs that holds them (`make user`, `make user-host-test`).
INITRAMFS := build/initramfs.cpio
include user/user.mk

iso: $(ISO)

include drivers/drivers.mk

$(B)/boot/%.o: boot/%.asm Makefile
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@
$(KERNEL): $(BOOT_OBJS) $(B)/nk.o $(OUTER_OBJS) linker.ld $(I5SCAN) $(SITE_TEMPLATES) $(FMTCHECK_OK) $(if $(filter 0,$(HARNESS)),,$(HARNESS_OK))
	@echo "  LD      $@"
	@# An address or call distance that the code holds as an immediate or
	@# displacement can spell an I5 encoding by chance (a string at
	@# ...000f: 0f 00 15 = LLDT; a call 0x230f bytes on: 0f 23 = MOV to DR).
	@# Such a link is refused and redone, at most 8 times, with .rodata and
	@# nk's data shifted by 64 bytes more (LINK_PAD, linker.ld) and the
	@# objects in another order; the scan judges the last.
	$(Q)nk="$(NK_OBJS)"; outer="$(OUTER_OBJS)"; for pad in 0 64 128 192 256 320 384 448; do \
		$(LD) --defsym=LINK_PAD=$$pad $(LDFLAGS) -o $@ $(BOOT_OBJS) $$nk $$outer $(KLIBS) || exit 1; \
		echo $(BOOT_OBJS) $$nk $$outer $(KLIBS) > $(B)/link-objs.txt; \
		$(I5SCAN) --sites $(SITE_TEMPLATES) --gates $(NGATES) $@ > $(B)/sites.txt 2> $(B)/sites.err && break; \
		[ $$pad = 448 ] || [ $(I5SCAN_FATAL) = 0 ] || \
			{ echo "  (I5: an address spells a forbidden encoding; relinking, layout $$((pad / 64 + 1)))"; \
			  k=$$((pad / 64 + 1)); \
			  nk=$$(printf '%s\n' $(NK_OBJS) | awk -v k=$$k '{ print (NR * 7919 + k * NR * NR) % 1009, $$0 }' | sort -n | cut -d' ' -f2); \
			  outer=$$(printf '%s\n' $(OUTER_OBJS) | awk -v k=$$k '{ print (NR * 7919 + k * NR * NR) % 1009, $$0 }' | sort -n | cut -d' ' -f2); \
			  continue; }; \
		cat $(B)/sites.err >&2; \
		$(if $(filter 0,$(I5SCAN_FATAL)),echo "  (I5 hits in an instrumented test build: not fatal here)"; break,rm -f $@; exit 1); \
	done
	@tail -n 1 $(B)/sites.txt

$(ISO): $(KERNEL) tools/grub.cfg $(INITRAMFS)
	@rm -rf $(B)/iso && mkdir -p $(B)/iso/boot/grub
	$(Q)cp $(KERNEL) $(B)/iso/boot/kernel.elf
	@# nk's symbols for the gadget sweep (tests/attacks/attack_sweep.c): "addr size F|N name"
	$(Q)readelf -sW $(KERNEL) | awk '($$4 == "FUNC" || $$4 == "NOTYPE") && $$7 != "UND" && $$8 !~ /^\.\.@/ && $$2 ~ /^ffffffff8/ \
		{ print $$2, $$3, ($$4 == "FUNC" ? "F" : "N"), $$8 }' > $(B)/iso/boot/nk.syms
	$(Q)cp $(INITRAMFS) $(B)/iso/boot/initramfs.cpio
	$(Q)cp tools/grub.cfg $(B)/iso/boot/grub/grub.cfg
	@echo "  ISO     $@"
	$(Q)grub-mkrescue -o $@ $(B)/iso 2>/dev/null

# fw_cfg's DMA interface is off (spec I11: no IOMMU covers it; the nested
# build refuses to boot with it); its port interface carries opt/nk/cmdline
# QEMU comes from one launcher (tools/qemu.py: the machine, fw_cfg without
# DMA, the command line through fw_cfg), which the tests, make attack, make
# bench and the fuzzers use too; QEMU, MEM and ACCEL pass through. SMP:
# the CPU count of make run and make debug (`make run SMP=N`; the launcher
# itself defaults to 1, so the tests keep theirs).
SMP ?= 2
LAUNCH := QEMU="$(QEMU)" MEM="$(MEM)" ACCEL="$(ACCEL)" python3 tools/qemu.py
LAUNCH_SMP := SMP="$(SMP)" $(LAUNCH)

# poweroff leaves QEMU through isa-debug-exit 0, which QEMU reports as status 1
run: deps-run $(ISO)
	$(LAUNCH_SMP) --cmdline "$(CMDLINE)" $(ISO) || [ $$? -eq 1 ]

debug: deps-run $(ISO)
	@echo "QEMU waits for gdb on :1234; in another terminal: gdb -x tools/gdbinit"
	$(LAUNCH_SMP) --cmdline "$(CMDLINE)" --gdb $(ISO)

# what running needs (make run, make debug), and what the tests need too
deps-run:
	@tools/deps.sh run
deps:
	@tools/deps.sh test

clean:
	rm -rf build

# Both images, then every test level; the last line is 'N passed, M failed'.
test: deps
	$(MAKE) --no-print-directory NK=1 iso
	$(MAKE) --no-print-directory NK=0 iso
	$(MAKE) --no-print-directory NK=1 HARNESS=0 iso
	tests/run-all.sh

attack: deps
	$(MAKE) --no-print-directory NK=1 EXTRA_ATTACKS=$(EXTRA_ATTACKS) iso
	python3 tests/qemu/run.py attack

# the SMP races (tests/kernel/smp_race.c, issue 17) for STRESS_SECS seconds
# under multi-threaded TCG at SMP CPUs (default 2), the invariant checker
# after every round; prints the rounds run and the failures
STRESS_SECS ?= 600
stress: deps
	$(MAKE) --no-print-directory NK=1 iso
	SMP=$(SMP) python3 tests/qemu/run.py stress $(STRESS_SECS)

# the MMU oracle's whole enumeration (tests/kernel/mmu_oracle.c, issue 16)
differential: deps
	$(MAKE) --no-print-directory NK=1 iso
	python3 tests/qemu/run.py differential

# The vMMU's overhead: both images under QEMU -icount and plain TCG (ACCEL=kvm
# adds KVM); build/bench/report.{json,md} and ratios.png (tools/bench.py).
bench: deps
	$(MAKE) --no-print-directory NK=1 iso
	$(MAKE) --no-print-directory NK=0 iso
	python3 tools/bench.py

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

lint:
	cppcheck --quiet --inline-suppr --error-exitcode=1 --enable=warning,portability --std=c11 -Iinclude \
		--suppress=missingIncludeSystem nk outer drivers policies lib $(HARNESS_DIRS)

include tests/host/host.mk tools/coverage.mk tests/fuzz/fuzz.mk
