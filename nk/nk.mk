# nk/nk.mk, the nested kernel's objects and nk.o: a fragment of the top-level Makefile (which sets B, NK, HARNESS,
# KCFLAGS, NASMFLAGS and includes it).

# nk: trusted; its objects go to build/<variant>/nk/ so linker.ld places them in .nk.*
NK_COMMON := nk/frame.c nk/boot.c nk/mb2.c nk/cpufeat.c nk/boot_tables.c nk/cpu.c nk/arch_x86.c nk/walk.c nk/log.c nk/check.c nk/region.c \
	nk/acpi.c nk/iommu.c nk/iommu_boot.c nk/smp.c nk/smp_release.c nk/apic.c nk/apic_boot.c nk/shoot.c
ifeq ($(NK),1)
  NK_SRCS := $(NK_COMMON) nk/vmmu.c nk/multicall.c nk/ctl.c nk/code.c $(NK_XSRCS)
  NK_ASMS := nk/entry.asm nk/gate.asm nk/priv.asm nk/smp_boot.asm
else
  NK_SRCS := $(NK_COMMON) nk/native.c
  NK_ASMS := nk/entry.asm nk/priv.asm nk/smp_boot.asm
endif
# the write-mediation policies are nk code too: build/<variant>/nk/policy_*.o
POLICY_SRCS := $(wildcard policies/*.c)
NK_OBJS := $(NK_SRCS:%.c=$(B)/%.o) $(NK_ASMS:%.asm=$(B)/%.o) $(B)/nk/lib_fmt.o $(B)/nk/lib_i5.o \
	$(POLICY_SRCS:policies/%.c=$(B)/nk/policy_%.o)
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
# nk calls no outer code: its only references outside nk are the fixed
# outer entry points (outer_main, outer_ap_main) and its trap handler.
$(B)/nk.o: $(NK_OBJS)
	$(Q)$(LD) -r -o $@ $^
	@undef=$$(nm -u $@ | awk '{print $$2}' | grep -v -x -e outer_main -e outer_ap_main -e outer_trap -e boot_magic -e boot_mbi -e '__.*' || true); \
	if [ -n "$$undef" ]; then echo "nk references outer symbols: $$undef" >&2; exit 1; fi
	@tool=$$(nm -u $@ | awk '{print $$2}' | grep -e '^__gcov' -e '^__sanitizer' || true); \
	if [ -n "$$tool" ] && [ "$(COVERAGE)" != 1 ]; then echo "nk references instrumentation symbols: $$tool" >&2; exit 1; fi

