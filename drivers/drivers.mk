# drivers/drivers.mk, the modules (.ko): a fragment of the top-level Makefile (which sets B, NK, HARNESS,
# KCFLAGS, NASMFLAGS and includes it).

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
MOD_HDRS := include/outer/module.h include/outer/attack_api.h include/outer/moddev.h include/outer/pci.h \
	include/outer/irq.h include/outer/mm.h include/outer/errno.h include/x86/io.h \
	$(wildcard include/nk/*.h include/outer/kernel.h)
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

