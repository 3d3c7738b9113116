#!/usr/bin/env python3
"""make bench: the vMMU's overhead side by side with the native kernel
(../shared/spec/bench.md).

Boots build/nk.iso (nested) and build/native.iso (native) with bench=1 on
the kernel command line: init runs /bench/run-all, every workload of
user/bench/ and then the in-kernel vMMU microbenchmarks (tests/bench/kbench.c),
each printing `bench: name=.. unit=tsc reps=.. median=.. min=.. max=..`,
then the macro workloads (user/macro/: build, archive, database; each run
verifies its own output against results computed on the build host, and a
row exists only if every run did; bench=full:N sets their run count).
Modes: icount (QEMU -icount shift=0: a TSC tick is one instruction; the
primary figure), tcg (plain TCG: host TSC ticks, noisy), and with ACCEL=kvm
also kvm (real cycles; opt-in only). Extra runs (icount): both builds with
nk.audit=0 (no syscall audit records: the vMMU alone), the nested build
with nk.iommu=off (DMA unprotected: what the IOMMU costs), and the nested
build with 2 GiB of RAM, for the per-PTE batch cost. Every run has the
IOMMU device (tools/qemu.py); the native build leaves it unused.

Writes build/bench/report.json ({"modes": [{"mode":..,"ops":[..],
"reference":{..}}, ..], "macro": [..], ...}), report.md and ratios.png
(gnuplot).

  bench.py            the full run (15 samples per figure)
  bench.py --quick    one sample each, icount only, no extra runs, one
                      short run of each macro workload: the smoke stage of
                      tests/run-all.sh; ends 'N passed, M failed'
  --smp=N[,M]         the icount runs at N (and M) CPUs too, the macro
                      workloads left out (the full run: --smp=2,4)
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "qemu"))
import run  # noqa: E402  (tests/qemu/run.py: boot())

ROOT = run.ROOT
OUT = os.path.join(ROOT, "build", "bench")
ISOS = {"nested": os.path.join(ROOT, "build", "nk.iso"),
        "native": os.path.join(ROOT, "build", "native.iso")}
WORKLOADS = ["null_syscall", "page_fault", "mmap_1m", "fork_exit", "fork_exec", "ctx_switch"]
MICRO = ["vmmu_null", "vmmu_write_pte", "vmmu_batch512_per_pte", "vmmu_batch512_clear_per_pte",
         "vmmu_declare_remove_ptp", "vmmu_promote_demote", "vmmu_load_cr3"]
MACRO = ["macro_build", "macro_archive", "macro_database"]
# runs of each macro workload per boot (bench=full:N): the headline modes
# (icount, tcg), the extra icount runs (nk.audit=0, nk.iommu=off; icount is
# deterministic to within 0.1%), none in the 2 GiB run (per-PTE batch cost)
MACRO_RUNS, MACRO_RUNS_EXTRA = 3, 1
# the paper's macro figures (PerspicuOS, FreeBSD 9; the abstract): Apache
# under 1%, a kernel compile 2.7%, as nested/native ratios
MACRO_REFERENCE = {"apache": 1.01, "kernel_compile": 1.027}
# the macro row of bench.md's bounds table: audit on / off
MACRO_BOUND = {"audit_on": 1.05, "audit_off": 1.03}
# PerspicuOS on FreeBSD 9, LMBench: means of the paper's published raw runs (bench.md)
REFERENCE = {"null_syscall": 1.07, "page_fault": 1.04, "mmap_1m": 2.57, "fork_exit": 2.90,
             "fork_exec": 2.52}
# the bounds every change keeps (../shared/spec/bench.md; null syscall with the audit log on)
TARGETS = {"null_syscall": 1.08, "page_fault": 1.06, "mmap_1m": 1.09, "fork_exit": 1.09,
           "fork_exec": 1.09, "ctx_switch": 1.09}
TARGETS.update({m: MACRO_BOUND["audit_on"] for m in MACRO})
# with nk.audit=0: the rows whose bound differs
TARGETS_NOAUDIT = dict(TARGETS, null_syscall=1.02, **{m: MACRO_BOUND["audit_off"] for m in MACRO})
UNITS = {"icount": "insns", "tcg": "host-tsc", "kvm": "cycles"}
MODES = {"icount": (["-icount", "shift=0"], "tcg"), "tcg": ([], "tcg"), "kvm": ([], "kvm")}


def parse(out):
    """{name: {"median","min","max","reps"}} from the bench: lines of out."""
    res = {}
    for line in out.replace("\r", "").splitlines():
        if not line.startswith("bench: name="):
            continue
        kv = dict(w.split("=", 1) for w in line[len("bench: "):].split() if "=" in w)
        res[kv["name"]] = {k: int(kv[k]) for k in ("median", "min", "max", "reps")}
        for k in ("crossings", "crwrites", "iotlb", "vmmu", "ptes", "flushes"):  # per operation
            if k in kv:
                res[kv["name"]][k] = float(kv[k])
        for k in ("ms", "verified", "size"):  # the macro workloads: wall-clock ms per run, runs verified
            if k in kv:
                res[kv["name"]][k] = int(kv[k])
    return res


def boot_bench(build, mode, quick=False, cmdline_extra="", mem="128M", tag="", macro_runs=MACRO_RUNS,
               smp=1):
    extra, accel = MODES[mode]
    cmd = ("bench=quick" if quick else "bench=full:%d" % macro_runs) + \
        (" " + cmdline_extra if cmdline_extra else "")
    name = "bench-%s-%s%s" % (build, mode, tag)
    status, out, secs = run.boot(ISOS[build], cmd, name, timeout=600, mem=mem, extra=extra,
                                 accel=accel, smp=smp)
    ok = status == run.PASS_STATUS and "bench: done ok=1" in out
    print("  %-8s %-7s %-16s %5.1f s  %s" % (build, mode, tag or "-", secs, "ok" if ok else
                                             "FAILED (status %s, log build/logs/%s.log)" % (status, name)))
    sys.stdout.flush()
    return ok, parse(out)


def mode_report(mode, figs):
    ops = []
    for name in WORKLOADS + MICRO + MACRO:
        nat, nes = figs["native"].get(name), figs["nested"].get(name)
        strip = lambda f: {k: f[k] for k in ("median", "min", "max", "ms") if k in f} if f else None  # noqa: E731
        ratio = round(nes["median"] / nat["median"], 3) if nat and nes and nat["median"] else None
        kind = "micro" if name in MICRO else "macro" if name in MACRO else "workload"
        op = {"name": name, "unit": UNITS[mode], "kind": kind,
              "reps": (nes or nat or {}).get("reps"), "native": strip(nat),
              "nested": strip(nes), "ratio": ratio}
        if kind == "macro":
            # per build: runs made (a table may pair runs of two boots) and verified
            op["runs"] = {"native": (nat or {}).get("reps"), "nested": (nes or {}).get("reps")}
            op["verified"] = {"native": (nat or {}).get("verified"), "nested": (nes or {}).get("verified")}
            op["size"] = (nes or nat or {}).get("size")
        # gate crossings and serialising control-register writes per
        # operation: what instruction counts hide (bench.md); nk's other
        # counters (vMMU calls, PTEs written, TLB flushes; the last two
        # are counted by nk only, so 0 on the native build)
        for key, field in (("crossings", "crossings"), ("cr_writes", "crwrites"),
                           ("iotlb", "iotlb"), ("vmmu_calls", "vmmu"), ("ptes_written", "ptes"),
                           ("tlb_flushes", "flushes")):
            if (nes or {}).get(field) is not None or (nat or {}).get(field) is not None:
                op[key] = {"native": (nat or {}).get(field), "nested": (nes or {}).get(field)}
        ops.append(op)
    return {"mode": mode, "ops": ops, "reference": REFERENCE}


def fmt(v):
    if v is None:
        return "-"
    return "%d" % v if isinstance(v, int) else ("%.2f" % v if isinstance(v, float) else str(v))


def markdown(rep):
    md = ["# vMMU overhead: nested vs native", "",
          "Median per operation over repeated samples (min-max in brackets); ratio = "
          "nested/native median; reference = the paper's PerspicuOS/FreeBSD ratio.", ""]
    md += macro_markdown(rep)
    tables = [(m, "## mode %s (%s)" % (m["mode"], m["ops"][0]["unit"]), TARGETS) for m in rep["modes"]]
    if "noaudit" in rep:
        tables.append((rep["noaudit"], "## mode icount (insns), nk.audit=0 on both builds",
                       TARGETS_NOAUDIT))
    if "noiommu" in rep:
        tables.append((rep["noiommu"], "## mode icount (insns), the nested build with nk.iommu=off "
                       "(no DMA protection) against the native build", TARGETS))
    for n, m in sorted(rep.get("smp", {}).items()):
        tables.append((m, "## mode icount (insns), %s CPUs (QEMU runs them round-robin; the "
                       "other CPUs idle; shootdowns reach every CPU that may cache a revoked "
                       "entry)" % n, TARGETS_SMP))
    for m, title, targets in tables:
        md += [title, "",
               "| op | native | nested | ratio | reference | target |",
               "|---|---:|---:|---:|---:|---:|"]
        for o in m["ops"]:
            cell = lambda f: "-" if not f else "%d [%d-%d]" % (f["median"], f["min"], f["max"])  # noqa: E731
            md.append("| %s | %s | %s | %s | %s | %s |" % (
                o["name"], cell(o["native"]), cell(o["nested"]), fmt(o["ratio"]),
                fmt(REFERENCE.get(o["name"])), fmt(targets.get(o["name"]))))
        md.append("")
    m = rep["modes"][0]
    # crossings with the audit log on (the main run) and off (nk.audit=0): nk's own
    # counters (issue 19: fork+exec at most 12 with audit off, + 2 per system call)
    for cm, what in ((m, "audit on"), (rep.get("noaudit"), "nk.audit=0")):
        if not cm:
            continue
        md += ["## gate crossings and serialising CR/MSR writes per operation (%s, %s)" % (
                   cm["mode"], what), "",
               "Instruction counts hide what these cost on hardware: each crossing writes CR0 "
               "twice, and every CR0/CR3/CR4 write and WRMSR serialises the CPU.", "",
               "| op | crossings native | crossings nested | CR writes native | CR writes nested |",
               "|---|---:|---:|---:|---:|"]
        for o in cm["ops"]:
            if "crossings" in o:
                md.append("| %s | %s | %s | %s | %s |" % (
                    o["name"], fmt(o["crossings"]["native"]), fmt(o["crossings"]["nested"]),
                    fmt(o["cr_writes"]["native"]), fmt(o["cr_writes"]["nested"])))
        md.append("")
    md += ["## IOTLB invalidations per operation (%s, nested; the IOMMU on)" % m["mode"], "",
           "nk invalidates the IOTLB (and waits) whenever a frame stops being DATA, so that no "
           "device keeps a right nk revoked (spec I10, I11).", "",
           "| op | invalidations |", "|---|---:|"]
    for o in m["ops"]:
        if "iotlb" in o:
            md.append("| %s | %s |" % (o["name"], fmt(o["iotlb"]["nested"])))
    md.append("")
    for title, key in (("per-PTE batch cost by guest RAM (nested, icount)", "memory"),):
        if key in rep:
            md += ["## " + title, "", "| figure | value |", "|---|---:|"]
            md += ["| %s | %s |" % (k, fmt(v)) for k, v in rep[key].items()]
            md.append("")
    return "\n".join(md)


def macro_summary(rep):
    """The macro workloads' rows (issue 18): per workload, the icount
    instructions and TCG time of each build, the ratios in every
    configuration run, nk's counters per run, the bounds and whether they
    hold. A list of dicts (report.json "macro")."""
    def find(m, name):
        return next((o for o in (m or {}).get("ops", []) if o["name"] == name), None)
    modes = {m["mode"]: m for m in rep["modes"]}
    rows = []
    for name in MACRO:
        ic, tc = find(modes.get("icount"), name), find(modes.get("tcg"), name)
        na, ni = find(rep.get("noaudit"), name), find(rep.get("noiommu"), name)
        med = lambda o, b: (o or {}).get(b) and o[b]["median"]  # noqa: E731
        row = {"name": name, "reps": (ic or {}).get("reps"),
               "icount": {"native": med(ic, "native"), "nested": med(ic, "nested"),
                          "ratio": (ic or {}).get("ratio")},
               "verified": (ic or {}).get("verified"), "size": (ic or {}).get("size")}
        if tc:
            ms = lambda b: tc[b] and tc[b].get("ms")  # noqa: E731
            row["tcg"] = {"native_ms": ms("native"), "nested_ms": ms("nested"),
                          "native_ticks": med(tc, "native"), "nested_ticks": med(tc, "nested"),
                          "ratio": tc["ratio"], "reps": tc["reps"]}
        if na:
            row["noaudit"] = {"native": med(na, "native"), "nested": med(na, "nested"),
                              "ratio": na["ratio"], "reps": na["reps"]}
        if ni:
            row["noiommu"] = {"nested": med(ni, "nested"), "ratio": ni["ratio"], "reps": ni["reps"]}
        row["counters"] = {k: (ic or {}).get(k) for k in ("vmmu_calls", "ptes_written", "crossings",
                                                          "tlb_flushes", "cr_writes", "iotlb")}
        row["bound"] = dict(MACRO_BOUND)
        # None: no figure (a run failed or did not verify: no row)
        met = lambda r, b: None if r is None else r <= b  # noqa: E731
        row["met"] = {"audit_on": met(row["icount"]["ratio"], MACRO_BOUND["audit_on"])}
        if na:
            row["met"]["audit_off"] = met(na["ratio"], MACRO_BOUND["audit_off"])
        rows.append(row)
    return rows


def macro_markdown(rep):
    rows = rep.get("macro") or []
    if not rows:
        return []
    yn = lambda v: "**no figure**" if v is None else ("yes" if v else "**no**")  # noqa: E731
    md = ["## macro workloads (issue 18)", "",
          "Whole workloads, each run verifying its output against results computed on the build "
          "host (a row exists only if every run did). build: busybox ash, %s rounds of sed, awk, "
          "sort, grep, cmp, true; archive: %s MiB of files, tar + gzip -6, extract, sha256sum -c; "
          "database: SQLite, %s rows inserted, indexed, queried. Instructions per run "
          "(icount, median of %s run(s); nk.audit=0 and nk.iommu=off: %s run); TCG: milliseconds "
          "per run by the guest clock (the PIT, 10 ms ticks), median; TCG ratio from host TSC ticks. Bound: nested/native <= %.2f with the audit log on, <= %.2f off "
          "(bench.md). The paper's macro figures (PerspicuOS): Apache < 1%% (%.2f), kernel "
          "compile 2.7%% (%.3f)." % tuple([fmt(r["size"]) for r in rows] + [
                                      fmt(rows[0]["reps"]), MACRO_RUNS_EXTRA,
                                      MACRO_BOUND["audit_on"], MACRO_BOUND["audit_off"],
                                      MACRO_REFERENCE["apache"], MACRO_REFERENCE["kernel_compile"]]),
          "",
          "| workload | native insns | nested insns | ratio | bound | met | audit=0 ratio | bound "
          "| met | iommu=off ratio | TCG native ms | TCG nested ms | TCG ratio |",
          "|---|---:|---:|---:|---:|---|---:|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        na, ni, tc = r.get("noaudit", {}), r.get("noiommu", {}), r.get("tcg", {})
        f3 = lambda v: "-" if v is None else "%.3f" % v  # noqa: E731
        md.append("| %s | %s | %s | %s | %.2f | %s | %s | %.2f | %s | %s | %s | %s | %s |" % (
            r["name"], fmt(r["icount"]["native"]), fmt(r["icount"]["nested"]),
            f3(r["icount"]["ratio"]), r["bound"]["audit_on"], yn(r["met"]["audit_on"]),
            f3(na.get("ratio")), r["bound"]["audit_off"], yn(r["met"]["audit_off"]) if "audit_off" in r["met"] else "-",
            f3(ni.get("ratio")), fmt(tc.get("native_ms")), fmt(tc.get("nested_ms")),
            f3(tc.get("ratio"))))
    md += ["", "nk's counters per run (icount, audit on): native / nested. PTEs written and TLB "
           "flushes are counted by nk only (0 on the native build, whose vMMU writes directly).", "",
           "| workload | vMMU calls | PTEs written | gate crossings | TLB flushes | serialising CR writes "
           "| IOTLB invalidations |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        c = r["counters"]
        n0 = lambda v: "-" if v is None else "%.0f" % v  # noqa: E731
        cell = lambda k: "-" if not c.get(k) else "%s / %s" % (n0(c[k]["native"]), n0(c[k]["nested"]))  # noqa: E731
        md.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            r["name"], cell("vmmu_calls"), cell("ptes_written"), cell("crossings"),
            cell("tlb_flushes"), cell("cr_writes"), cell("iotlb")))
    md.append("")
    return md


def chart(rep, path):
    """ratios.png: left, the LMBench-style rows beside the paper's; right,
    the macro workloads (audit on and, if run, nk.audit=0) on a finer scale
    with their bounds, beside the paper's macro figures."""
    m = next(x for x in rep["modes"] if x["mode"] == "icount")
    dat, mdat = os.path.join(OUT, "ratios.dat"), os.path.join(OUT, "ratios-macro.dat")
    with open(dat, "w") as f:
        for o in m["ops"]:
            if o["kind"] == "workload" and o["ratio"] is not None:
                f.write("%s %.3f %s\n" % (o["name"], o["ratio"], REFERENCE.get(o["name"], "NaN")))
    with open(mdat, "w") as f:
        for r in rep.get("macro") or []:
            f.write("%s %s %s NaN\n" % (r["name"][len("macro_"):], r["icount"]["ratio"] or "NaN",
                                        (r.get("noaudit") or {}).get("ratio") or "NaN"))
        # the paper's macro figures, as bars of their own
        for k, v in sorted(MACRO_REFERENCE.items()):
            f.write("paper_%s%s NaN NaN %.3f\n" % (k, "<1%" if k == "apache" else "", v))
    common = ["set style data histogram", "set style histogram cluster gap 1",
              "set style fill solid 0.8 border -1", "set boxwidth 0.9", "set ylabel 'nested / native'",
              "set xtics rotate by -20 noenhanced", "set key top left", "set grid ytics"]
    script = "\n".join([
        "set terminal pngcairo size 1300,500" if gp_has("pngcairo") else "set terminal png size 1300,500",
        "set output '%s'" % path, "set multiplot layout 1,2"] + common + [
        "set title 'LMBench-style rows: nested/native (instructions, QEMU -icount)'",
        "set yrange [0:*]",
        "plot '%s' using 2:xtic(1) title 'ours', '' using 3 title 'PerspicuOS (paper)', "
        "1 notitle lt -1 dt 2" % dat,
        "set title 'macro workloads (bounds dashed: %.2f audit on, %.2f off)'" % (
            MACRO_BOUND["audit_on"], MACRO_BOUND["audit_off"]),
        "set yrange [0.98:*]", "set offsets 0, 0, 0.01, 0",
        "plot '%s' using 2:xtic(1) title 'ours, audit on', %s"
        "'' using 4 title 'PerspicuOS (paper)', 1 notitle lt -1 dt 2, %.2f notitle lt 1 dt 2, "
        "%.2f notitle lt 2 dt 2" % (
            mdat, "'' using 3 title 'ours, nk.audit=0', " if "noaudit" in rep else "",
            MACRO_BOUND["audit_on"], MACRO_BOUND["audit_off"]),
        "unset multiplot", ""])
    try:
        r = subprocess.run(["gnuplot"], input=script.encode(), capture_output=True)
        if r.returncode:
            print("bench: gnuplot failed: " + r.stderr.decode(errors="replace"))
        return r.returncode == 0
    except FileNotFoundError:
        print("bench: gnuplot missing (tools/deps.sh installs gnuplot-nox): no chart")
        return False


def gp_has(term):
    try:
        r = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True)
        return term in (r.stdout + r.stderr).decode(errors="replace")
    except FileNotFoundError:
        return False


# the SMP row of bench.md's bounds table: the same rows at 4 CPUs
TARGETS_SMP = {k: 1.15 for k in ("null_syscall", "page_fault", "mmap_1m", "fork_exit", "fork_exec",
                                 "ctx_switch")}


def report_checks(rep):
    """The smoke checks (tests/run-all.sh) on a report: every figure
    present for both builds, the crossings of every LMBench-style row, and
    every macro workload run at least once and verified on every run, per
    build. A list of booleans."""
    checks = []
    for m in rep["modes"] + [rep[k] for k in ("noaudit", "noiommu") if k in rep] + \
            list(rep.get("smp", {}).values()):
        for o in m["ops"]:
            if o["kind"] == "macro" and o["native"] is None and o["nested"] is None:
                continue  # the SMP runs leave the macro workloads out
            checks.append(o["native"] is not None and o["nested"] is not None)
            if o["kind"] == "workload" and m is rep["modes"][0]:
                checks.append("crossings" in o and None not in o["crossings"].values())
            if o["kind"] == "macro":
                checks.append(all((o["runs"][b] or 0) >= 1 and o["verified"][b] == o["runs"][b]
                                  for b in ("native", "nested")))
    return checks


def main():
    quick = "--quick" in sys.argv
    # --smp N,M: the icount runs at N and M CPUs as well (the full run: 2,4)
    smps = [int(x) for a in sys.argv if a.startswith("--smp=") for x in a.split("=", 1)[1].split(",")]
    if not quick and not smps:
        smps = [2, 4]
    t_start = time.time()
    os.makedirs(OUT, exist_ok=True)
    modes = ["icount"] if quick else ["icount", "tcg"]
    if os.environ.get("ACCEL") == "kvm" and not quick:
        modes.append("kvm")
    rep = {"modes": [], "builds": ["native", "nested"], "headline": "icount, nk.audit=1 (default)"}
    all_ok = True
    print("bench: booting %s" % ", ".join("%s/%s" % (b, m) for m in modes for b in ISOS))
    rep_native_icount = None
    for mode in modes:
        figs = {}
        for build in ("native", "nested"):
            ok, figs[build] = boot_bench(build, mode, quick)
            all_ok &= ok
        if mode == "icount":
            rep_native_icount = figs["native"]
        rep["modes"].append(mode_report(mode, figs))
    if not quick:
        figs = {}
        for build in ("native", "nested"):
            ok, figs[build] = boot_bench(build, "icount", cmdline_extra="nk.audit=0", tag="nk.audit=0",
                                         macro_runs=MACRO_RUNS_EXTRA)
            all_ok &= ok
        rep["noaudit"] = dict(mode_report("icount", figs), cmdline="nk.audit=0")
        figs = {"native": rep_native_icount}
        ok, figs["nested"] = boot_bench("nested", "icount", cmdline_extra="nk.iommu=off",
                                        tag="nk.iommu=off", macro_runs=MACRO_RUNS_EXTRA)
        all_ok &= ok
        rep["noiommu"] = dict(mode_report("icount", figs), cmdline="nk.iommu=off (nested)")
        nested = {o["name"]: o["nested"] for o in rep["modes"][0]["ops"]}
        ok, f2 = boot_bench("nested", "icount", mem="2G", tag="2G", macro_runs=0)
        all_ok &= ok
        b128 = (nested.get("vmmu_batch512_per_pte") or {}).get("median")
        b2g = f2.get("vmmu_batch512_per_pte", {}).get("median")
        rep["memory"] = {"per_pte_128M": b128, "per_pte_2G": b2g,
                         "ratio_2G_128M": round(b2g / b128, 3) if b128 and b2g else None}
    for n in smps:
        figs = {}
        for build in ("native", "nested"):
            ok, figs[build] = boot_bench(build, "icount", quick, tag="smp%d" % n, macro_runs=0, smp=n)
            all_ok &= ok
        rep.setdefault("smp", {})[str(n)] = dict(mode_report("icount", figs), cpus=n)
    rep["macro"] = macro_summary(rep)
    rep["macro_runs"] = ({"quick": 1} if quick else
                         {"icount": MACRO_RUNS, "tcg": MACRO_RUNS, "nk.audit=0": MACRO_RUNS_EXTRA,
                          "nk.iommu=off": MACRO_RUNS_EXTRA})
    rep["elapsed_s"] = round(time.time() - t_start, 1)
    with open(os.path.join(OUT, "report.json"), "w") as f:
        json.dump(rep, f, indent=1)
    with open(os.path.join(OUT, "report.md"), "w") as f:
        f.write(markdown(rep) + "\n")
    png = chart(rep, os.path.join(OUT, "ratios.png"))
    print(markdown(rep))
    print("bench: wrote build/bench/report.json, report.md%s (%.0f s)" % (
        ", ratios.png" if png else "", rep["elapsed_s"]))
    checks = [all_ok, os.path.getsize(os.path.join(OUT, "report.json")) > 0] + report_checks(rep)
    passed = sum(1 for c in checks if c)
    print("bench: %d passed, %d failed" % (passed, len(checks) - passed))
    sys.exit(0 if passed == len(checks) else 1)


if __name__ == "__main__":
    main()
