# Nested kernel for x86-64. `make run` boots it in QEMU, `make test` tests it.
# NK=1 (default) builds the nested kernel: build/nk.iso.
# NK=0 builds the native baseline (same outer kernel, plain-store vMMU): build/native.iso.
# HARNESS=1 (default) links the test, attack, benchmark, fuzz and coverage
# harnesses (tests/kernel, tests/attacks, tests/bench, tests/fuzz/kernel,
# tests/coverage) into the image; HARNESS=0 builds the kernel proper without
# them: build/<variant>-noharness/, build/nk-noharness.iso (native-noharness.iso).

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

# Generated for NASM (build/gen/, the same for every build): the C
# constants and layouts its code uses (tools/asm_offsets.c: `->NAME value`
# markers in the compiler's assembly) and one gate per vMMU call of
# include/nk/calls.h (tools/gen_gates.c).
GEN := build/gen
GEN_INCS := $(GEN)/asm_offsets.inc $(GEN)/nk_gates.inc
$(GEN)/asm_offsets.inc: tools/asm_offsets.c include/nk/vmmu.h include/nk/errors.h include/nk/calls.h \
		include/outer/trap.h include/outer/errno.h include/x86/selectors.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -O2 -ffreestanding -Iinclude -S $< -o $@.s
	$(Q){ echo "; generated from tools/asm_offsets.c: do not edit"; \
		grep -- '->' $@.s | sed -E 's/.*->([A-Za-z0-9_]+) \$$?(-?[0-9]+).*/\1 equ \2/'; } > $@
$(GEN)/nk_gates.inc: tools/gen_gates.c include/nk/calls.h
	@mkdir -p $(dir $@)
	$(Q){ echo "; generated from include/nk/calls.h: do not edit"; \
		$(CC) -E -P -Iinclude $< | tr '@' '\n' | sed 's/^ *//' | grep '^GATE'; } > $@

# nk: trusted; its objects go to build/<variant>/nk/ so linker.ld places them in .nk.*
NK_COMMON := nk/frame.c nk/boot.c nk/mb2.c nk/cpufeat.c nk/boot_tables.c nk/cpu.c nk/arch_x86.c nk/walk.c nk/log.c nk/check.c nk/region.c
ifeq ($(NK),1)
  NK_SRCS := $(NK_COMMON) nk/vmmu.c nk/ctl.c nk/code.c $(NK_XSRCS)
  NK_ASMS := nk/entry.asm nk/gate.asm nk/priv.asm
else
  NK_SRCS := $(NK_COMMON) nk/native.c
  NK_ASMS := nk/entry.asm nk/priv.asm
endif
OUTER_SRCS := $(wildcard outer/*.c) $(wildcard outer/fs/*.c) $(wildcard drivers/*.c) lib/fmt.c lib/i5.c
OUTER_ASMS := $(wildcard outer/*.asm)
# The harnesses: optional components. Each brings its console commands
# (CONSOLE_COMMAND, include/outer/console.h) and its exports (EXPORT_SYMBOL).
HARNESS_DIRS := tests/kernel tests/attacks tests/bench tests/fuzz/kernel tests/coverage
HARNESS_SRCS := $(foreach d,$(HARNESS_DIRS),$(wildcard $(d)/*.c))
HARNESS_ASMS := $(foreach d,$(HARNESS_DIRS),$(wildcard $(d)/*.asm))
HARNESS_OBJS := $(HARNESS_SRCS:%.c=$(B)/outer_%.o) $(HARNESS_ASMS:%.asm=$(B)/outer_%.o)

# the write-mediation policies are nk code too: build/<variant>/nk/policy_*.o
POLICY_SRCS := $(wildcard policies/*.c)
NK_OBJS := $(NK_SRCS:%.c=$(B)/%.o) $(NK_ASMS:%.asm=$(B)/%.o) $(B)/nk/lib_fmt.o $(B)/nk/lib_i5.o \
	$(POLICY_SRCS:policies/%.c=$(B)/nk/policy_%.o)
KERNEL_OUTER_OBJS := $(OUTER_SRCS:%.c=$(B)/outer_%.o) $(OUTER_ASMS:%.asm=$(B)/outer_%.o)
# what the image links: the outer kernel proper, and the harnesses unless HARNESS=0
OUTER_OBJS := $(KERNEL_OUTER_OBJS) $(if $(filter 0,$(HARNESS)),,$(HARNESS_OBJS))
BOOT_OBJS := $(B)/boot/boot.o
KERNEL := $(B)/kernel.elf
I5SCAN := build/tools/i5scan

.PHONY: all iso run debug test attack bench clean deps deps-run format lint
all: iso

# User space (user/user.mk): the programs, the user test suite and the
# initramfs that holds them (`make user`, `make user-host-test`).
INITRAMFS := build/initramfs.cpio
include user/user.mk

iso: $(ISO)

# ---- Modules (include/outer/module.h, docs/modules.md) ----
# Every drivers/buggy/*.c (and EXTRA_ATTACKS=DIR/*.c) is an attack module,
# drivers/mod/*.c the well-behaved ones; each .c is one ET_REL .ko built
# with the kernel's flags (-DMODULE), installed in the initramfs under
# /lib/modules/ (attacks in /lib/modules/attacks/ with an index file).
EXTRA_ATTACKS ?=
MOD_B := build/modules
MOD_CFLAGS := $(KCFLAGS) -DMODULE -fno-common
ATTACK_SRCS := $(sort $(wildcard drivers/buggy/*.c)) $(if $(EXTRA_ATTACKS),$(sort $(wildcard $(EXTRA_ATTACKS)/*.c)))
DRIVER_MOD_SRCS := $(wildcard drivers/mod/*.c)
ATTACK_KOS := $(foreach s,$(ATTACK_SRCS),$(MOD_B)/attacks/$(notdir $(s:.c=.ko)))
DRIVER_KOS := $(DRIVER_MOD_SRCS:drivers/mod/%.c=$(MOD_B)/%.ko)
MOD_HDRS := include/outer/module.h include/outer/attack_api.h include/outer/moddev.h $(wildcard include/nk/*.h include/outer/kernel.h)
vpath %.c drivers/buggy $(EXTRA_ATTACKS)

$(MOD_B)/attacks/%.ko: %.c $(MOD_HDRS) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC [M]  $<"
	$(Q)$(CC) $(MOD_CFLAGS) -c $< -o $@
$(MOD_B)/%.ko: drivers/mod/%.c $(MOD_HDRS) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC [M]  $<"
	$(Q)$(CC) $(MOD_CFLAGS) -c $< -o $@

.PHONY: modules
modules: $(ATTACK_KOS) $(DRIVER_KOS)
	@rm -rf $(US_ROOT)/lib/modules && mkdir -p $(US_ROOT)/lib/modules/attacks
	$(Q)cp $(DRIVER_KOS) $(US_ROOT)/lib/modules/
	$(Q)cp $(ATTACK_KOS) $(US_ROOT)/lib/modules/attacks/
	@printf '%s\n' $(notdir $(ATTACK_KOS)) > $(US_ROOT)/lib/modules/attacks/index
$(INITRAMFS): modules

# nk's copies of lib/fmt.c and lib/i5.c are renamed so nk never calls outer code
NKCFLAGS := $(KCFLAGS) -Dfmt_vsnprintf=nk_fmt_vsnprintf -Di5_match=nk_i5_match -Di5_scan=nk_i5_scan \
	-Di5_kind_name=nk_i5_kind_name
$(B)/nk/%.o: nk/%.c $(wildcard include/nk/*.h nk/*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(NKCFLAGS) $(call instr,$@) -c $< -o $@
$(B)/nk/policy_%.o: policies/%.c policies/policy.h $(wildcard include/nk/*.h nk/*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(NKCFLAGS) -c $< -o $@
$(B)/nk/lib_%.o: lib/%.c $(wildcard lib/*.h include/x86/*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(NKCFLAGS) -c $< -o $@
$(B)/nk/%.o: nk/%.asm $(wildcard nk/*.inc include/x86/*.inc) $(GEN_INCS) Makefile
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@
$(B)/boot/%.o: boot/%.asm Makefile
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@
$(B)/outer_%.o: %.c $(wildcard include/*/*.h outer/fs/*.h) $(foreach d,$(HARNESS_DIRS),$(wildcard $(d)/*.h)) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) $(call instr,$@) -c $< -o $@
$(B)/outer_%.o: %.asm $(wildcard include/x86/*.inc) $(GEN_INCS) Makefile
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@

# nk calls no outer code: its only references outside nk are the two fixed
# outer entry points.
$(B)/nk.o: $(NK_OBJS)
	$(Q)$(LD) -r -o $@ $^
	@undef=$$(nm -u $@ | awk '{print $$2}' | grep -v -x -e outer_main -e outer_trap -e boot_magic -e boot_mbi -e '__.*' || true); \
	if [ -n "$$undef" ]; then echo "nk references outer symbols: $$undef" >&2; exit 1; fi
	@tool=$$(nm -u $@ | awk '{print $$2}' | grep -e '^__gcov' -e '^__sanitizer' || true); \
	if [ -n "$$tool" ] && [ "$(COVERAGE)" != 1 ]; then echo "nk references instrumentation symbols: $$tool" >&2; exit 1; fi

# Every format string passed to a printf-like function uses only what
# lib/fmt.c supports (tools/fmtcheck.py; the compiler checks the arguments).
FMTCHECK_OK := $(B)/fmtcheck.ok
FMTCHECK_PATHS := nk outer drivers policies lib include $(HARNESS_DIRS)
$(FMTCHECK_OK): tools/fmtcheck.py $(wildcard nk/*.[ch] outer/*.c outer/fs/*.[ch] drivers/*.c drivers/*/*.c \
		policies/*.[ch] lib/*.[ch] include/*/*.h) $(HARNESS_SRCS)
	@mkdir -p $(dir $@)
	$(Q)python3 tools/fmtcheck.py $(FMTCHECK_PATHS) > $@.log || { cat $@.log; exit 1; }
	@touch $@

.PHONY: fmtcheck
fmtcheck:
	tests/fmtcheck/run.sh

# the gate entries the site check expects: one per call of include/nk/calls.h
# (and kcov's two in the fuzz build); none in the native build
NGATES = $(if $(filter 1,$(NK)),$$(($$(grep -c '^GATE' $(GEN)/nk_gates.inc) $(if $(findstring NK_FUZZ,$(XNASMFLAGS)),+ 2))),0)

# the reference copy of every checked site (tools/i5scan --sites)
SITE_TEMPLATES := build/tools/site_templates.o
$(SITE_TEMPLATES): tools/site_templates.asm nk/cr0.inc $(GEN_INCS)
	@mkdir -p $(dir $@)
	$(Q)$(NASM) -f elf64 -Ink/ -Iinclude/ -I$(GEN)/ $< -o $@

# The kernel proper references nothing a harness defines (tests/harness/check.sh);
# with HARNESS=0 such a reference would not link at all.
HARNESS_OK := $(B)/harness-check.ok
$(HARNESS_OK): tests/harness/check.sh $(B)/nk.o $(KERNEL_OUTER_OBJS) $(HARNESS_OBJS)
	$(Q)tests/harness/check.sh $(B)/nk.o $(KERNEL_OUTER_OBJS) -- $(HARNESS_OBJS)
	@touch $@

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

$(I5SCAN): tools/i5scan.c lib/i5.c include/x86/i5.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O2 -Wall -Wextra -Werror -Iinclude -o $@ tools/i5scan.c lib/i5.c

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
# bench and the fuzzers use too; QEMU, MEM and ACCEL pass through.
LAUNCH := QEMU="$(QEMU)" MEM="$(MEM)" ACCEL="$(ACCEL)" python3 tools/qemu.py

# poweroff leaves QEMU through isa-debug-exit 0, which QEMU reports as status 1
run: deps-run $(ISO)
	$(LAUNCH) --cmdline "$(CMDLINE)" $(ISO) || [ $$? -eq 1 ]

debug: deps-run $(ISO)
	@echo "QEMU waits for gdb on :1234; in another terminal: gdb -x tools/gdbinit"
	$(LAUNCH) --cmdline "$(CMDLINE)" --gdb $(ISO)

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
