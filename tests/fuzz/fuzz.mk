# Fuzzing nk's vMMU (docs/coverage.md). Included by the top Makefile, after
# tests/host/host.mk (whose HOST_* variables it reuses).
#
#   make fuzz SECONDS=N         host: libFuzzer harness (tests/fuzz/fuzz_vmmu.c)
#                               over nk's validation logic and fake physical
#                               memory, seeded from tests/fuzz/corpus/
#   make fuzz-kernel SECONDS=N  QEMU: the kcov-style fuzzer (outer/kfuzz.c) in a
#                               kernel whose vMMU code is built with
#                               -fsanitize-coverage=trace-pc (build/fuzz/)
#
# New inputs go to build/fuzz-host/corpus (the tree's corpus is only read);
# a failing input is saved as build/fuzz-host/crash-*.

FUZZ_CC ?= clang
FUZZ_HOST := build/fuzz-host
FUZZ_BIN := $(FUZZ_HOST)/fuzz_vmmu
FUZZ_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -Iinclude -Ink -I$(HOST_DIR) -DNK_HOST_BUILD \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SECS = $(or $(SECONDS),60)

$(FUZZ_BIN): tests/fuzz/fuzz_vmmu.c $(HOST_SUPPORT) $(HOST_NK_SRCS) $(HOST_HDRS) tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_vmmu.c $(HOST_SUPPORT) $(HOST_NK_SRCS) $(HOST_LIBS)

.PHONY: fuzz fuzz-host-bin
fuzz-host-bin: $(FUZZ_BIN)

fuzz: deps $(FUZZ_BIN)
	@mkdir -p $(FUZZ_HOST)/corpus
	ASAN_OPTIONS=detect_leaks=0 $(FUZZ_BIN) -max_total_time=$(FUZZ_SECS) -max_len=1024 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_HOST)/ $(FUZZ_HOST)/corpus tests/fuzz/corpus

# The fuzz kernel: nk's call logic (vmmu.c, ctl.c) built with trace-pc, the
# kcov callback and gates (nk/kcov.c, nk/gate.asm under NK_FUZZ).
FUZZ_KERN := build/fuzz
FUZZ_ISO := $(FUZZ_KERN)/nk.iso

.PHONY: fuzz-kernel fuzz-kernel-iso
fuzz-kernel-iso:
	$(MAKE) --no-print-directory NK=1 B=$(FUZZ_KERN) ISO=$(FUZZ_ISO) XCFLAGS=-DNK_FUZZ=1 \
		XNASMFLAGS=-DNK_FUZZ NK_XSRCS=nk/kcov.c I5SCAN_FATAL=0 \
		INSTR_OBJS='$(FUZZ_KERN)/nk/vmmu.o $(FUZZ_KERN)/nk/ctl.o' \
		INSTR_FLAGS=-fsanitize-coverage=trace-pc iso

fuzz-kernel: deps fuzz-kernel-iso
	python3 tests/fuzz/kfuzz.py --iso $(FUZZ_ISO) --seconds $(FUZZ_SECS)
