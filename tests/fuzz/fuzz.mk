# Fuzzing nk's vMMU, nk's ACPI parser and the outer kernel's ELF loaders
# (docs/coverage.md).
# Included by the top Makefile, after tests/host/host.mk (whose HOST_*
# variables it reuses).
#
#   make fuzz SECONDS=N         host: four libFuzzer harnesses, N seconds each:
#                               fuzz_vmmu (nk's validation logic on fake
#                               physical memory, seeded from tests/fuzz/corpus/),
#                               fuzz_acpi (nk's ACPI parser, nk/acpi.c, on
#                               fake physical memory, seeded with
#                               tests/fuzz/mkacpi.py's tables),
#                               fuzz_modelf (the module loader, outer/modelf.c,
#                               seeded with the driver and some attack .ko
#                               files, debug info stripped) and fuzz_execelf
#                               (execve's ELF checks, outer/execelf.c, seeded
#                               with tests/fuzz/mkelf.py's executables); the
#                               loaders are linked with the kernel's formatter,
#                               the parsers with nk's (lib/fmt.c both)
#   make fuzz-kernel SECONDS=N  QEMU: the kcov-style fuzzer (tests/fuzz/kernel/kfuzz.c) in a
#                               kernel whose vMMU code is built with
#                               -fsanitize-coverage=trace-pc (build/fuzz/)
#
# New inputs go to build/fuzz-host/corpus (fuzz_vmmu) and
# build/fuzz-host/corpus-{acpi,modelf,execelf} (the seeds are only read); a
# failing input is saved as build/fuzz-host/crash-* (acpi-crash-*,
# modelf-crash-*, execelf-crash-*).

FUZZ_CC ?= clang
FUZZ_HOST := build/fuzz-host
FUZZ_BIN := $(FUZZ_HOST)/fuzz_vmmu
FUZZ_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -Iinclude -Ink -I$(HOST_DIR) -DNK_HOST_BUILD \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SECS = $(or $(SECONDS),60)

# fuzz_vmmu's second oracle: the MMU oracle's page-table walker (issue 16)
FUZZ_WALK := tests/kernel/mmu_walk.c
$(FUZZ_BIN): tests/fuzz/fuzz_vmmu.c $(FUZZ_WALK) tests/kernel/mmu_walk.h $(HOST_SUPPORT) $(HOST_NK_SRCS) $(HOST_HDRS) tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/kernel -o $@ tests/fuzz/fuzz_vmmu.c $(FUZZ_WALK) $(HOST_SUPPORT) $(HOST_NK_SRCS) $(HOST_LIBS)

# nk's ACPI parser, on the fake accessor of tests/fuzz/fuzz_acpi.c, linked
# as fuzz_vmmu is (nk's host sources, lib/fmt.c among the support files).
FUZZ_ACPI_BIN := $(FUZZ_HOST)/fuzz_acpi
$(FUZZ_ACPI_BIN): tests/fuzz/fuzz_acpi.c $(HOST_SUPPORT) $(HOST_NK_SRCS) $(HOST_HDRS) tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_acpi.c $(HOST_SUPPORT) $(HOST_NK_SRCS) $(HOST_LIBS)

# The ELF loaders, each alone with the kernel's ksnprintf and formatter.
FUZZ_MELF_BIN := $(FUZZ_HOST)/fuzz_modelf
FUZZ_EXECELF_BIN := $(FUZZ_HOST)/fuzz_execelf
$(FUZZ_MELF_BIN): tests/fuzz/fuzz_modelf.c outer/modelf.c $(HOST_KFMT_SRCS) $(HOST_ELF_HDRS) tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_modelf.c outer/modelf.c $(HOST_KFMT_SRCS)
$(FUZZ_EXECELF_BIN): tests/fuzz/fuzz_execelf.c outer/execelf.c $(HOST_KFMT_SRCS) $(HOST_ELF_HDRS) tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_execelf.c outer/execelf.c $(HOST_KFMT_SRCS)

# Seeds: real modules (build/modules/, built here if missing) without their
# debug sections, crafted executables and crafted ACPI tables (QEMU's
# among them).
FUZZ_ACPI_SEEDS := $(FUZZ_HOST)/seeds-acpi
FUZZ_MELF_SEEDS := $(FUZZ_HOST)/seeds-modelf
FUZZ_EXECELF_SEEDS := $(FUZZ_HOST)/seeds-execelf
FUZZ_MELF_SEED_KOS := $(DRIVER_KOS) $(addprefix $(MOD_B)/attacks/,i5_wrmsr_hidden.ko write_module_text.ko \
	exec_own_data.ko batch_mixed.ko)
$(FUZZ_MELF_SEEDS).stamp: $(FUZZ_MELF_SEED_KOS)
	@rm -rf $(FUZZ_MELF_SEEDS) && mkdir -p $(FUZZ_MELF_SEEDS)
	$(Q)for k in $^; do objcopy --strip-debug $$k $(FUZZ_MELF_SEEDS)/$$(basename $$k); done
	@touch $@
$(FUZZ_ACPI_SEEDS).stamp: tests/fuzz/mkacpi.py
	@rm -rf $(FUZZ_ACPI_SEEDS) && mkdir -p $(FUZZ_ACPI_SEEDS)
	$(Q)python3 tests/fuzz/mkacpi.py $(FUZZ_ACPI_SEEDS)
	@touch $@
$(FUZZ_EXECELF_SEEDS).stamp: tests/fuzz/mkelf.py
	@rm -rf $(FUZZ_EXECELF_SEEDS) && mkdir -p $(FUZZ_EXECELF_SEEDS)
	$(Q)python3 tests/fuzz/mkelf.py $(FUZZ_EXECELF_SEEDS)
	@touch $@

.PHONY: fuzz fuzz-host-bin
fuzz-host-bin: $(FUZZ_BIN) $(FUZZ_ACPI_BIN) $(FUZZ_MELF_BIN) $(FUZZ_EXECELF_BIN) \
	$(FUZZ_ACPI_SEEDS).stamp $(FUZZ_MELF_SEEDS).stamp $(FUZZ_EXECELF_SEEDS).stamp

fuzz: deps fuzz-host-bin
	@mkdir -p $(FUZZ_HOST)/corpus $(FUZZ_HOST)/corpus-acpi $(FUZZ_HOST)/corpus-modelf \
		$(FUZZ_HOST)/corpus-execelf
	ASAN_OPTIONS=detect_leaks=0 $(FUZZ_BIN) -max_total_time=$(FUZZ_SECS) -max_len=1024 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_HOST)/ $(FUZZ_HOST)/corpus tests/fuzz/corpus
	ASAN_OPTIONS=detect_leaks=0 $(FUZZ_ACPI_BIN) -max_total_time=$(FUZZ_SECS) -max_len=4096 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_HOST)/acpi- $(FUZZ_HOST)/corpus-acpi \
		$(FUZZ_ACPI_SEEDS)
	ASAN_OPTIONS=detect_leaks=0 $(FUZZ_MELF_BIN) -max_total_time=$(FUZZ_SECS) -max_len=16384 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_HOST)/modelf- $(FUZZ_HOST)/corpus-modelf \
		$(FUZZ_MELF_SEEDS) tests/fuzz/corpus-modelf
	ASAN_OPTIONS=detect_leaks=0 $(FUZZ_EXECELF_BIN) -max_total_time=$(FUZZ_SECS) -max_len=8192 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_HOST)/execelf- $(FUZZ_HOST)/corpus-execelf \
		$(FUZZ_EXECELF_SEEDS)

# The fuzz kernel: nk's call logic (vmmu.c, multicall.c, ctl.c) built with trace-pc, the
# kcov callback and gates (nk/kcov.c, nk/gate.asm under NK_FUZZ).
FUZZ_KERN := build/fuzz
FUZZ_ISO := $(FUZZ_KERN)/nk.iso

.PHONY: fuzz-kernel fuzz-kernel-iso
fuzz-kernel-iso:
	$(MAKE) --no-print-directory NK=1 B=$(FUZZ_KERN) ISO=$(FUZZ_ISO) XCFLAGS=-DNK_FUZZ=1 \
		XNASMFLAGS=-DNK_FUZZ NK_XSRCS=nk/kcov.c I5SCAN_FATAL=0 \
		INSTR_OBJS='$(FUZZ_KERN)/nk/vmmu.o $(FUZZ_KERN)/nk/multicall.o $(FUZZ_KERN)/nk/ctl.o' \
		INSTR_FLAGS=-fsanitize-coverage=trace-pc iso

fuzz-kernel: deps fuzz-kernel-iso
	python3 tests/fuzz/kfuzz.py --iso $(FUZZ_ISO) --seconds $(FUZZ_SECS)
