#!/usr/bin/env python3
"""QEMU integration tests: boot the image with a test selection on the kernel
command line (passed through QEMU's fw_cfg as opt/nk/cmdline, which nk appends
to the multiboot2 command line), read the serial console, enforce a timeout,
and take the verdict from isa-debug-exit's status and the KTAP lines.

  run.py suite                 run every case below; ends with 'N passed, M failed'
  run.py attack [--iso ISO]    run every attack, print the table, write the JSON report

Environment (coverage and fuzz builds, tools/coverage.mk): NK_ISO and
NATIVE_ISO choose the images, NK_TEST_OUT the directory for logs and reports
(default build/), NK_DEBUGCON_DIR adds QEMU's isa-debugcon on port 0xe9 writing
to NK_DEBUGCON_DIR/<boot name>.bin.
"""
import json
import os
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.environ.get("NK_TEST_OUT") or os.path.join(ROOT, "build")
LOGS = os.path.join(OUT, "logs")
PASS_STATUS = (0x10 << 1) | 1   # debug_exit(0x10): the command succeeded
NOFEATURE_STATUS = (0x12 << 1) | 1
FWCFG_DMA_STATUS = (0x13 << 1) | 1  # nk refused to boot: fw_cfg offers DMA (spec I11)
# Every boot switches fw_cfg's DMA interface off (spec I11: a DMA engine no
# IOMMU covers); its port interface stays and carries opt/nk/cmdline.
NO_FWCFG_DMA = ["-global", "fw_cfg_io.dma_enabled=off"]


def boot(iso, cmdline, name, timeout=90, cpu="max", stdin=None, mem="128M", wait_for=None,
         extra=(), accel=None, fwcfg_dma=False):
    """Boot iso; returns (exit status, console text, seconds). With wait_for,
    stdin is typed only once the console has shown that text (what GRUB
    reads while it starts would otherwise be lost, as on a real console).
    extra: more QEMU arguments (tools/bench.py: -icount shift=0); accel:
    the accelerator (default $ACCEL, else tcg); fwcfg_dma: leave QEMU's
    fw_cfg DMA on (the refusal test), else it is switched off."""
    os.makedirs(LOGS, exist_ok=True)
    args = ["qemu-system-x86_64", "-machine", "q35", "-cpu", cpu, "-m", mem,
            "-accel", accel or os.environ.get("ACCEL", "tcg"), "-no-reboot", "-display", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-serial", "stdio", "-cdrom", iso] + ([] if fwcfg_dma else NO_FWCFG_DMA) + list(extra)
    if cmdline:
        args += ["-fw_cfg", "name=opt/nk/cmdline,string=" + cmdline.replace(",", ",,")]  # QEMU escapes commas by doubling
    if os.environ.get("NK_DEBUGCON_DIR"):
        args += ["-chardev", "file,id=dbgcon,path=%s.bin" % os.path.join(os.environ["NK_DEBUGCON_DIR"], name),
                 "-device", "isa-debugcon,iobase=0xe9,chardev=dbgcon"]
    t0 = time.time()
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    chunks = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: p.stdout.read1(4096), b"")))
    reader.start()
    # stdin as a list of lines: each is typed after one more prompt shows,
    # as a person would (typed-ahead echo would interleave with output)
    lines = stdin if isinstance(stdin, list) else [stdin] if stdin is not None else []
    try:
        for k, line in enumerate(lines):
            if wait_for is not None:
                while time.time() - t0 < timeout and p.poll() is None and \
                        b"".join(chunks).count(wait_for.encode()) <= k:
                    time.sleep(0.02)
            p.stdin.write(line)
            p.stdin.flush()
        p.stdin.close()
    except BrokenPipeError:
        pass
    try:
        status = p.wait(timeout=max(1, timeout - (time.time() - t0)))
        timed_out = False
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        status, timed_out = None, True
    reader.join()
    out = b"".join(chunks).decode(errors="replace") + ("\n[timeout]\n" if timed_out else "")
    secs = time.time() - t0
    with open(os.path.join(LOGS, name + ".log"), "w") as f:
        f.write(out)
    return status, out, secs


def ktap(out):
    """(passed, failed, lines) of the KTAP results in out."""
    res = []
    for line in out.replace("\r", "").splitlines():
        if line.startswith("ok ") or line.startswith("not ok "):
            res.append(line)
    failed = [l for l in res if l.startswith("not ok")]
    return len(res) - len(failed), len(failed), res


class Suite:
    def __init__(self):
        self.passed = self.failed = 0
        self.n = 0

    def check(self, ok, desc, detail=""):
        self.n += 1
        if ok:
            self.passed += 1
            print("ok %d - %s" % (self.n, desc))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, desc))
            if detail:
                for l in detail.strip().splitlines()[-15:]:
                    print("    # " + l)
        sys.stdout.flush()


def attack_report(out, build):
    rows = []
    for line in out.replace("\r", "").splitlines():
        if line.startswith("attack-json: "):
            rows.append(json.loads(line[len("attack-json: "):]))
    survived = "attacks:" in out and "kernel still running" in out
    end = [l for l in out.splitlines() if l.startswith("attack-end: ")]
    inv = bool(end) and json.loads(end[-1][len("attack-end: "):])["invariants_ok"]
    return {"build": build, "attacks": rows, "survived": survived,
            "invariants_ok": bool(inv and all(r["invariants_ok"] for r in rows))}


def run_attacks(iso, report_path, build="nested"):
    status, out, secs = boot(iso, "run=attack:modules exit=1", "attack", timeout=240)
    for line in out.replace("\r", "").splitlines():
        if line.startswith("attack-") or line.startswith("attacks:") or "BLOCKED" in line:
            if not line.startswith("attack-json"):
                print(line)
    rep = attack_report(out, build)
    rep["survived"] = rep["survived"] and status == PASS_STATUS
    os.makedirs(os.path.dirname(report_path), exist_ok=True)
    with open(report_path, "w") as f:
        json.dump(rep, f, indent=1)
    print("attack report: %s (%d attacks, %d blocked, survived %s)" % (
        report_path, len(rep["attacks"]),
        sum(1 for r in rep["attacks"] if r["outcome"] == "blocked"), rep["survived"]))
    return rep, out


def suite(nested_iso, native_iso):
    s = Suite()
    # 1. in-kernel tests, nested build, through the GRUB ISO
    status, out, secs = boot(nested_iso, "run=test:all exit=1", "ktest-nested")
    p, f, lines = ktap(out)
    for l in lines:
        s.check(l.startswith("ok"), "nested kernel: " + l.split(" ", 2)[-1], out)
    s.check(status == PASS_STATUS and f == 0 and p > 0,
            "nested kernel: KTAP run exits through isa-debug-exit with success (%.1f s)" % secs, out)
    s.check("invariants: I1-I4, I7-I9 hold" in out, "nested kernel: invariants hold at boot", out)

    # 2. the same tests on the native build
    status, out, secs = boot(native_iso, "run=test:all exit=1", "ktest-native")
    p, f, lines = ktap(out)
    s.check(status == PASS_STATUS and f == 0 and p > 0,
            "native build: boots and passes its KTAP tests (%d ok)" % p, out)

    # 2b. write-logging and the audit log switched off (nk.audit=0), both builds
    for iso, build in ((nested_iso, "nested"), (native_iso, "native")):
        status, out, secs = boot(iso, "nk.audit=0 run=test:all exit=1", "ktest-noaudit-" + build)
        p, f, _ = ktap(out)
        s.check(status == PASS_STATUS and f == 0 and p > 0 and "audit log off (nk.audit=0)" in out,
                "%s build with nk.audit=0 passes its tests (%d ok)" % (build, p), out)

    # 3. every attack, one boot
    rep, out = run_attacks(nested_iso, os.path.join(OUT, "attack-report.json"))
    for r in rep["attacks"]:
        s.check(r["outcome"] == "blocked" and r["target_unchanged"] and r["invariants_ok"],
                "attack %s blocked (%s), target unchanged, invariants ok" % (r["name"], r["stopped_by"]))
    s.check(len(rep["attacks"]) >= 40 and rep["survived"] and rep["invariants_ok"],
            "attack suite: %d attack modules, kernel survived, invariants ok" % len(rep["attacks"]), out)
    classes = set(r["class"] for r in rep["attacks"])
    s.check({"memory-protection", "mmu-isolation", "gates", "write-mediation", "containment"} <= classes,
            "attack suite covers every class (%s)" % ", ".join(sorted(classes)), out)
    end = [l for l in out.replace("\r", "").splitlines() if l.startswith("attack-end: ")]
    endj = json.loads(end[-1][len("attack-end: "):]) if end else {}
    s.check(endj.get("driver_ok") is True,
            "well-behaved driver (memdev) loads and registers /dev/memdev after the suite", out)
    s.check(endj.get("incidents", 0) > 0 and "INCIDENT" in out,
            "contained faults are logged as incidents (%s)" % endj.get("incidents"), out)

    # 3a. the compiled-in attacks (attack all), among them the ones on the
    # kernel's own protected data: syscall table, credentials, process list,
    # audit log
    status, out, secs = boot(nested_iso, "run=attack:all exit=1", "attack-builtin", timeout=180)
    rep = attack_report(out, "nested")
    for r in rep["attacks"]:
        s.check(r["outcome"] == "blocked" and r["target_unchanged"] and r["invariants_ok"],
                "compiled-in attack %s blocked (%s), target unchanged, invariants ok" % (r["name"], r["stopped_by"]))
    names = set(r["name"] for r in rep["attacks"])
    s.check(status == PASS_STATUS and rep["survived"] and rep["invariants_ok"] and
            {"syscall_table_store", "cred_store", "proc_list_unlink", "audit_record_rewrite"} <= names,
            "compiled-in attacks: %d run, kernel survived, invariants ok" % len(rep["attacks"]), out)

    # 3b. modules=... on the command line; a malformed module is refused with a message
    status, out, secs = boot(nested_iso, "modules=memdev,victim,nosuch run=check exit=1", "modules-boot")
    s.check(status == PASS_STATUS and "modules=: memdev: loaded" in out and "modules=: victim: loaded" in out
            and "modules=: nosuch: FAILED" in out and "panic" not in out.lower(),
            "modules=memdev,victim load at boot; a missing one is reported", out)

    # 4. interactive console: prompt, commands, poweroff
    cmds = b"help\nmem\nvmmu\ncheck\nregions\nattack null_write\nbogus\npoweroff\n"
    status, out, secs = boot(nested_iso, "nk.console=1", "console", stdin=cmds, timeout=60, wait_for="nk> ")
    for want in ("nk>", "frames by type", "refusals by error code", "I1-I4, I7-I9 hold",
                 "ro_after_init", "audit log", "null_write", "BLOCKED", "unknown command 'bogus'",
                 "powering off"):
        s.check(want in out, "console shows '%s'" % want, out)
    s.check(status in (0, 1), "console: poweroff switches QEMU off (status %s, %.1f s)" % (status, secs), out)

    # 5. the nested build refuses CPUs without SMEP or NX
    for cpu, what in (("qemu64", "SMEP"), ("qemu64,+smep,-nx", "NX")):
        status, out, secs = boot(nested_iso, "", "nofeature-" + what, cpu=cpu, timeout=60)
        s.check(status == NOFEATURE_STATUS and "Refusing to boot" in out and what in out,
                "nested build refuses a CPU without %s (-cpu %s)" % (what, cpu), out)
    status, out, secs = boot(native_iso, "run=check exit=1", "native-qemu64", cpu="qemu64", timeout=60)
    s.check(status == PASS_STATUS, "native build boots on -cpu qemu64", out)

    # 5b. fw_cfg DMA left on (no -global fw_cfg_io.dma_enabled=off): the
    # nested build refuses to boot (spec I11); the native build, which
    # protects nothing, boots anyway and says so
    status, out, secs = boot(nested_iso, "run=check exit=1", "fwcfg-dma-nested", fwcfg_dma=True, timeout=60)
    s.check(status == FWCFG_DMA_STATUS and "fw_cfg advertises DMA" in out and "Refusing to boot" in out
            and "outer: kernel up" not in out,
            "nested build refuses to boot while fw_cfg advertises DMA (status %s)" % status, out)
    status, out, secs = boot(native_iso, "run=check exit=1", "fwcfg-dma-native", fwcfg_dma=True, timeout=60)
    s.check(status == PASS_STATUS and "native build: booting anyway" in out,
            "native build boots with fw_cfg DMA on, and says so", out)

    # 6. user space: init runs the user-space test suite (tests/user/), on
    # both builds; every KTAP line is a check
    for iso, build in ((nested_iso, "nested"), (native_iso, "native")):
        status, out, secs = boot(iso, "utest=1", "utest-" + build, timeout=240)
        p, f, lines = ktap(out)
        for l in lines:
            s.check(l.startswith("ok"), "%s user space: %s" % (build, l.split(" ", 2)[-1]), out)
        s.check(status == PASS_STATUS and f == 0 and p > 0 and "# utest: " in out,
                "%s user-space suite: %d passed, %d failed, exits with success (%.1f s)" % (build, p, f, secs), out)
        s.check("panic" not in out, "%s user-space suite: no kernel panic" % build, out)

    # 7. the shell on the serial console, as a user sees it
    cmds = [c.encode() + b"\n" for c in (
        "ls /", "echo hi | cat", "echo one > /tmp/f", "cat < /tmp/f", "forkloop 30",
        "nk check", "ps", "nk wlog 4", "nk audit 4", "nosuchprogram",
        "insmod /lib/modules/memdev.ko", "echo hello-memdev > /dev/memdev", "cat /dev/memdev",
        "lsmod", "rmmod memdev", "cat /dev/memdev", "insmod /lib/modules/attacks/i5_mov_cr0.ko",
        "nk check", "nk attack modules", "echo alive-after-attacks", "poweroff")]
    status, out, secs = boot(nested_iso, "", "shell", stdin=cmds, timeout=120, wait_for="$ ")
    clean = out.replace("\r", "")
    # output lines with the prompts that precede them taken off
    lines = []
    for l in clean.splitlines():
        while l.startswith("$ "):
            l = l[2:]
        lines.append(l)
    for want, desc in (("bin", "ls / lists bin"), ("hi", "echo hi | cat prints hi"),
                       ("one", "redirection round trip"),
                       ("hello-memdev", "insmod memdev; write and read back /dev/memdev"),
                       ("alive-after-attacks", "the shell still answers after nk attack modules")):
        s.check(want in lines, "shell: " + desc, out)
    for want, desc in (("$ ", "a shell prompt"), ("forkloop: 30", "a fork/exec loop of 30"),
                       ("I1-I4, I7-I9 hold", "nk check from user space"),
                       ("nosuchprogram: not found", "an unknown program is reported"),
                       ("process list (region", "nk wlog shows the logged process-list writes"),
                       ("audit log: ", "nk audit shows the audit log"),
                       ("attacks: 80 run, 80 blocked", "nk attack modules from the shell: every attack blocked"),
                       ("Live calls", "lsmod lists a live module"),
                       ("module memdev: unloaded", "rmmod unloads memdev"),
                       ("insmod: /lib/modules/attacks/i5_mov_cr0.ko: Operation not permitted",
                        "insmod of a module with MOV to CR0 is refused (I5)")):
        s.check(want in clean, "shell: " + desc, out)
    s.check(status in (0, 1) and "panic" not in out, "shell: poweroff ends the session cleanly", out)

    # 8. a bigger guest: the frame table scales
    status, out, secs = boot(nested_iso, "run=test:all exit=1", "ktest-2g", mem="2G")
    p, f, _ = ktap(out)
    s.check(status == PASS_STATUS and f == 0 and p > 0, "nested kernel with 2 GiB of RAM passes its tests", out)
    return s


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else "suite"
    nested = os.environ.get("NK_ISO") or os.path.join(ROOT, "build", "nk.iso")
    native = os.environ.get("NATIVE_ISO") or os.path.join(ROOT, "build", "native.iso")
    if cmd == "attack":
        rep, _ = run_attacks(nested, os.path.join(OUT, "attack-report.json"))
        ok = rep["survived"] and rep["invariants_ok"] and all(
            r["outcome"] == "blocked" and r["target_unchanged"] for r in rep["attacks"])
        sys.exit(0 if ok and rep["attacks"] else 1)
    s = suite(nested, native)
    print("qemu: %d passed, %d failed" % (s.passed, s.failed))
    with open(os.path.join(OUT, "qemu-results.txt"), "w") as f:
        f.write("%d %d\n" % (s.passed, s.failed))
    sys.exit(1 if s.failed else 0)


if __name__ == "__main__":
    main()
