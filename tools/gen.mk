# tools/gen.mk, the files generated for NASM: a fragment of the top-level
# Makefile, included before the parts that assemble.

# Generated for NASM (build/gen/, the same for every build): the C
# constants and layouts its code uses (tools/asm_offsets.c: `->NAME value`
# markers in the compiler's assembly) and one gate per vMMU call of
# include/nk/calls.h (tools/gen_gates.c).
GEN := build/gen
GEN_INCS := $(GEN)/asm_offsets.inc $(GEN)/nk_gates.inc
$(GEN)/asm_offsets.inc: tools/asm_offsets.c include/nk/vmmu.h include/nk/errors.h include/nk/calls.h \
		include/outer/trap.h include/outer/smp.h include/outer/errno.h include/x86/selectors.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -O2 -ffreestanding -Iinclude -S $< -o $@.s
	$(Q){ echo "; generated from tools/asm_offsets.c: do not edit"; \
		grep -- '->' $@.s | sed -E 's/.*->([A-Za-z0-9_]+) \$$?(-?[0-9]+).*/\1 equ \2/'; } > $@
$(GEN)/nk_gates.inc: tools/gen_gates.c include/nk/calls.h
	@mkdir -p $(dir $@)
	$(Q){ echo "; generated from include/nk/calls.h: do not edit"; \
		$(CC) -E -P -Iinclude $< | tr '@' '\n' | sed 's/^ *//' | grep '^GATE'; } > $@

