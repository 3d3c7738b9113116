# user/macro/macro.mk: the macro workloads of `make bench` (issue 18,
# ../shared/spec/bench.md's macro row, docs/bench.md), included by
# user/user.mk. Into the image's /bench/macro/:
#   run            the timer (musl; /bench/run-all starts it per workload)
#   db             the database workload: SQLite from Debian's libsqlite3-dev,
#                  linked with gcc -static (glibc: libsqlite3.a is built for it)
#   build.sh, archive.sh   the busybox ash workloads; words.txt their input
#   *-full.*, *-quick.*    the expected results, computed here on the build
#                  host by running the image's own programs (the same busybox
#                  binary, the same db) on the same input, at the sizes below
# The workload sizes, full (make bench) and quick (bench=quick, the smoke
# run of make test): build rounds, archive MiB, database rows.
MC_BUILD_FULL := 80
MC_BUILD_QUICK := 8
MC_ARCHIVE_FULL := 8
MC_ARCHIVE_QUICK := 1
MC_DB_FULL := 50000
MC_DB_QUICK := 5000
MC := $(US_ROOT)/bench/macro
MC_HOST := $(US_B)/macro-host
MC_SIZE = $(MC_$(1)_$(if $(filter full,$(2)),FULL,QUICK))
MC_EXPECT := $(foreach m,full quick,$(MC)/build-$(m).sha256 $(MC)/archive-$(m).sha256 $(MC)/db-$(m).expect)
US_ALL += $(MC)/run $(MC)/db $(MC)/build.sh $(MC)/archive.sh $(MC)/words.txt $(MC_EXPECT)

$(MC)/run: user/macro/run.c user/bench/bench.h user/macro/macro.mk $(US_DEPS)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(US_CC) $(US_CFLAGS) -Iuser/bench -DMC_BUILD_FULL=$(MC_BUILD_FULL) \
		-DMC_BUILD_QUICK=$(MC_BUILD_QUICK) -DMC_ARCHIVE_FULL=$(MC_ARCHIVE_FULL) \
		-DMC_ARCHIVE_QUICK=$(MC_ARCHIVE_QUICK) -DMC_DB_FULL=$(MC_DB_FULL) \
		-DMC_DB_QUICK=$(MC_DB_QUICK) -o $@ $< $(US_LIB) $(US_LDFLAGS)

# --no-warnings: the one warning is glibc's about dlopen in SQLite's
# extension loader, which db never calls
$(MC)/db: user/macro/db.c user/macro/macro.mk
	@mkdir -p $(dir $@)
	@[ -f /usr/include/sqlite3.h ] || { echo "db: needs libsqlite3-dev (tools/deps.sh run)" >&2; exit 1; }
	@echo "  GCC     $@ (glibc, static, libsqlite3)"
	$(Q)$(US_GLIBC_CC) -static -no-pie -O2 -std=gnu11 -Wall -Wextra -Werror -o $@ $< -lsqlite3 -lm \
		-Wl,--no-warnings

$(MC)/%.sh: user/macro/%.sh
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(MC)/words.txt: user/macro/mkwords.py
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)python3 $< $@

# the expected results: the workloads' own "expect" mode, on this machine
MC_RUNSH = rm -rf $(MC_HOST)/$(1) && mkdir -p $(MC_HOST) && \
	BB=$(CURDIR)/$(US_ROOT)/bin/busybox WORDS=$(CURDIR)/$(MC)/words.txt \
	$(US_ROOT)/bin/busybox sh $< $(MC_HOST)/$(1) $(2) > $@.tmp && mv $@.tmp $@ && rm -rf $(MC_HOST)/$(1)
$(MC)/build-%.sha256: $(MC)/build.sh $(MC)/words.txt $(US_APPLETS)
	@echo "  EXPECT  $@"
	$(Q)$(call MC_RUNSH,build-$*,$(call MC_SIZE,BUILD,$*))
$(MC)/archive-%.sha256: $(MC)/archive.sh $(MC)/words.txt $(US_APPLETS)
	@echo "  EXPECT  $@"
	$(Q)$(call MC_RUNSH,archive-$*,$(call MC_SIZE,ARCHIVE,$*))
$(MC)/db-%.expect: $(MC)/db
	@echo "  EXPECT  $@"
	$(Q)mkdir -p $(MC_HOST) && $< $(MC_HOST)/db-$*.sqlite $(call MC_SIZE,DB,$*) > $@.tmp && mv $@.tmp $@
