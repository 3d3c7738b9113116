#!/usr/bin/env python3
"""The one QEMU launcher: every QEMU command line the project uses (make run,
make debug, the QEMU tests, make attack, make bench, the fuzzers) comes from
qemu_args() here, so the machine is described once.

  tools/qemu.py [--cmdline STR] [--gdb] ISO    run ISO on this terminal
                                               (Ctrl-A X leaves; Ctrl-C goes to the guest)

The machine: q35, `-cpu max` (or the given CPU), the Intel IOMMU with
interrupt remapping (`-device intel-iommu,intremap=on`, first among the
devices, as QEMU wants it before any PCI device it translates for), the
serial console on stdio, isa-debug-exit on port 0xf4 (the kernel leaves
QEMU through it), QEMU's edu PCI device (docs/specs/edu.rst: a DMA engine
for the edu driver and the DMA tests; dma_mask covers every address, since
edu's default 28-bit mask silently redirects DMA above 256 MiB), and
fw_cfg without its DMA interface (spec I11: a DMA engine no IOMMU covers);
the kernel command line travels as the fw_cfg file opt/nk/cmdline. Under
KVM the IOMMU's interrupt remapping needs the split irqchip
(kernel-irqchip=split); TCG emulates the APICs itself and needs nothing. Environment: QEMU (the binary, default
qemu-system-x86_64), MEM (guest RAM, default 128M), ACCEL (default tcg;
KVM only when asked for: ACCEL=kvm).
"""
import os
import sys

NO_FWCFG_DMA = ["-global", "fw_cfg_io.dma_enabled=off"]
# The IOMMU (VT-d) with interrupt remapping; listed before every other device.
IOMMU = ["-device", "intel-iommu,intremap=on"]
# edu with a DMA mask of all 64 bits: no address is clamped.
EDU = ["-device", "edu,dma_mask=0xffffffffffffffff"]


def qemu_args(iso, cmdline="", cpu="max", mem=None, accel=None, extra=(), fwcfg_dma=False, gdb=False,
              edu=True, iommu=True, smp=None):
    """The argument vector for QEMU booting iso. cmdline: extra kernel
    command line (fw_cfg opt/nk/cmdline; commas doubled, as QEMU escapes
    them); mem, accel: override MEM and ACCEL; extra: more QEMU arguments
    (e.g. -icount shift=0); fwcfg_dma: leave fw_cfg's DMA interface on (the
    refusal test only); gdb: QEMU's gdb stub on :1234, halted at start;
    edu: add the edu device (False: the test of a machine without it);
    iommu: add the IOMMU (False: the test of a machine without one); smp:
    the CPU count (-smp), overriding SMP from the environment (default 1,
    so that tests keep one CPU unless they ask; `make run` passes SMP=2)."""
    accel = accel or os.environ.get("ACCEL") or "tcg"
    machine = "q35,kernel-irqchip=split" if accel == "kvm" else "q35"
    args = [os.environ.get("QEMU") or "qemu-system-x86_64", "-machine", machine, "-cpu", cpu,
            "-m", mem or os.environ.get("MEM") or "128M",
            "-smp", str(smp or os.environ.get("SMP") or 1),
            "-accel", accel, "-no-reboot", "-display", "none"] + (IOMMU if iommu else []) + [
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"] + (EDU if edu else []) + [
            "-serial", "stdio", "-cdrom", iso]
    if not fwcfg_dma:
        args += NO_FWCFG_DMA
    if gdb:
        args += ["-s", "-S"]
    args += list(extra)
    if cmdline:
        args += ["-fw_cfg", "name=opt/nk/cmdline,string=" + cmdline.replace(",", ",,")]
    return args


def main(argv):
    cmdline, gdb, iso = "", False, None
    i = 1
    while i < len(argv):
        if argv[i] == "--cmdline" and i + 1 < len(argv):
            cmdline = argv[i + 1]
            i += 2
        elif argv[i] == "--gdb":
            gdb = True
            i += 1
        elif iso is None and not argv[i].startswith("-"):
            iso = argv[i]
            i += 1
        else:
            sys.exit("usage: tools/qemu.py [--cmdline STR] [--gdb] ISO")
    if iso is None:
        sys.exit("usage: tools/qemu.py [--cmdline STR] [--gdb] ISO")
    args = qemu_args(iso, cmdline, gdb=gdb)
    if sys.stdin.isatty():
        # a person at the terminal: the console and QEMU's monitor share it
        # (Ctrl-A X leaves, Ctrl-A C the monitor), and Ctrl-C, Ctrl-Z and
        # Ctrl-\ go to the guest's shell instead of stopping QEMU
        k = args.index("-serial")
        args[k:k + 2] = ["-chardev", "stdio,id=con,mux=on,signal=off", "-serial", "chardev:con",
                         "-mon", "chardev=con,mode=readline"]
    os.execvp(args[0], args)


if __name__ == "__main__":
    main(sys.argv)
