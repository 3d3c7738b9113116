# outer/outer.mk, the outer kernel's objects and the harnesses': a fragment of the top-level Makefile (which sets B, NK, HARNESS,
# KCFLAGS, NASMFLAGS and includes it).

OUTER_SRCS := $(wildcard outer/*.c) $(wildcard outer/fs/*.c) $(wildcard drivers/*.c) lib/fmt.c lib/i5.c
OUTER_ASMS := $(wildcard outer/*.asm)
# The harnesses: optional components. Each brings its console commands
# (CONSOLE_COMMAND, include/outer/console.h) and its exports (EXPORT_SYMBOL).
HARNESS_DIRS := tests/kernel tests/attacks tests/bench tests/fuzz/kernel tests/coverage
HARNESS_SRCS := $(foreach d,$(HARNESS_DIRS),$(wildcard $(d)/*.c))
HARNESS_ASMS := $(foreach d,$(HARNESS_DIRS),$(wildcard $(d)/*.asm))
HARNESS_OBJS := $(HARNESS_SRCS:%.c=$(B)/outer_%.o) $(HARNESS_ASMS:%.asm=$(B)/outer_%.o)

KERNEL_OUTER_OBJS := $(OUTER_SRCS:%.c=$(B)/outer_%.o) $(OUTER_ASMS:%.asm=$(B)/outer_%.o)
# what the image links: the outer kernel proper, and the harnesses unless HARNESS=0
OUTER_OBJS := $(KERNEL_OUTER_OBJS) $(if $(filter 0,$(HARNESS)),,$(HARNESS_OBJS))
$(B)/outer_%.o: %.c $(wildcard include/*/*.h outer/fs/*.h) $(foreach d,$(HARNESS_DIRS),$(wildcard $(d)/*.h)) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) $(call instr,$@) -c $< -o $@
$(B)/outer_%.o: %.asm $(wildcard include/x86/*.inc) $(GEN_INCS) Makefile
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@

# The kernel proper references nothing a harness defines (tests/harness/check.sh);
# with HARNESS=0 such a reference would not link at all.
HARNESS_OK := $(B)/harness-check.ok
$(HARNESS_OK): tests/harness/check.sh $(B)/nk.o $(KERNEL_OUTER_OBJS) $(HARNESS_OBJS)
	$(Q)tests/harness/check.sh $(B)/nk.o $(KERNEL_OUTER_OBJS) -- $(HARNESS_OBJS)
	@touch $@

