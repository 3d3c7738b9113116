/*
 * I5 instruction scanner: finds the byte encodings that outer-kernel code must
 * never contain (spec section 3, invariant I5). Freestanding: used by nk at
 * module load time and by tools/i5scan on the host at build time.
 */
#ifndef NK_I5_H
#define NK_I5_H

#include <stddef.h>
#include <stdint.h>

/* Kinds of forbidden encoding (spec I5; Intel SDM vol 2, opcode tables ). */
enum i5_kind {
	I5_NONE = 0,
	I5_MOV_CR0, /* 0F 22 /0 (also CR8 with REX.R) */
	I5_MOV_CR3, /* 0F 22 /3 */
	I5_MOV_CR4, /* 0F 22 /4 */
	I5_MOV_DR,  /* 0F 23 /r */
	I5_WRMSR,   /* 0F 30 */
	I5_LGDT,    /* 0F 01 /2, mod != 3 */
	I5_LIDT,    /* 0F 01 /3, mod != 3 */
	I5_LLDT,    /* 0F 00 /2 */
	I5_LTR,	    /* 0F 00 /3 */
	I5_LMSW,    /* 0F 01 /6 */
};

/*
 * i5_match: the kind of forbidden encoding that starts at byte offset off of
 * buf (len bytes), or I5_NONE. The match is by bytes, not by decoded
 * instruction: the two opcode bytes and, when the encoding has one, the
 * ModRM byte must all lie inside buf. Prefixes before 0F are irrelevant (the
 * match starts at 0F). Conservative: 0F 22 /0 with REX.R (MOV to CR8) is
 * reported as I5_MOV_CR0. off >= len gives I5_NONE; never reads outside buf.
 * Source: Intel SDM vol 2, MOV (control/debug registers), WRMSR, LGDT/LIDT,
 * LLDT, LTR, LMSW; opcode map tables A-3 and A-6 (groups 6 and 7); spec I5.
 */
enum i5_kind i5_match(const uint8_t *buf, size_t len, size_t off);

/*
 * i5_scan: tries i5_match at every byte offset of buf from start (inclusive)
 * to len. Returns the first offset with a hit and sets *kind to its kind; if
 * there is none (or start >= len), returns len and sets *kind to I5_NONE.
 * kind may be NULL. To find every hit, call again with start = hit + 1.
 * Source: spec I5 ("at no byte offset").
 */
size_t i5_scan(const uint8_t *buf, size_t len, size_t start, enum i5_kind *kind);

/*
 * i5_kind_name: a short human-readable name for k, e.g. "MOV to CR3"; "none"
 * for I5_NONE and "unknown" for a value outside the enum. Never NULL; the
 * string is static.
 */
const char *i5_kind_name(enum i5_kind k);

#endif /* NK_I5_H */
