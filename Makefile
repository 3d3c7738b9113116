# Nested kernel for x86-64. `make run` boots it in QEMU, `make test` tests it.
# NK=1 (default) builds the nested kernel: build/nk.iso.
# NK=0 builds the native baseline (same outer kernel, plain-store vMMU): build/native.iso.

NK ?= 1
ACCEL ?= tcg
MEM ?= 128M
CMDLINE ?=
QEMU ?= qemu-system-x86_64

V ?= 0
Q := $(if $(filter 1,$(V)),,@)
CC := gcc
NASM := nasm
LD := ld
HOSTCC := gcc

ifeq ($(NK),1)
  VARIANT := nested
  ISO := build/nk.iso
else
  VARIANT := native
  ISO := build/native.iso
endif
B := build/$(VARIANT)

KCFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-pie -fno-pic \
	-mno-red-zone -mcmodel=kernel -mno-sse -mno-mmx -mno-80387 -mgeneral-regs-only \
	-fno-stack-protector -fno-builtin -fno-tree-loop-distribute-patterns \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -Iinclude \
	-DNK_NATIVE=$(if $(filter 0,$(NK)),1,0)
NASMFLAGS := -f elf64 -g -F dwarf -Ink/
LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -T linker.ld --no-warn-rwx-segments

# nk: trusted; its objects go to build/<variant>/nk/ so linker.ld places them in .nk.*
NK_COMMON := nk/frame.c nk/boot.c nk/cpu.c nk/arch_x86.c nk/log.c nk/check.c nk/i5.c nk/region.c
ifeq ($(NK),1)
  NK_SRCS := $(NK_COMMON) nk/vmmu.c nk/ctl.c
  NK_ASMS := nk/entry.asm nk/gate.asm
else
  NK_SRCS := $(NK_COMMON) nk/native.c
  NK_ASMS := nk/entry.asm
endif
OUTER_SRCS := $(wildcard outer/*.c) $(wildcard outer/fs/*.c) $(wildcard drivers/*.c) lib/fmt.c
OUTER_ASMS := $(wildcard outer/*.asm)

# the write-mediation policies are nk code too: build/<variant>/nk/policy_*.o
POLICY_SRCS := $(wildcard policies/*.c)
NK_OBJS := $(NK_SRCS:%.c=$(B)/%.o) $(NK_ASMS:%.asm=$(B)/%.o) $(B)/nk/lib_fmt.o \
	$(POLICY_SRCS:policies/%.c=$(B)/nk/policy_%.o)
OUTER_OBJS := $(OUTER_SRCS:%.c=$(B)/outer_%.o) $(OUTER_ASMS:%.asm=$(B)/outer_%.o)
BOOT_OBJS := $(B)/boot/boot.o
KERNEL := $(B)/kernel.elf
I5SCAN := build/tools/i5scan

.PHONY: all iso run debug test attack bench clean deps format lint
all: iso

# User space (user/user.mk): the programs, the user test suite and the
# initramfs that holds them (`make user`, `make user-host-test`).
INITRAMFS := build/initramfs.cpio
include user/user.mk

iso: $(ISO)

# nk's copy of lib/fmt.c is renamed so nk never calls outer code
NKCFLAGS := $(KCFLAGS) -Dfmt_vsnprintf=nk_fmt_vsnprintf
$(B)/nk/%.o: nk/%.c $(wildcard include/nk/*.h nk/*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(NKCFLAGS) -c $< -o $@
$(B)/nk/policy_%.o: policies/%.c policies/policy.h $(wildcard include/nk/*.h nk/*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(NKCFLAGS) -c $< -o $@
$(B)/nk/lib_fmt.o: lib/fmt.c lib/fmt.h Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(NKCFLAGS) -c $< -o $@
$(B)/nk/%.o: nk/%.asm nk/cr0.inc Makefile
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@
$(B)/boot/%.o: boot/%.asm Makefile
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@
$(B)/outer_%.o: %.c $(wildcard include/*/*.h outer/fs/*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@
$(B)/outer_%.o: %.asm Makefile
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@

# nk calls no outer code: its only references outside nk are the two fixed
# outer entry points.
$(B)/nk.o: $(NK_OBJS)
	$(Q)$(LD) -r -o $@ $^
	@undef=$$(nm -u $@ | awk '{print $$2}' | grep -v -x -e outer_main -e outer_trap -e boot_magic -e boot_mbi -e '__.*' || true); \
	if [ -n "$$undef" ]; then echo "nk references outer symbols: $$undef" >&2; exit 1; fi

$(KERNEL): $(BOOT_OBJS) $(B)/nk.o $(OUTER_OBJS) linker.ld $(I5SCAN)
	@echo "  LD      $@"
	$(Q)$(LD) $(LDFLAGS) -o $@ $(BOOT_OBJS) $(NK_OBJS) $(OUTER_OBJS)
	$(Q)$(I5SCAN) --allow tools/i5-allow.txt $@

$(I5SCAN): tools/i5scan.c nk/i5.c nk/i5.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O2 -Wall -Wextra -Werror -o $@ tools/i5scan.c nk/i5.c

$(ISO): $(KERNEL) tools/grub.cfg $(INITRAMFS)
	@rm -rf $(B)/iso && mkdir -p $(B)/iso/boot/grub
	$(Q)cp $(KERNEL) $(B)/iso/boot/kernel.elf
	$(Q)cp $(INITRAMFS) $(B)/iso/boot/initramfs.cpio
	$(Q)cp tools/grub.cfg $(B)/iso/boot/grub/grub.cfg
	@echo "  ISO     $@"
	$(Q)grub-mkrescue -o $@ $(B)/iso 2>/dev/null

QEMU_ARGS := -machine q35 -cpu max -m $(MEM) -accel $(ACCEL) -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -display none -serial stdio

comma := ,
# poweroff leaves QEMU through isa-debug-exit 0, which QEMU reports as status 1
run: deps $(ISO)
	$(QEMU) $(QEMU_ARGS) -cdrom $(ISO) $(if $(CMDLINE),-fw_cfg name=opt/nk/cmdline$(comma)string="$(CMDLINE)") \
		|| [ $$? -eq 1 ]

debug: deps $(ISO)
	@echo "QEMU waits for gdb on :1234; in another terminal: gdb -x tools/gdbinit"
	$(QEMU) $(QEMU_ARGS) -cdrom $(ISO) -s -S

deps:
	@tools/deps.sh

clean:
	rm -rf build

# Both images, then every test level; the last line is 'N passed, M failed'.
test: deps
	$(MAKE) --no-print-directory NK=1 iso
	$(MAKE) --no-print-directory NK=0 iso
	tests/run-all.sh

attack: deps
	$(MAKE) --no-print-directory NK=1 iso
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
		--suppress=missingIncludeSystem nk outer drivers policies lib

