/*
 * Host unit test of lib/i5.c: i5_match on every opcode/ModRM edge named in
 * spec I5, buffer bounds, i5_scan and i5_kind_name. Prints one line per
 * failed case; exits 1 if any failed.
 */
#include <stdio.h>
#include <string.h>

#include "../../include/x86/i5.h"

static int failures;

/* expect_match: i5_match(bytes, len, off) == want. */
static void expect_match(const char *what, const uint8_t *bytes, size_t len, size_t off,
			 enum i5_kind want)
{
	enum i5_kind got = i5_match(bytes, len, off);

	if (got != want) {
		printf("unit: %s: got %s, want %s\n", what, i5_kind_name(got), i5_kind_name(want));
		failures++;
	}
}

/* m3: match the 3 bytes a b c at offset 0 of a 3-byte buffer. */
static void m3(const char *what, uint8_t a, uint8_t b, uint8_t c, enum i5_kind want)
{
	const uint8_t buf[3] = {a, b, c};

	expect_match(what, buf, 3, 0, want);
}

int main(void)
{
	static const uint8_t cr3[] = {0x0f, 0x22, 0xd8};
	static const uint8_t scan_buf[] = {0x90, 0x0f, 0x01, 0xd0, 0x0f, 0x30, 0x0f, 0x00, 0xd8};
	enum i5_kind k;
	size_t off;
	unsigned int modrm;

	/* 0F 22: CR0/CR3/CR4 in every mod; CR2 and others are not listed. */
	for (modrm = 0; modrm < 256; modrm++) {
		unsigned int reg = (modrm >> 3) & 7, mod = modrm >> 6;
		enum i5_kind cr = reg == 0   ? I5_MOV_CR0
				  : reg == 3 ? I5_MOV_CR3
				  : reg == 4 ? I5_MOV_CR4
					     : I5_NONE;
		enum i5_kind g6 = reg == 2 ? I5_LLDT : reg == 3 ? I5_LTR : I5_NONE;
		enum i5_kind g7 = reg == 6   ? I5_LMSW
				  : mod == 3 ? I5_NONE
				  : reg == 2 ? I5_LGDT
				  : reg == 3 ? I5_LIDT
					     : I5_NONE;
		m3("0F 22 /r", 0x0f, 0x22, modrm, cr);
		m3("0F 23 /r", 0x0f, 0x23, modrm, I5_MOV_DR);
		m3("0F 00 /r", 0x0f, 0x00, modrm, g6);
		m3("0F 01 /r", 0x0f, 0x01, modrm, g7);
		m3("0F 20 /r (read CR)", 0x0f, 0x20, modrm, I5_NONE);
		m3("0F 21 /r (read DR)", 0x0f, 0x21, modrm, I5_NONE);
	}
	m3("xgetbv 0F 01 D0", 0x0f, 0x01, 0xd0, I5_NONE);
	m3("swapgs 0F 01 F8", 0x0f, 0x01, 0xf8, I5_NONE);
	m3("lgdt [rax] 0F 01 10", 0x0f, 0x01, 0x10, I5_LGDT);
	m3("lidt [rax] 0F 01 18", 0x0f, 0x01, 0x18, I5_LIDT);
	m3("lmsw ax 0F 01 F0", 0x0f, 0x01, 0xf0, I5_LMSW);
	m3("rdmsr 0F 32", 0x0f, 0x32, 0x00, I5_NONE);
	m3("22 without 0F", 0x90, 0x22, 0xd8, I5_NONE);

	/* Bounds: WRMSR needs 2 bytes; every other kind needs its ModRM. */
	expect_match("wrmsr at end", (const uint8_t[]){0x90, 0x0f, 0x30}, 3, 1, I5_WRMSR);
	expect_match("lone 0F at end", (const uint8_t[]){0x0f, 0x30}, 1, 0, I5_NONE);
	expect_match("0F 22 without ModRM", cr3, 2, 0, I5_NONE);
	expect_match("0F 22 D8 complete", cr3, 3, 0, I5_MOV_CR3);
	expect_match("off == len", cr3, 3, 3, I5_NONE);
	expect_match("off > len", cr3, 3, 7, I5_NONE);
	expect_match("empty buffer", cr3, 0, 0, I5_NONE);

	/* i5_scan: every byte offset, from start, len when none. */
	off = i5_scan(scan_buf, sizeof(scan_buf), 0, &k);
	if (off != 4 || k != I5_WRMSR) {
		printf("unit: scan from 0: got %zu %s, want 4 WRMSR\n", off, i5_kind_name(k));
		failures++;
	}
	off = i5_scan(scan_buf, sizeof(scan_buf), 5, &k);
	if (off != 6 || k != I5_LTR) {
		printf("unit: scan from 5: got %zu %s, want 6 LTR\n", off, i5_kind_name(k));
		failures++;
	}
	off = i5_scan(scan_buf, sizeof(scan_buf) - 1, 5, &k);
	if (off != sizeof(scan_buf) - 1 || k != I5_NONE) {
		printf("unit: scan with cut ModRM: got %zu %s, want len none\n", off,
		       i5_kind_name(k));
		failures++;
	}
	off = i5_scan(scan_buf, sizeof(scan_buf), 100, NULL);
	if (off != sizeof(scan_buf)) {
		printf("unit: scan from past end: got %zu, want len\n", off);
		failures++;
	}

	if (strcmp(i5_kind_name(I5_MOV_CR3), "MOV to CR3") != 0 ||
	    strcmp(i5_kind_name((enum i5_kind)99), "unknown") != 0) {
		printf("unit: i5_kind_name\n");
		failures++;
	}
	return failures ? 1 : 0;
}
