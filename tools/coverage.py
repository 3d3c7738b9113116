#!/usr/bin/env python3
"""Coverage helpers for `make coverage` (tools/coverage.mk, docs/coverage.md).

  coverage.py gcda STREAM --under DIR
      Decode a kernel coverage stream (tests/coverage/covdump.c, captured from QEMU's
      isa-debugcon) into .gcda files. Every file must lie under DIR (the
      coverage kernel's build directory); the names come from the kernel and
      are not trusted further. Prints how many files were written. Exit 1 if
      the stream is empty, truncated or malformed.

  coverage.py summary SUMMARY_JSON
      Print line and branch coverage per top-level directory from gcovr's
      --json-summary output, and each nk/ and policies/ C file that has no
      coverage data at all, with its size and why it is not measured.
"""
import glob
import json
import os
import struct
import sys

MAGIC = b"NKGCOV1\n"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def decode(data):
    """[(name, bytes)] of the stream; raises ValueError if malformed."""
    if not data.startswith(MAGIC):
        raise ValueError("no NKGCOV1 header (%d bytes)" % len(data))
    pos, files, cur = len(MAGIC), [], None
    while True:
        if pos + 5 > len(data):
            raise ValueError("truncated at byte %d" % pos)
        kind, n = data[pos:pos + 1], struct.unpack_from("<I", data, pos + 1)[0]
        pos += 5
        if kind == b"E":
            if n != len(files):
                raise ValueError("end record says %d files, stream had %d" % (n, len(files)))
            return files
        if pos + n > len(data):
            raise ValueError("record at byte %d runs past the end" % (pos - 5))
        body = data[pos:pos + n]
        pos += n
        if kind == b"F":
            cur = [body.decode(), bytearray()]
            files.append(cur)
        elif kind == b"D" and cur is not None:
            cur[1] += body
        else:
            raise ValueError("bad record %r at byte %d" % (kind, pos - n - 5))


def cmd_gcda(stream, under):
    under = os.path.realpath(under)
    with open(stream, "rb") as f:
        data = f.read()
    try:
        files = decode(data)
    except ValueError as e:
        print("coverage: %s: %s" % (stream, e), file=sys.stderr)
        return 1
    for name, body in files:
        path = os.path.realpath(name)
        if os.path.commonpath([path, under]) != under or not path.endswith(".gcda"):
            print("coverage: %s: refusing to write %s (not a .gcda under %s)" % (stream, name, under),
                  file=sys.stderr)
            return 1
        with open(path, "wb") as f:
            f.write(body)
    print("coverage: %s: %d .gcda files" % (os.path.basename(stream), len(files)))
    return 0 if files else 1


# Why an nk-side file has no coverage data (docs/coverage.md, "What is not
# instrumented"). Every other nk/ and policies/ file is built by the host
# tests (tests/host/host.mk).
UNMEASURED_WHY = {
    "nk/arch_x86.c": "the hardware accessors and nk's record of CR0/CR3/CR4 and the MSRs (the "
                     "no-gadget checks compare the CPU with it); no host build (the host tests use "
                     "tests/host/fake_arch.c); the QEMU gadget sweep and window test exercise it",
}
UNMEASURED_DEFAULT = ("nk-side code with no host test build; in the kernel it runs with CR0.WP=0 "
                      "and is not instrumented")


def pct(cov, total):
    return "%5.1f%%" % (100.0 * cov / total) if total else "   - "


def cmd_summary(path):
    with open(path) as f:
        summary = json.load(f)
    dirs = {}
    for fe in summary["files"]:
        top = fe["filename"].split("/")[0]
        d = dirs.setdefault(top, [0, 0, 0, 0, 0])
        d[0] += fe["line_covered"]
        d[1] += fe["line_total"]
        d[2] += fe["branch_covered"]
        d[3] += fe["branch_total"]
        d[4] += 1
    print("%-10s %6s %14s %8s %16s" % ("directory", "files", "lines", "", "branches"))
    for top in sorted(dirs):
        lc, lt, bc, bt, n = dirs[top]
        print("%-10s %6d %6d/%-6d %s %7d/%-7d %s" % (top + "/", n, lc, lt, pct(lc, lt), bc, bt, pct(bc, bt)))
    print("%-10s %6s %6d/%-6d %s %7d/%-7d %s" % (
        "total", "", summary["line_covered"], summary["line_total"],
        pct(summary["line_covered"], summary["line_total"]),
        summary["branch_covered"], summary["branch_total"],
        pct(summary["branch_covered"], summary["branch_total"])))
    measured = {fe["filename"] for fe in summary["files"]}
    trusted = glob.glob(os.path.join(ROOT, "nk", "*.c")) + glob.glob(os.path.join(ROOT, "policies", "**", "*.c"),
                                                                     recursive=True)
    unmeasured = sorted(os.path.relpath(p, ROOT) for p in trusted if os.path.relpath(p, ROOT) not in measured)
    for f in unmeasured:
        with open(os.path.join(ROOT, f)) as src:
            lines = sum(1 for _ in src)
        print("not measured: %s (%d lines): %s" % (f, lines, UNMEASURED_WHY.get(f, UNMEASURED_DEFAULT)))
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "gcda" and argv[3].startswith("--under="):
        return cmd_gcda(argv[2], argv[3][len("--under="):])
    if len(argv) == 5 and argv[1] == "gcda" and argv[3] == "--under":
        return cmd_gcda(argv[2], argv[4])
    if len(argv) == 3 and argv[1] == "summary":
        return cmd_summary(argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
