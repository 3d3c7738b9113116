#!/usr/bin/env python3
"""The one QEMU launcher: every QEMU command line the project uses (make run,
make debug, the QEMU tests, make attack, make bench, the fuzzers) comes from
qemu_args() here, so the machine is described once.

  tools/qemu.py [--cmdline STR] [--gdb] ISO    run ISO on this terminal

The machine: q35, `-cpu max` (or the given CPU), the serial console on
stdio, isa-debug-exit on port 0xf4 (the kernel leaves QEMU through it),
and fw_cfg without its DMA interface (spec I11: a DMA engine no IOMMU
covers); the kernel command line travels as the fw_cfg file
opt/nk/cmdline. Environment: QEMU (the binary, default
qemu-system-x86_64), MEM (guest RAM, default 128M), ACCEL (default tcg;
KVM only when asked for: ACCEL=kvm).
"""
import os
import sys

NO_FWCFG_DMA = ["-global", "fw_cfg_io.dma_enabled=off"]


def qemu_args(iso, cmdline="", cpu="max", mem=None, accel=None, extra=(), fwcfg_dma=False, gdb=False):
    """The argument vector for QEMU booting iso. cmdline: extra kernel
    command line (fw_cfg opt/nk/cmdline; commas doubled, as QEMU escapes
    them); mem, accel: override MEM and ACCEL; extra: more QEMU arguments
    (e.g. -icount shift=0); fwcfg_dma: leave fw_cfg's DMA interface on (the
    refusal test only); gdb: QEMU's gdb stub on :1234, halted at start."""
    args = [os.environ.get("QEMU") or "qemu-system-x86_64", "-machine", "q35", "-cpu", cpu,
            "-m", mem or os.environ.get("MEM") or "128M",
            "-accel", accel or os.environ.get("ACCEL") or "tcg", "-no-reboot", "-display", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-serial", "stdio", "-cdrom", iso]
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
    os.execvp(args[0], args)


if __name__ == "__main__":
    main(sys.argv)
