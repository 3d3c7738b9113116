# tools/tools.mk, the build's tools and generated files: a fragment of the top-level Makefile (which sets B, NK, HARNESS,
# KCFLAGS, NASMFLAGS and includes it).

I5SCAN := build/tools/i5scan

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

$(I5SCAN): tools/i5scan.c lib/i5.c include/x86/i5.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O2 -Wall -Wextra -Werror -Iinclude -o $@ tools/i5scan.c lib/i5.c

