#!/usr/bin/env python3
"""Write crafted ELF64 x86-64 executables, the seeds of the execve ELF
fuzzer (tests/fuzz/fuzz_execelf.c), into DIR:

    tests/fuzz/mkelf.py DIR

  exec-2load   ET_EXEC: PT_PHDR, text PT_LOAD (the headers included) at
               0x400000, data PT_LOAD at 0x401000 with a .bss tail,
               PT_GNU_STACK; the layout ld gives a static program
  pie          the same as a static-pie ET_DYN (addresses from 0)
  exec-1load   ET_EXEC: one R+X PT_LOAD of 0x200 bytes, no other header
Each is accepted by exec_elf_parse (the fuzzer starts from valid files)."""
import os
import struct
import sys

PT_LOAD, PT_PHDR, PT_GNU_STACK = 1, 6, 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4
EHDR, PHDR = 64, 56


def ehdr(etype, entry, phnum):
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    return ident + struct.pack("<HHIQQQIHHHHHH", etype, 62, 1, entry, EHDR, 0, 0, EHDR, PHDR,
                               phnum, 64, 0, 0)


def phdr(ptype, flags, off, va, filesz, memsz, align):
    return struct.pack("<IIQQQQQQ", ptype, flags, off, va, va, filesz, memsz, align)


def image(etype, base):
    """Headers, text up to 0x1000, 0x40 bytes of data at 0x1000."""
    phs = [
        phdr(PT_PHDR, PF_R, EHDR, base + EHDR, 4 * PHDR, 4 * PHDR, 8),
        phdr(PT_LOAD, PF_R | PF_X, 0, base, 0x1000, 0x1000, 0x1000),
        phdr(PT_LOAD, PF_R | PF_W, 0x1000, base + 0x1000, 0x40, 0x2000, 0x1000),
        phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16),
    ]
    head = ehdr(etype, base + 0x100, len(phs)) + b"".join(phs)
    text = bytes([0x31, 0xFF, 0xB8, 0x3C, 0, 0, 0, 0x0F, 0x05])  # xor edi,edi; mov eax,60; syscall
    body = head.ljust(0x100, b"\0") + text
    return body.ljust(0x1000, b"\xcc") + bytes(range(0x40))


def one_load():
    head = ehdr(2, 0x400078, 1) + phdr(PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x200, 0x200, 0x1000)
    return (head + bytes([0x31, 0xFF, 0xB8, 0x3C, 0, 0, 0, 0x0F, 0x05])).ljust(0x200, b"\xcc")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: mkelf.py DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in (("exec-2load", image(2, 0x400000)), ("pie", image(3, 0)),
                       ("exec-1load", one_load())):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
