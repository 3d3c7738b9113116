# User space: the programs of the initramfs and the user test suite.
#
#   make user              build/user/rootfs/ and $(INITRAMFS) (build/initramfs.cpio)
#   make user-host-test    run the user test suite natively on this machine (KTAP)
#   make user EXTRA_FILES=dir   also copy the tree dir/ into the image
#
# Included by the top Makefile (which sets INITRAMFS); also usable alone:
# make -f user/user.mk user. Programs are built with musl-gcc -static
# (-Os -Wall -Wextra -Werror) into build/user/rootfs/{sbin,bin,bench,tests};
# Debian's busybox-static (BUSYBOX, /bin/busybox) is copied to bin/busybox
# and its applets (`busybox --list-full`: bin/sh, bin/ls, sbin/insmod, ...)
# become symlinks to it, except where the project has its own program
# (sbin/init) and linuxrc;
# tests/hello-glibc with gcc -static (glibc); tests/tiny, tests/bad/* and the
# test data come from tests/user/mkfiles.py. The cpio (newc, owner 0:0) is
# made from build/user/image/ = rootfs + EXTRA_FILES, every time (cheap), and
# replaces $(INITRAMFS) only when its bytes change, so what depends on it is
# rebuilt only then. Variables are US_-prefixed: this file is included.

US_SAVED_GOAL := $(.DEFAULT_GOAL)

INITRAMFS ?= build/initramfs.cpio
EXTRA_FILES ?=
Q ?= @

US_CC ?= musl-gcc
US_GLIBC_CC ?= gcc
US_CFLAGS := -static -no-pie -Os -std=gnu11 -Wall -Wextra -Werror -Iinclude -Iuser/lib \
	-ffunction-sections -fdata-sections
US_LDFLAGS := -Wl,--gc-sections
US_B := build/user
US_ROOT := $(US_B)/rootfs
US_IMAGE := $(US_B)/image

US_LIB := user/lib/ulib.c
US_HDRS := user/lib/ulib.h include/uapi/nksys.h
US_DEPS := $(US_LIB) $(US_HDRS) user/user.mk

US_BIN_NAMES := $(basename $(notdir $(wildcard user/bin/*.c)))
US_BINS := $(US_BIN_NAMES:%=$(US_ROOT)/bin/%) $(US_ROOT)/sbin/init
BUSYBOX ?= /bin/busybox
US_APPLETS := $(US_B)/applets.stamp
US_UTEST_SRCS := tests/user/utest.c $(sort $(wildcard tests/user/t_*.c))
# the benchmark workloads (bench.md, tools/bench.py): /bench/<name>
US_BENCH_NAMES := $(basename $(notdir $(wildcard user/bench/*.c)))
US_BENCH := $(US_BENCH_NAMES:%=$(US_ROOT)/bench/%)
US_TESTS := $(US_ROOT)/tests/utest $(US_ROOT)/tests/argecho $(US_ROOT)/tests/hello-glibc
US_STATIC := $(patsubst user/rootfs/%,$(US_ROOT)/%,$(shell find user/rootfs -type f 2>/dev/null))
US_DATA := $(US_B)/data.stamp
US_OWN := $(US_BINS) $(US_BENCH) $(US_TESTS) $(US_STATIC) $(US_DATA)
US_ALL := $(US_OWN) $(US_APPLETS)
# the macro workloads (bench.md, issue 18): /bench/macro/, adds to US_ALL
include user/macro/macro.mk

.PHONY: user user-host-test us-force

user: $(INITRAMFS)

$(US_ROOT)/bin/%: user/bin/%.c $(US_DEPS)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(US_CC) $(US_CFLAGS) -o $@ $< $(US_LIB) $(US_LDFLAGS)

$(US_ROOT)/bench/%: user/bench/%.c user/bench/bench.h $(US_DEPS)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(US_CC) $(US_CFLAGS) -o $@ $< $(US_LIB) $(US_LDFLAGS)

# busybox and its applet links. A link goes where the rootfs has no file of
# the project's own (US_OWN); an older file there (a program since deleted)
# is replaced. Links are relative (bin/ls -> busybox, sbin/insmod ->
# ../bin/busybox) so that the rootfs also works on the host
# (user-host-test). tmpfs has no hard links, hence symlinks.
$(US_APPLETS): $(wildcard $(BUSYBOX)) $(US_OWN) user/user.mk
	@[ -x "$(BUSYBOX)" ] || { echo "$(BUSYBOX) missing: tools/deps.sh installs busybox-static" >&2; exit 1; }
	@! readelf -l "$(BUSYBOX)" | grep -q INTERP || { echo "$(BUSYBOX) is dynamically linked: install busybox-static" >&2; exit 1; }
	@echo "  BUSYBOX $(US_ROOT)/bin/busybox and its applets"
	$(Q)mkdir -p $(US_ROOT)/bin && cp $(BUSYBOX) $(US_ROOT)/bin/busybox
	$(Q)printf '%s\n' $(patsubst $(US_ROOT)/%,%,$(US_OWN)) > $@.own
	$(Q)"$(BUSYBOX)" --list-full | while read -r p; do \
		case "$$p" in linuxrc|*/busybox) continue;; esac; \
		grep -qxF "$$p" $@.own && continue; \
		d=$${p%/*}; case "$$d" in bin) t=busybox;; */*) t=../../bin/busybox;; *) t=../bin/busybox;; esac; \
		mkdir -p $(US_ROOT)/$$d && rm -f $(US_ROOT)/$$p && ln -s $$t $(US_ROOT)/$$p || exit 1; \
	done
	$(Q)rm -f $@.own && touch $@

$(US_ROOT)/sbin/init: user/sbin/init.c $(US_DEPS)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(US_CC) $(US_CFLAGS) -o $@ $< $(US_LIB) $(US_LDFLAGS)

$(US_ROOT)/tests/utest: $(US_UTEST_SRCS) tests/user/utest.h $(US_DEPS)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(US_CC) $(US_CFLAGS) -Itests/user -o $@ $(US_UTEST_SRCS) $(US_LIB) $(US_LDFLAGS)

$(US_ROOT)/tests/argecho: tests/user/argecho.c $(US_DEPS)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(US_CC) $(US_CFLAGS) -o $@ $< $(US_LDFLAGS)

# glibc, not musl: the kernel must run what glibc's static start-up needs
$(US_ROOT)/tests/hello-glibc: tests/user/hello_glibc.c user/user.mk
	@mkdir -p $(dir $@)
	@echo "  GCC     $@ (glibc, static)"
	$(Q)$(US_GLIBC_CC) -static -no-pie -Os -std=gnu11 -Wall -Wextra -Werror -o $@ $<

$(US_ROOT)/%: user/rootfs/%
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# tests/tiny, tests/bad/*, tests/pattern.bin, tests/overlay.txt; the symlink
# tests/link -> argecho; the empty directories the kernel fills or writes.
$(US_DATA): tests/user/mkfiles.py user/user.mk
	@mkdir -p $(US_ROOT)/tests $(US_ROOT)/tmp $(US_ROOT)/dev
	@echo "  GEN     $(US_ROOT)/tests/{tiny,bad/*,pattern.bin,overlay.txt}"
	$(Q)rm -rf $(US_ROOT)/tests/bad
	$(Q)python3 tests/user/mkfiles.py $(US_ROOT)
	$(Q)ln -sfn argecho $(US_ROOT)/tests/link
	$(Q)touch $@

$(INITRAMFS): $(US_ALL) us-force
	$(Q)rm -rf $(US_IMAGE) && cp -a $(US_ROOT) $(US_IMAGE)
	$(Q)if [ -n "$(EXTRA_FILES)" ]; then \
		[ -d "$(EXTRA_FILES)" ] || { echo "EXTRA_FILES=$(EXTRA_FILES): not a directory" >&2; exit 1; }; \
		cp -a "$(EXTRA_FILES)/." $(US_IMAGE)/; fi
	$(Q)mkdir -p $(dir $@)
	$(Q)(cd $(US_IMAGE) && find . -mindepth 1 | LC_ALL=C sort | \
		cpio -o -H newc --owner=0:0 --reproducible --quiet) > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; echo "  CPIO    $@"; fi

# The suite on this machine, on a scratch copy of the rootfs (it writes to
# tmp/ and tests/), started the way the kernel starts it: init in test mode.
user-host-test: $(US_ALL)
	$(Q)rm -rf $(US_B)/hostroot && cp -a $(US_ROOT) $(US_B)/hostroot
	$(Q)UTEST_ROOT=$(CURDIR)/$(US_B)/hostroot $(US_B)/hostroot/sbin/init test

.DEFAULT_GOAL := $(if $(US_SAVED_GOAL),$(US_SAVED_GOAL),user)
