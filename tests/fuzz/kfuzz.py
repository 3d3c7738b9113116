#!/usr/bin/env python3
"""Run the in-kernel vMMU fuzzer (tests/fuzz/kernel/kfuzz.c) in QEMU on the fuzz build.

  kfuzz.py [--iso ISO] [--seconds N | --calls N] [--seed S] [--no-test]

Boots twice: `fuzz test` (KTAP: kcov's buffer bounds) unless --no-test,
then `fuzz N ...`. Prints the kernel's summary (vMMU calls, inputs kept for
new coverage, distinct PCs) and any invariant failure with the calls that
caused it, then 'kfuzz: N passed, M failed'. A run counts as passed when
the kernel exits through isa-debug-exit with success, reports no invariant
failure, made calls, and kept at least one input (kcov delivered PCs).
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "qemu"))
import run  # noqa: E402  (tests/qemu/run.py: boot, ktap, PASS_STATUS)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iso", default=os.path.join(run.ROOT, "build", "fuzz", "nk.iso"))
    ap.add_argument("--seconds", type=int, default=0)
    ap.add_argument("--calls", type=int, default=0)
    ap.add_argument("--seed", type=lambda s: int(s, 0), default=0)
    ap.add_argument("--no-test", action="store_true")
    a = ap.parse_args()
    if not a.seconds and not a.calls:
        a.seconds = 60
    passed = failed = 0

    if not a.no_test:
        status, out, secs = run.boot(a.iso, "run=fuzz:test exit=1", "kfuzz-test", timeout=120)
        p, f, lines = run.ktap(out)
        for line in lines:
            print("kcov test: " + line)
        ok = status == run.PASS_STATUS and f == 0 and p > 0
        if not ok:
            print("".join("    # " + l + "\n" for l in out.replace("\r", "").splitlines()[-20:]))
        passed += p
        failed += f + (0 if status == run.PASS_STATUS and p > 0 else 1)

    cmd = "run=fuzz:%d:%d:%d exit=1" % (a.seconds, a.calls, a.seed)
    # generous: boot plus the run plus slack (TCG); the kernel stops itself
    timeout = 120 + a.seconds * 2 + a.calls // 100
    status, out, secs = run.boot(a.iso, cmd, "kfuzz", timeout=timeout)
    text = out.replace("\r", "")
    for line in text.splitlines():
        if line.startswith("kfuzz:") or line.startswith("  "):
            print(line)
    m = re.search(r"kfuzz: done: (\d+) vMMU calls, (\d+) inputs, (\d+) kept", text)
    ok = (status == run.PASS_STATUS and m is not None and "INVARIANT FAILURE" not in text
          and int(m.group(1)) > 0 and int(m.group(3)) > 0)
    if m:
        print("kfuzz: %s vMMU calls in %.1f s of QEMU (boot included), %s inputs kept for new coverage"
              % (m.group(1), secs, m.group(3)))
    if not ok:
        print("kfuzz: run failed (exit status %s); console log: build/logs/kfuzz.log" % status)
        print("".join("    # " + l + "\n" for l in text.splitlines()[-20:]))
    passed += ok
    failed += not ok
    print("kfuzz: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
