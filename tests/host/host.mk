# Host unit tests of nk: cmocka tests of the vMMU's validation logic,
# compiled for the host against fake physical memory (tests/host/fake_arch.c).
#
#   make host-test                       (from the top Makefile, which includes this)
#   make -f tests/host/host.mk host-test (standalone, from the repo root)
#   make host-test HOST_SAN=             (without ASan/UBSan)
#
# Every tests/host/test_*.c becomes build/host/test_*; host-test runs them all, prints
# cmocka's output and a last line `host: N passed, M failed`, and fails if M > 0.
# Most tests use the fixture (tests/host/fixture.c: a machine built by hand),
# linked with the fake arch, nk's vMMU and region code, its ACPI parser
# (nk/acpi.c: test_acpi gives it fake physical memory) and policies/*.c, and
# stand-ins for nk's boot-time files (tests/host/fake_nk.c). The machine tests
# (HOST_MACH_TESTS) link all of nk's C instead, boot.c, cpu.c, log.c, walk.c,
# kcov.c and the formatter included, and boot the fake machine with nk_boot
# (tests/host/machine.c). The file system tests (HOST_FS_TESTS) link outer/fs/
# instead, with tests/host/fs_stubs.c standing in for the rest of the kernel.
# Every build links the project's formatter (lib/fmt.c), never the C
# library's printf, for what nk and the outer kernel print (test_fmt checks
# it against the C library).
# Variables are HOST_-prefixed: this file is included by the top Makefile.

HOST_SAVED_GOAL := $(.DEFAULT_GOAL)

HOST_CC ?= gcc
HOST_DIR := tests/host
HOST_BUILD := build/host
HOST_NK_SRCS := nk/frame.c nk/smp_release.c nk/shoot.c nk/vmmu.c nk/multicall.c nk/ctl.c nk/check.c nk/region.c nk/code.c nk/iommu.c lib/i5.c \
	nk/acpi.c nk/apic.c $(wildcard policies/*.c)
HOST_SUPPORT := $(HOST_DIR)/fake_arch.c $(HOST_DIR)/fake_vtd.c $(HOST_DIR)/fake_nk.c $(HOST_DIR)/fixture.c lib/fmt.c
HOST_MACH_TESTS := test_boot test_cpu test_log test_walk test_kcov test_iommu test_smp
# test_iommu hands nk outer-kernel buffers (a frame list, a PTE batch) that
# live in fake memory: its __wrap_arch_kernel_readable gives nk's own walk
# (nk/walk.c) their direct-map address. Per-test link flags: HOST_LDFLAGS_<test>.
HOST_LDFLAGS_test_iommu := -Wl,--wrap=arch_kernel_readable
HOST_MACH_NK_SRCS := $(HOST_NK_SRCS) nk/boot.c nk/mb2.c nk/cpufeat.c nk/boot_tables.c nk/cpu.c nk/log.c nk/walk.c nk/kcov.c \
	nk/iommu_boot.c nk/smp.c nk/apic_boot.c lib/fmt.c
HOST_MACH_SUPPORT := $(HOST_DIR)/fake_arch.c $(HOST_DIR)/fake_vtd.c $(HOST_DIR)/machine.c
HOST_MACH_BINS := $(HOST_MACH_TESTS:%=$(HOST_BUILD)/%)
HOST_FS_TESTS := test_fs test_sys_fs
HOST_MELF_BIN := $(HOST_BUILD)/test_modelf
HOST_EXECELF_BIN := $(HOST_BUILD)/test_execelf
HOST_TESTS := $(filter-out $(HOST_FS_TESTS) $(HOST_MACH_TESTS) test_modelf test_execelf,$(basename $(notdir $(wildcard $(HOST_DIR)/test_*.c))))
HOST_BINS := $(HOST_TESTS:%=$(HOST_BUILD)/%)
HOST_FS_SRCS := $(filter-out outer/fs/page.c outer/fs/fs_init.c outer/fs/stubs_tmp.c outer/fs/moddev.c outer/fs/procfs.c outer/fs/sys_statfs.c,$(wildcard outer/fs/*.c))
HOST_FS_SUPPORT := $(HOST_DIR)/fs_stubs.c lib/fmt.c
HOST_FS_BINS := $(HOST_FS_TESTS:%=$(HOST_BUILD)/%)
HOST_FS_HDRS := $(HOST_DIR)/fs_stubs.h $(wildcard outer/fs/*.h include/outer/*.h include/nk/*.h)
HOST_HDRS := $(wildcard $(HOST_DIR)/*.h include/nk/*.h nk/*.h policies/*.h lib/fmt.h)

# ASan + UBSan when the host toolchain can build and run them.
HOST_SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
HOST_SAN ?= $(shell d=$$(mktemp -d) && printf 'int main(void){return 0;}\n' > $$d/san.c && \
	$(HOST_CC) $(HOST_SAN_FLAGS) $$d/san.c -o $$d/san 2>/dev/null && \
	ASAN_OPTIONS=detect_leaks=0 $$d/san && echo '$(HOST_SAN_FLAGS)'; rm -rf $$d)
HOST_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -Iinclude -Ink -I$(HOST_DIR) -DNK_HOST_BUILD
HOST_LIBS := -lcmocka

.PHONY: host-test

$(HOST_BINS): $(HOST_BUILD)/%: $(HOST_DIR)/%.c $(HOST_SUPPORT) $(HOST_NK_SRCS) $(HOST_HDRS)
	@mkdir -p $(HOST_BUILD)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_SAN) -o $@ $< $(HOST_SUPPORT) $(HOST_NK_SRCS) $(HOST_LIBS)

$(HOST_MACH_BINS): $(HOST_BUILD)/%: $(HOST_DIR)/%.c $(HOST_MACH_SUPPORT) $(HOST_MACH_NK_SRCS) $(HOST_HDRS)
	@mkdir -p $(HOST_BUILD)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_SAN) -o $@ $< $(HOST_MACH_SUPPORT) $(HOST_MACH_NK_SRCS) \
		$(HOST_LDFLAGS_$*) $(HOST_LIBS)

$(HOST_FS_BINS): $(HOST_BUILD)/%: $(HOST_DIR)/%.c $(HOST_FS_SUPPORT) $(HOST_FS_SRCS) $(HOST_FS_HDRS)
	@mkdir -p $(HOST_BUILD)
	$(HOST_CC) $(HOST_CFLAGS) -DFS_HOST_TEST -Iouter/fs $(HOST_SAN) -o $@ $< $(HOST_FS_SUPPORT) \
		$(HOST_FS_SRCS) $(HOST_LIBS)

# The module ELF loader (outer/modelf.c) and execve's ELF checks
# (outer/execelf.c), each alone, built for the host with the kernel's
# ksnprintf and formatter (not the C library's snprintf).
HOST_KFMT_SRCS := outer/kfmt.c lib/fmt.c
HOST_ELF_HDRS := include/outer/modelf.h include/outer/execelf.h include/outer/elf.h include/outer/kernel.h lib/fmt.h
$(HOST_MELF_BIN): $(HOST_DIR)/test_modelf.c outer/modelf.c $(HOST_KFMT_SRCS) $(HOST_ELF_HDRS)
	@mkdir -p $(HOST_BUILD)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_SAN) -o $@ $< outer/modelf.c $(HOST_KFMT_SRCS) $(HOST_LIBS)
$(HOST_EXECELF_BIN): $(HOST_DIR)/test_execelf.c outer/execelf.c $(HOST_KFMT_SRCS) $(HOST_ELF_HDRS)
	@mkdir -p $(HOST_BUILD)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_SAN) -o $@ $< outer/execelf.c $(HOST_KFMT_SRCS) $(HOST_LIBS)

# Count per binary: passed = cmocka's "[       OK ]" lines, failed = the tests
# that started ("[ RUN      ]") without passing, or 1 if the binary failed
# without a failing test (crash before the first test, bad exit).
host-test: $(HOST_BINS) $(HOST_MACH_BINS) $(HOST_FS_BINS) $(HOST_MELF_BIN) $(HOST_EXECELF_BIN)
	@pass=0; fail=0; \
	for t in $(abspath $(HOST_BINS) $(HOST_MACH_BINS) $(HOST_FS_BINS) $(HOST_MELF_BIN) $(HOST_EXECELF_BIN)); do \
		ASAN_OPTIONS=detect_leaks=0 $$t > $$t.log 2>&1; rc=$$?; \
		cat $$t.log; \
		run=$$(grep -c '^\[ RUN      \]' $$t.log); \
		ok=$$(grep -c '^\[       OK \]' $$t.log); \
		bad=$$((run - ok)); \
		if [ $$rc -ne 0 ] && [ $$bad -eq 0 ]; then bad=1; echo "$$t: exit status $$rc"; fi; \
		pass=$$((pass + ok)); fail=$$((fail + bad)); \
	done; \
	echo "host: $$pass passed, $$fail failed"; \
	[ $$fail -eq 0 ]

.DEFAULT_GOAL := $(HOST_SAVED_GOAL)
