#!/usr/bin/env python3
"""Write the seeds of the ACPI parser's fuzzer (tests/fuzz/fuzz_acpi.c)
into DIR:

    tests/fuzz/mkacpi.py DIR

An input is a control byte (bit 0: pass the RSDP as a 20-byte copy), the
36-byte RSDP copy, then fake physical memory at 0x10000 (RSDT at +0,
XSDT at +0x100, FACP at +0x200, APIC at +0x240, DMAR at +0x300).

  qemu-q35         RSDP v1 -> RSDT (FACP, DMAR, APIC): QEMU 7.2 q35's DMAR
                   with -device intel-iommu,intremap=on, and a MADT like
                   QEMU's (2 CPUs, an IOAPIC, 5 overrides, a LINT1 NMI)
  qemu-q35-edu     the same with edu (0:2.0) and a PCIe root port (0:3.0)
  xsdt-every-type  RSDP v2 -> XSDT (FACP, APIC, DMAR): two DRHDs, an
                   RMRR, ATSR, RHSA, ANDD, SATC, SIDP and a reserved type;
                   a MADT with every interrupt controller type nk decodes
                   or counts, and a reserved one
  xsdp-20-bytes    a revision-2 RSDP copied in 20 bytes: the RSDT is used
  no-dmar          RSDP v1 -> RSDT (FACP, APIC)
Each is accepted by nk_acpi_find_dmar (or, no-dmar, refused with
NK_ACPI_ENODMAR) and by nk_acpi_find_madt (an empty MADT where the seed
lists none of its own; qemu-q35-edu and xsdp-20-bytes list none:
NK_ACPI_ENOMADT): the fuzzer starts from well-formed tables."""
import os
import struct
import sys

BASE = 0x10000
RSDT, XSDT, FACP, APIC, DMAR = (BASE + o for o in (0, 0x100, 0x200, 0x240, 0x300))

# QEMU 7.2's DMAR tables (bytes as found in guest memory)
QEMU_DMAR = bytes.fromhex(
    "444d4152700000000128424f43485320425850432020202001000000425850430100000026010000"
    "000000000000000000004000000000000000d9fe000000000308000000ff00000108000000000000"
    "01080000000001000108000000001f000108000000001f020108000000001f03")
QEMU_DMAR_EDU = bytes.fromhex(
    "444d41528000000001f0424f43485320425850432020202001000000425850430100000026010000"
    "000000000000000000005000000000000000d9fe000000000308000000ff00000108000000000000"
    "010800000000010001080000000002000208000000000300010800000000"
    "1f000108000000001f020108000000001f03")


def checksum(b):
    return (-sum(b)) & 0xFF


def table(sig, body):
    """An ACPI table: the 36-byte header (ACPI 6.5 5.2.6), body, checksum."""
    n = 36 + len(body)
    h = bytearray(sig + struct.pack("<IBB6s8sI4sI", n, 1, 0, b"NKTEST", b"NKFUZZ  ", 1,
                                    b"NKPY", 1) + body)
    h[9] = checksum(h)
    return bytes(h)


def rsdp(rev, rsdt, xsdt=0):
    """The RSDP (ACPI 6.5 5.2.5.3): 20 bytes, 36 with revision 2."""
    r = bytearray(b"RSD PTR " + b"\0" + b"NKTEST" + bytes([rev]) + struct.pack("<I", rsdt))
    r[8] = checksum(r)
    r += struct.pack("<IQ", 36, xsdt) + b"\0\0\0\0"
    r[32] = checksum(r)
    return bytes(r)


def scope(stype, bus, *hops, enum_id=0):
    """A device scope (VT-d 8.3.1): type, length, flags, reserved, id, bus, path."""
    return struct.pack("<BBBBBB", stype, 6 + 2 * len(hops), 0, 0, enum_id, bus) + \
        b"".join(struct.pack("<BB", d, f) for d, f in hops)


def struc(stype, body):
    """A remapping structure (VT-d 8.2): type, length, body."""
    return struct.pack("<HH", stype, 4 + len(body)) + body


def dmar_every_type():
    s = [
        struc(0, struct.pack("<BBHQ", 0, 0, 0, 0xFED91000) + scope(1, 0, (2, 0)) +
              scope(2, 0, (0x1C, 0), (0, 0))),
        struc(0, struct.pack("<BBHQ", 1, 0, 0, 0xFED90000) +
              scope(3, 0xF0, (0x1F, 0), enum_id=2) + scope(4, 0, (0x1F, 7))),
        struc(1, struct.pack("<HHQQ", 0, 0, 0xDC000, 0xDFFFF) + scope(1, 0, (0x14, 0))),
        struc(2, struct.pack("<BBH", 0, 0, 0) + scope(2, 0, (1, 0))),
        struc(3, struct.pack("<IQI", 0, 0xFED90000, 0)),
        struc(4, b"\0\0\0\x01" + b"\\_SB.PCI0.I2C0\0"),
        struc(5, struct.pack("<BBH", 1, 0, 0) + scope(1, 0, (2, 0))),
        struc(6, struct.pack("<HH", 0, 0) + scope(1, 0, (2, 0))),
        struc(9, b"\xef\xbe\xad\xde"),
    ]
    return table(b"DMAR", struct.pack("<BB10x", 38, 1) + b"".join(s))


def madt(entries, lapic=0xFEE00000, flags=1):
    """A MADT (ACPI 6.5 5.2.12): local APIC address, flags, structures."""
    return table(b"APIC", struct.pack("<II", lapic, flags) + b"".join(
        struct.pack("<BB", t, 2 + len(b)) + b for t, b in entries))


def madt_qemu():
    e = [(0, struct.pack("<BBI", 0, 0, 1)), (0, struct.pack("<BBI", 1, 1, 1)),
         (1, struct.pack("<BBII", 0, 0, 0xFEC00000, 0))]
    for src, gsi, fl in ((0, 2, 0), (5, 5, 0xD), (9, 9, 0xD), (10, 10, 0xD), (11, 11, 0xD)):
        e.append((2, struct.pack("<BBIH", 0, src, gsi, fl)))
    e.append((4, struct.pack("<BHB", 0xFF, 0, 1)))
    return madt(e)


def madt_every_type():
    return madt([
        (0, struct.pack("<BBI", 0, 0, 1)), (0, struct.pack("<BBI", 1, 2, 2)),
        (0, struct.pack("<BBI", 2, 2, 0)),
        (1, struct.pack("<BBII", 4, 0, 0xFEC00000, 0)),
        (1, struct.pack("<BBII", 5, 0, 0xFEC01000, 24)),
        (2, struct.pack("<BBIH", 0, 0, 2, 0)),
        (3, struct.pack("<HI", 0, 30)),
        (4, struct.pack("<BHB", 0xFF, 5, 1)),
        (5, struct.pack("<HQ", 0, 0xFEE00000)),
        (9, struct.pack("<HIII", 0, 7, 1, 7)),
        (0x7F, b"\x01\x02\x03"),
    ], lapic=0xFED00000)


def memory(tables):
    """Fake memory from BASE holding each (address, bytes)."""
    end = max(a + len(t) for a, t in tables) - BASE
    m = bytearray(end)
    for a, t in tables:
        m[a - BASE:a - BASE + len(t)] = t
    return bytes(m)


def seed(short, rs, tables):
    return bytes([1 if short else 0]) + rs + memory(tables)


def root(sig, fmt, entries):
    return table(sig, b"".join(struct.pack(fmt, e) for e in entries))


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    facp, apic = table(b"FACP", b"\0" * 4), madt([])
    seeds = {
        "qemu-q35": seed(True, rsdp(0, RSDT), [(RSDT, root(b"RSDT", "<I", [FACP, DMAR, APIC])),
                                               (FACP, facp), (APIC, madt_qemu()),
                                               (DMAR, QEMU_DMAR)]),
        "qemu-q35-edu": seed(True, rsdp(0, RSDT), [(RSDT, root(b"RSDT", "<I", [FACP, DMAR])),
                                                   (FACP, facp), (DMAR, QEMU_DMAR_EDU)]),
        "xsdt-every-type": seed(False, rsdp(2, RSDT, XSDT), [
            (RSDT, root(b"RSDT", "<I", [FACP])),
            (XSDT, root(b"XSDT", "<Q", [FACP, APIC, DMAR])),
            (FACP, facp), (APIC, madt_every_type()), (DMAR, dmar_every_type())]),
        "xsdp-20-bytes": seed(True, rsdp(2, RSDT, XSDT), [
            (RSDT, root(b"RSDT", "<I", [FACP, DMAR])),
            (XSDT, root(b"XSDT", "<Q", [FACP])),
            (FACP, facp), (DMAR, QEMU_DMAR)]),
        "no-dmar": seed(True, rsdp(0, RSDT), [(RSDT, root(b"RSDT", "<I", [FACP, APIC])),
                                              (FACP, facp), (APIC, apic)]),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
