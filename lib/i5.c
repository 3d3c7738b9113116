/*
 * I5 instruction scanner (spec section 3, invariant I5).
 * Byte-pattern matcher over the two-byte opcode map (0F xx) of Intel SDM
 * vol 2, appendix A. Freestanding: no libc.
 */
#include <x86/i5.h>

/* ModRM fields (Intel SDM vol 2, 2.1.5): mod = bits 7:6, reg = bits 5:3. */
static unsigned int modrm_mod(uint8_t modrm)
{
	return modrm >> 6;
}
static unsigned int modrm_reg(uint8_t modrm)
{
	return (modrm >> 3) & 7;
}

/* Group 7 (0F 01): LGDT /2 and LIDT /3 memory forms only (mod 3 encodes
 * XGETBV, VMRUN, ...); LMSW /6 in any form. */
static enum i5_kind match_group7(uint8_t modrm)
{
	unsigned int reg = modrm_reg(modrm);

	if (reg == 6)
		return I5_LMSW;
	if (modrm_mod(modrm) == 3)
		return I5_NONE;
	if (reg == 2)
		return I5_LGDT;
	if (reg == 3)
		return I5_LIDT;
	return I5_NONE;
}

/* Group 6 (0F 00): LLDT /2 and LTR /3, any form. */
static enum i5_kind match_group6(uint8_t modrm)
{
	unsigned int reg = modrm_reg(modrm);

	if (reg == 2)
		return I5_LLDT;
	if (reg == 3)
		return I5_LTR;
	return I5_NONE;
}

/* MOV CRn, r64 (0F 22): CR0 /0 (CR8 with REX.R), CR3 /3, CR4 /4. */
static enum i5_kind match_mov_cr(uint8_t modrm)
{
	switch (modrm_reg(modrm)) {
	case 0:
		return I5_MOV_CR0;
	case 3:
		return I5_MOV_CR3;
	case 4:
		return I5_MOV_CR4;
	default:
		return I5_NONE;
	}
}

enum i5_kind i5_match(const uint8_t *buf, size_t len, size_t off)
{
	uint8_t modrm;

	if (off >= len || len - off < 2 || buf[off] != 0x0f)
		return I5_NONE;
	if (buf[off + 1] == 0x30)
		return I5_WRMSR;
	if (len - off < 3)
		return I5_NONE; /* every other encoding needs a ModRM byte */
	modrm = buf[off + 2];
	switch (buf[off + 1]) {
	case 0x00:
		return match_group6(modrm);
	case 0x01:
		return match_group7(modrm);
	case 0x22:
		return match_mov_cr(modrm);
	case 0x23:
		return I5_MOV_DR;
	default:
		return I5_NONE;
	}
}

size_t i5_scan(const uint8_t *buf, size_t len, size_t start, enum i5_kind *kind)
{
	enum i5_kind k = I5_NONE;
	size_t off;

	for (off = start; off < len; off++) {
		k = i5_match(buf, len, off);
		if (k != I5_NONE)
			break;
	}
	if (off > len)
		off = len;
	if (kind)
		*kind = k;
	return off;
}

const char *i5_kind_name(enum i5_kind k)
{
	switch (k) {
	case I5_NONE:
		return "none";
	case I5_MOV_CR0:
		return "MOV to CR0";
	case I5_MOV_CR3:
		return "MOV to CR3";
	case I5_MOV_CR4:
		return "MOV to CR4";
	case I5_MOV_DR:
		return "MOV to DRn";
	case I5_WRMSR:
		return "WRMSR";
	case I5_LGDT:
		return "LGDT";
	case I5_LIDT:
		return "LIDT";
	case I5_LLDT:
		return "LLDT";
	case I5_LTR:
		return "LTR";
	case I5_LMSW:
		return "LMSW";
	}
	return "unknown";
}
