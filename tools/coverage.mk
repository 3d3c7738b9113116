# make coverage: host unit tests built with gcov, and coverage builds of the
# kernel (nested and native) run through the QEMU suite (which includes the
# attack run); gcovr merges both into build/coverage/. See docs/coverage.md.
# Included by the top Makefile; everything goes to build/coverage*/, never to
# the normal build's directories.
#
# In the kernel only objects that run with CR0.WP=1 are instrumented: the
# outer kernel, drivers, the outer copy of lib/fmt.c, and nk/native.c (the
# NK=0 backend, plain functions called by the outer kernel). nk's other code
# runs with WP=0 (gates, checker, boot after enable_protection, panic) and
# is covered by the host unit tests instead: the fixture's tests and the
# machine tests, which boot the fake machine through nk/boot.c, cpu.c,
# log.c, walk.c and kcov.c (tests/host/host.mk); so is policies/ (nk-side
# code), which INSTR_SKIP keeps uninstrumented whatever its objects are
# named. nk/arch_x86.c (one privileged instruction per function, no host
# build) and the assembly are not measured; the table names arch_x86.c.

COV_OUT := build/coverage
COV_HOST := build/coverage-host
COV_KERN := build/coverage-kernel
COV_HOST_CFLAGS := $(HOST_CFLAGS) -O0 --coverage
COV_KFLAGS := --coverage -fprofile-info-section -O0
COV_LIBGCOV = $(shell $(CC) -print-file-name=libgcov.a)

# host: every host-test source once, each test linked from them
COV_HOST_LIB_SRCS := $(HOST_NK_SRCS) $(HOST_SUPPORT)
COV_HOST_LIB_OBJS := $(COV_HOST_LIB_SRCS:%.c=$(COV_HOST)/obj/%.o)
COV_HOST_MACH_SRCS := $(HOST_MACH_NK_SRCS) $(HOST_MACH_SUPPORT)
COV_HOST_MACH_OBJS := $(COV_HOST_MACH_SRCS:%.c=$(COV_HOST)/obj/%.o)
COV_HOST_BINS := $(HOST_TESTS:%=$(COV_HOST)/%) $(HOST_MACH_TESTS:%=$(COV_HOST)/%) $(COV_HOST)/i5unit

$(COV_HOST)/obj/%.o: %.c $(HOST_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(COV_HOST_CFLAGS) -c $< -o $@

$(HOST_TESTS:%=$(COV_HOST)/%): $(COV_HOST)/%: $(COV_HOST)/obj/$(HOST_DIR)/%.o $(COV_HOST_LIB_OBJS)
	$(HOST_CC) --coverage -o $@ $^ $(HOST_LIBS)

$(HOST_MACH_TESTS:%=$(COV_HOST)/%): $(COV_HOST)/%: $(COV_HOST)/obj/$(HOST_DIR)/%.o $(COV_HOST_MACH_OBJS)
	$(HOST_CC) --coverage -o $@ $^ $(HOST_LDFLAGS_$*) $(HOST_LIBS)

$(COV_HOST)/i5unit: $(COV_HOST)/obj/tests/scanner/unit.o $(COV_HOST)/obj/lib/i5.o
	$(HOST_CC) --coverage -o $@ $^

.PHONY: coverage coverage-host-bins coverage-kernels
coverage-host-bins: $(COV_HOST_BINS)

coverage-kernels:
	$(MAKE) --no-print-directory NK=1 B=$(COV_KERN)/nested ISO=$(COV_KERN)/nk.iso COVERAGE=1 \
		XCFLAGS=-DNK_COVERAGE=1 INSTR_OBJS='$(COV_KERN)/nested/outer_%' \
		INSTR_SKIP='$(COV_KERN)/nested/outer_policies/%' \
		INSTR_FLAGS='$(COV_KFLAGS)' KLIBS=$(COV_LIBGCOV) I5SCAN_FATAL=0 iso
	$(MAKE) --no-print-directory NK=0 B=$(COV_KERN)/native ISO=$(COV_KERN)/native.iso COVERAGE=1 \
		XCFLAGS=-DNK_COVERAGE=1 INSTR_OBJS='$(COV_KERN)/native/outer_% $(COV_KERN)/native/nk/native.o' \
		INSTR_SKIP='$(COV_KERN)/native/outer_policies/%' \
		INSTR_FLAGS='$(COV_KFLAGS)' KLIBS=$(COV_LIBGCOV) I5SCAN_FATAL=0 iso

coverage: deps
	@find $(COV_HOST) $(COV_KERN) -name '*.gcda' -delete 2>/dev/null || true
	$(MAKE) --no-print-directory coverage-host-bins
	$(MAKE) --no-print-directory coverage-kernels
	COV_OUT=$(COV_OUT) COV_HOST=$(COV_HOST) COV_KERN=$(COV_KERN) tools/coverage.sh $(COV_HOST_BINS)
