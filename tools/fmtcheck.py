#!/usr/bin/env python3
"""fmtcheck: every format string passed to the tree's printf-like functions
uses only what the formatter (lib/fmt.c, lib/fmt.h) supports.

    tools/fmtcheck.py [--list] [PATH...]   (default: nk outer drivers policies lib include)

The printf-like functions are found, not listed: every function declared
with __attribute__((format(printf, N, M))), and every macro that passes
its arguments on to one (panic -> panic_at, FAIL -> ksnprintf). Then:

  - every call's format argument must be string literals (concatenated),
    or a macro's own parameter inside that macro; a variable format would
    take '%' from data;
  - every conversion in it must be one lib/fmt.c implements, with flags,
    width, precision and length modifier the C standard defines for it
    (C11 7.21.6.1): flags - + space # 0, width and precision digits or *,
    length hh h l ll z j t on d i u o x X only, conversions d i u o x X c
    s p %; # only with o x X, + and space only with d i, 0 not with c s p,
    no precision with c p, %% alone;
  - every function definition with a ... parameter that calls
    fmt_vsnprintf carries the format attribute (so the compiler checks the
    argument types of its calls: -Wformat in -Wall).

Prints one line per problem (file:line: ...), then
'fmtcheck: N calls, M format strings checked, K problems'; exits 1 if
K > 0, 2 on a usage error. --list also prints every distinct conversion
used, with its count.
"""
import os
import re
import sys

DEFAULT_PATHS = ["nk", "outer", "drivers", "policies", "lib", "include"]

# What lib/fmt.c implements (lib/fmt.h's contract); keep the two in step.
FLAGS = "-+ #0"
CONVS = "diuoxXcsp%"
INT_CONVS = "diuoxX"
LENGTHS = ("hh", "h", "ll", "l", "z", "j", "t")
ALT_OK = "oxX"        # '#'
SIGN_OK = "di"        # '+' and ' '
ZERO_BAD = "csp"      # '0'
PREC_BAD = "cp"       # '.precision'

SPEC_RE = re.compile(
    r"%(?P<pos>[0-9]+\$)?(?P<flags>[-+ #0']*)(?P<width>\*|[0-9]+)?"
    r"(?P<prec>\.(?:\*|[0-9]*))?(?P<len>hh|h|ll|l|L|j|z|t)?(?P<conv>.?)",
    re.S)


def spec_problems(spec):
    """Problems with one conversion specification (a SPEC_RE match)."""
    text = spec.group(0)
    flags, conv, length = spec.group("flags"), spec.group("conv"), spec.group("len")
    if not conv:
        return ["'%s' at the end of the format has no conversion" % text]
    out = []
    if spec.group("pos"):
        out.append("'%s': positional arguments (n$) are not supported" % text)
    if conv not in CONVS:
        out.append("'%s': conversion '%s' is not supported by lib/fmt.c" % (text, conv))
        return out
    if conv == "%":
        if text != "%%":
            out.append("'%s': %%%% takes no flags, width, precision or length" % text)
        return out
    for f in flags:
        if f == "'":
            out.append("'%s': flag \"'\" (thousands) is not supported" % text)
        elif f == "#" and conv not in ALT_OK:
            out.append("'%s': flag '#' is undefined with %%%s (only o x X)" % (text, conv))
        elif f in "+ " and conv not in SIGN_OK:
            out.append("'%s': flag '%s' is only for d i" % (text, f))
        elif f == "0" and conv in ZERO_BAD:
            out.append("'%s': flag '0' is undefined with %%%s" % (text, conv))
    if spec.group("prec") is not None and conv in PREC_BAD:
        out.append("'%s': precision is undefined with %%%s" % (text, conv))
    if length:
        if length not in LENGTHS:
            out.append("'%s': length modifier '%s' is not supported" % (text, length))
        elif conv not in INT_CONVS:
            out.append("'%s': length modifier '%s' with %%%s (wide characters) is not supported"
                       % (text, length, conv))
    return out


def format_problems(fmt):
    """(specs, problems) of a decoded format string."""
    specs, problems = [], []
    i = 0
    while True:
        i = fmt.find("%", i)
        if i < 0:
            return specs, problems
        m = SPEC_RE.match(fmt, i)
        specs.append(m.group(0))
        problems += spec_problems(m)
        i = m.end() if m.end() > i else i + 1


# ---- a small C tokenizer: identifiers, literals, punctuation, line numbers ----

TOKEN_RE = re.compile(r"""
    (?P<ws>[ \t\r\f\v]+|\\\n)
  | (?P<nl>\n)
  | (?P<lc>//[^\n]*)
  | (?P<bc>/\*.*?\*/)
  | (?P<str>(?:u8|u|U|L)?"(?:[^"\\\n]|\\.)*")
  | (?P<chr>(?:u|U|L)?'(?:[^'\\\n]|\\.)*')
  | (?P<id>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<num>\.?[0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*)
  | (?P<ell>\.\.\.)
  | (?P<p>.)
""", re.S | re.X)


class Tok:
    __slots__ = ("kind", "text", "line", "define")

    def __init__(self, kind, text, line, define):
        self.kind, self.text, self.line, self.define = kind, text, line, define


def tokenize(src):
    """Tokens of src. Each carries its line and, inside a #define, the
    macro's (name, params, variadic) tuple."""
    toks = []
    line = 1
    bol = True          # at the beginning of a line (only blanks before)
    in_pp = False       # inside a preprocessor line
    define = None       # (name, params, variadic) of the #define being read
    pp_toks = []        # tokens of the current preprocessor line
    pos = 0
    while pos < len(src):
        m = TOKEN_RE.match(src, pos)
        kind = m.lastgroup
        text = m.group(kind)
        pos = m.end()
        if kind == "nl":
            line += 1
            bol = True
            in_pp = False
            define = None
            continue
        if kind == "ws":
            line += text.count("\n")
            continue
        if kind in ("lc", "bc"):
            line += text.count("\n")
            continue
        if bol and kind == "p" and text == "#":
            in_pp = True
            pp_toks = []
            bol = False
            continue
        bol = False
        if in_pp:
            pp_toks.append((kind, text, pos))
            if len(pp_toks) == 2 and pp_toks[0][1] == "define" and kind == "id":
                # function-like only when '(' follows the name directly
                if src.startswith("(", pos):
                    close = src.index(")", pos)
                    plist = [p.strip() for p in src[pos + 1:close].split(",") if p.strip()]
                    variadic = bool(plist) and plist[-1] == "..."
                    params = [p for p in plist if p != "..."]
                    define = (text, params, variadic)
                    pos = close + 1
                else:
                    define = (text, None, False)
                continue
            if not (pp_toks and pp_toks[0][1] == "define"):
                continue  # #include, #if ...: not code
        toks.append(Tok(kind, text, line, define))
    return toks


ESC = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b", "f": "\f",
       "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?", "e": "\x1b"}


def decode_string(tok):
    """The characters of one string literal token."""
    body = tok[tok.index('"') + 1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        n = body[i + 1]
        if n in "01234567":
            j = i + 1
            while j < len(body) and j < i + 4 and body[j] in "01234567":
                j += 1
            out.append(chr(int(body[i + 1:j], 8)))
            i = j
        elif n == "x":
            j = i + 2
            while j < len(body) and body[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(chr(int(body[i + 2:j], 16) & 0xff))
            i = j
        else:
            out.append(ESC.get(n, n))
            i += 2
    return "".join(out)


def split_args(toks, i):
    """toks[i] is '('. Returns (list of argument token lists, index after ')')."""
    depth, args, cur = 0, [], []
    j = i
    while j < len(toks):
        t = toks[j]
        if t.kind == "p" and t.text in "([{":
            depth += 1
            if depth > 1:
                cur.append(t)
        elif t.kind == "p" and t.text in ")]}":
            depth -= 1
            if depth == 0:
                if cur or args:
                    args.append(cur)
                return args, j + 1
            cur.append(t)
        elif t.kind == "p" and t.text == "," and depth == 1:
            args.append(cur)
            cur = []
        else:
            cur.append(t)
        j += 1
    return args, j


ATTR_RE = re.compile(r"__attribute__\s*\(\(\s*(?:__)?format(?:__)?\s*\(\s*(?:__)?printf(?:__)?"
                     r"\s*,\s*([0-9]+)\s*,\s*([0-9]+)\s*\)\s*\)\)")


def find_printf_functions(files):
    """{name: format argument index (1-based)} from the format attributes."""
    found = {}
    for toks in files.values():
        for i, t in enumerate(toks):
            if t.kind != "id" or t.text != "__attribute__":
                continue
            # the attribute's text, then the declaration's name: the last
            # identifier before a '(' in this declaration, before or after it
            args, end = split_args(toks, i + 1)
            m = ATTR_RE.match("".join(x.text for x in toks[i:end]))
            if not m:
                continue
            idx = int(m.group(1))
            j = i - 1
            while j >= 0 and toks[j].define == t.define and not (toks[j].kind == "p" and toks[j].text in ";{}"):
                j -= 1
            decl = toks[j + 1:i]
            if not any(x.kind == "p" and x.text == "(" for x in decl):
                # attribute before the declarator: look after it
                k = end
                while k < len(toks) and toks[k].define == t.define and \
                        not (toks[k].kind == "p" and toks[k].text in ";{"):
                    k += 1
                decl = toks[end:k]
            name = None
            for a, b in zip(decl, decl[1:]):
                if a.kind == "id" and a.text != "__attribute__" and b.kind == "p" and b.text == "(":
                    name = a.text
                    break
            if name:
                found[name] = idx
    return found


def find_printf_macros(files, funcs):
    """{macro name: format argument index (1-based)} for macros that pass
    their own argument on as the format of a printf-like function."""
    macros = {}
    changed = True
    while changed:
        changed = False
        known = dict(funcs, **macros)
        for toks in files.values():
            for i, t in enumerate(toks):
                d = t.define
                if not d or d[1] is None or d[0] in macros or t.kind != "id" or t.text not in known:
                    continue
                if i + 1 >= len(toks) or toks[i + 1].text != "(":
                    continue
                args, _ = split_args(toks, i + 1)
                n = known[t.text]
                if len(args) < n or len(args[n - 1]) != 1:
                    continue
                a = args[n - 1][0].text
                name, params, variadic = d
                if a == "__VA_ARGS__" and variadic:
                    macros[name] = len(params) + 1
                elif a in params:
                    macros[name] = params.index(a) + 1
                else:
                    continue
                changed = True
    return macros


def check_files(paths):
    files = {}
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                for n in sorted(names):
                    if n.endswith((".c", ".h")):
                        files[os.path.join(root, n)] = None
        elif os.path.isfile(p):
            files[p] = None
        else:
            print("fmtcheck: %s: no such file or directory" % p, file=sys.stderr)
            sys.exit(2)
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            files[f] = tokenize(fh.read())
    funcs = find_printf_functions(files)
    macros = find_printf_macros(files, funcs)
    known = dict(funcs, **macros)
    problems, used = [], {}
    ncalls = nformats = 0
    for f, toks in sorted(files.items()):
        for i, t in enumerate(toks):
            if t.kind != "id" or t.text not in known or i + 1 >= len(toks) or toks[i + 1].text != "(":
                continue
            if t.define and t.define[0] == t.text:
                continue  # the macro's own name in its #define
            prev = toks[i - 1] if i else None
            if prev is not None and prev.kind == "p" and prev.text in ".>":
                continue  # a struct member of the same name
            args, _ = split_args(toks, i + 1)
            if any(x.kind == "ell" for a in args for x in a):
                continue  # a declaration or definition
            n = known[t.text]
            ncalls += 1
            where = "%s:%d" % (f, t.line)
            if len(args) < n:
                problems.append("%s: %s: no format argument" % (where, t.text))
                continue
            fa = args[n - 1]
            if t.define and len(fa) == 1 and (fa[0].text == "__VA_ARGS__" or
                                              (t.define[1] and fa[0].text in t.define[1])):
                continue  # passes the macro's own argument on
            if not fa or any(x.kind != "str" for x in fa):
                problems.append("%s: %s: the format is not a string literal (%s)"
                                % (where, t.text, " ".join(x.text for x in fa)[:60]))
                continue
            fmt = "".join(decode_string(x.text) for x in fa)
            nformats += 1
            specs, bad = format_problems(fmt)
            for s in specs:
                used[s] = used.get(s, 0) + 1
            for b in bad:
                problems.append("%s: %s(\"%s\"): %s" % (where, t.text, fmt.encode("unicode_escape")
                                                      .decode()[:70], b))
    # printf-like definitions must carry the attribute
    for f, toks in sorted(files.items()):
        for i, t in enumerate(toks):
            if t.kind != "id" or i + 1 >= len(toks) or toks[i + 1].text != "(" or t.define:
                continue
            args, end = split_args(toks, i + 1)
            if not args or not any(len(a) == 1 and a[0].kind == "ell" for a in args):
                continue
            if end >= len(toks) or toks[end].text != "{":
                continue
            # the body: up to the matching brace
            depth, k = 0, end
            calls_fmt = False
            while k < len(toks):
                x = toks[k]
                if x.text == "{":
                    depth += 1
                elif x.text == "}":
                    depth -= 1
                    if depth == 0:
                        break
                elif x.kind == "id" and x.text in ("fmt_vsnprintf", "nk_fmt_vsnprintf"):
                    calls_fmt = True
                k += 1
            if calls_fmt and t.text not in funcs:
                problems.append("%s:%d: %s formats with fmt_vsnprintf but has no "
                                "__attribute__((format(printf, N, M)))" % (f, t.line, t.text))
    return ncalls, nformats, problems, used, known


def main(argv):
    args = argv[1:]
    listing = "--list" in args
    args = [a for a in args if a != "--list"]
    if any(a.startswith("-") for a in args):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    ncalls, nformats, problems, used, known = check_files(args or DEFAULT_PATHS)
    for p in problems:
        print(p)
    if listing:
        print("printf-like: " + " ".join("%s(format arg %d)" % kv for kv in sorted(known.items())))
        for s, c in sorted(used.items(), key=lambda kv: (-kv[1], kv[0])):
            print("%6d  %s" % (c, s))
    print("fmtcheck: %d calls, %d format strings checked, %d problems" % (ncalls, nformats, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
