/* fmt_vsnprintf: a small printf formatter (lib/fmt.h). This one source is
 * compiled twice: into nk (renamed nk_fmt_vsnprintf, so nk calls no outer
 * code) and into the outer kernel. It calls no library function.
 * Source: C11 7.21.6.1 (the fprintf conversion specification). */
#include "fmt.h"

struct out {
	char *buf;
	size_t cap, len;
};

/* One conversion specification: flags, field width, precision, length. */
enum len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };
struct spec {
	bool left, plus, space, alt, zero; /* the flags - + space # 0 */
	int width;			   /* minimum field width, characters */
	int prec;			   /* precision, or -1 when none is given */
	enum len len;
};

#define FMT_NUM_MAX 100000 /* widths and precisions are clamped here */

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void put_n(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* n characters of s in the field: space-padded to the width, on the left
 * unless the - flag is given. */
static void put_field(struct out *o, const struct spec *sp, const char *s, int n)
{
	if (!sp->left)
		put_n(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->left)
		put_n(o, ' ', sp->width - n);
}

/* An integer conversion of v: prefix (sign, "0x"), zeros up to the
 * precision (or, with the 0 flag and no precision, up to the width),
 * then the digits; a zero value with precision 0 has no digits. # with
 * base 8 makes the first digit a 0 (C11 7.21.6.1p6). */
static void put_int(struct out *o, const struct spec *sp, uint64_t v, unsigned base, bool upper,
		    const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char dig[24]; /* 2^64 has 22 octal digits */
	int nd = 0;
	if (v || sp->prec != 0) {
		do {
			dig[nd++] = digits[v % base];
			v /= base;
		} while (v);
	}
	int npre = 0;
	while (prefix[npre])
		npre++;
	int zeros = sp->prec > nd ? sp->prec - nd : 0;
	if (sp->alt && base == 8 && zeros == 0 && (nd == 0 || dig[nd - 1] != '0'))
		zeros = 1;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > npre + zeros + nd)
		zeros = sp->width - npre - nd;
	int total = npre + zeros + nd;
	if (!sp->left)
		put_n(o, ' ', sp->width - total);
	for (int i = 0; i < npre; i++)
		put(o, prefix[i]);
	put_n(o, '0', zeros);
	while (nd)
		put(o, dig[--nd]);
	if (sp->left)
		put_n(o, ' ', sp->width - total);
}

/* The next signed argument, read as the length modifier says. */
static int64_t arg_signed(enum len l, va_list *ap)
{
	switch (l) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		return (int64_t)va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

/* The next unsigned argument, read as the length modifier says. */
static uint64_t arg_unsigned(enum len l, va_list *ap)
{
	switch (l) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	case LEN_T:
		return (uint64_t)va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

/* A decimal number at *f (advanced past it), clamped to FMT_NUM_MAX. */
static int parse_num(const char **f)
{
	int n = 0;
	while (**f >= '0' && **f <= '9') {
		if (n < FMT_NUM_MAX)
			n = n * 10 + (**f - '0');
		(*f)++;
	}
	return n < FMT_NUM_MAX ? n : FMT_NUM_MAX;
}

/* Parse one specification after its '%' (f points past it); returns the
 * pointer to the conversion character. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){.prec = -1};
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	if (*f == '*') {
		int w = va_arg(*ap, int);
		f++;
		if (w < 0) {
			sp->left = true;
			w = w < -FMT_NUM_MAX ? FMT_NUM_MAX : -w;
		}
		sp->width = w < FMT_NUM_MAX ? w : FMT_NUM_MAX;
	} else {
		sp->width = parse_num(&f);
	}
	if (*f == '.') {
		f++;
		if (*f == '*') {
			int p = va_arg(*ap, int);
			f++;
			sp->prec = p < 0 ? -1 : p < FMT_NUM_MAX ? p : FMT_NUM_MAX;
		} else {
			sp->prec = parse_num(&f);
		}
	}
	switch (*f) {
	case 'h':
		sp->len = f[1] == 'h' ? LEN_HH : LEN_H;
		f += f[1] == 'h' ? 2 : 1;
		break;
	case 'l':
		sp->len = f[1] == 'l' ? LEN_LL : LEN_L;
		f += f[1] == 'l' ? 2 : 1;
		break;
	case 'z':
		sp->len = LEN_Z;
		f++;
		break;
	case 'j':
		sp->len = LEN_J;
		f++;
		break;
	case 't':
		sp->len = LEN_T;
		f++;
		break;
	}
	return f;
}

size_t fmt_vsnprintf(char *buf, size_t cap, const char *f, va_list ap)
{
	struct out o = {buf, cap, 0};
	va_list aq;
	va_copy(aq, ap);
	for (; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		const char *start = f;
		struct spec sp;
		f = parse_spec(f + 1, &sp, &aq);
		char c = *f;
		if (sp.len != LEN_NONE && (c == 'c' || c == 's' || c == 'p' || c == '%'))
			c = '?'; /* wide characters and strings are not supported */
		switch (c) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(sp.len, &aq);
			const char *sign = v < 0 ? "-" : sp.plus ? "+" : sp.space ? " " : "";
			put_int(&o, &sp, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, false, sign);
			break;
		}
		case 'u':
			put_int(&o, &sp, arg_unsigned(sp.len, &aq), 10, false, "");
			break;
		case 'o':
			put_int(&o, &sp, arg_unsigned(sp.len, &aq), 8, false, "");
			break;
		case 'x':
		case 'X': {
			uint64_t v = arg_unsigned(sp.len, &aq);
			const char *pre = sp.alt && v ? (c == 'X' ? "0X" : "0x") : "";
			put_int(&o, &sp, v, 16, c == 'X', pre);
			break;
		}
		case 'p': {
			/* always 0x and 16 digits: an address reads the same at any value */
			struct spec ps = {.left = sp.left, .width = sp.width, .prec = 16};
			put_int(&o, &ps, (uint64_t)(uintptr_t)va_arg(aq, void *), 16, false, "0x");
			break;
		}
		case 'c': {
			char ch = (char)va_arg(aq, int);
			put_field(&o, &sp, &ch, 1);
			break;
		}
		case 's': {
			const char *s = va_arg(aq, const char *);
			if (!s)
				s = "(null)";
			int n = 0;
			while (s[n] && (sp.prec < 0 || n < sp.prec))
				n++;
			put_field(&o, &sp, s, n);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:
			/* not a conversion this formatter knows: the text as written,
			 * no argument consumed (tools/fmtcheck.py keeps these out) */
			for (const char *p = start; p < f; p++)
				put(&o, *p);
			if (!*f)
				f--;
			else
				put(&o, *f);
		}
	}
	va_end(aq);
	if (cap)
		buf[o.len < cap ? o.len : cap - 1] = 0;
	return o.len;
}
