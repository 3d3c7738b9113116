#!/usr/bin/env python3
"""Generate the data files of the user test suite into a rootfs tree.

    mkfiles.py ROOTFS

writes ROOTFS/tests/:
  tiny          a minimal valid static ELF (one PT_LOAD) that exits 42
  bad/*         malformed executables, each of which execve must refuse with
                ENOEXEC (their code, if the kernel ever ran it, exits 99)
  pattern.bin   3 pages + 100 bytes, byte i = (i*7 + (i//4096)*13 + 1) & 0xff
                (ut_pattern() in utest.h)
  overlay.txt   "original overlay contents\\n" (the tmpfs-over-initramfs test)
The list of bad files is BAD below; tests/user/t_elf.c names the same files.
"""
import os
import struct
import sys

BASE = 0x400000
EHDR_SIZE = 64
PHDR_SIZE = 56
PT_LOAD, PT_NOTE = 1, 4
PF_X, PF_W, PF_R = 1, 2, 4


def code_exit(status):
    # mov edi, status; mov eax, 60 (exit); syscall
    return bytes([0xBF]) + struct.pack("<I", status) + bytes([0xB8, 60, 0, 0, 0, 0x0F, 0x05])


def ehdr(entry, phnum, phoff=EHDR_SIZE, e_type=2, machine=62, phentsize=PHDR_SIZE, cls=2):
    ident = b"\x7fELF" + bytes([cls, 1, 1, 0]) + bytes(8)
    return ident + struct.pack("<HHIQQQIHHHHHH", e_type, machine, 1, entry, phoff, 0, 0,
                               EHDR_SIZE, phentsize, phnum, 64, 0, 0)


def phdr(p_type=PT_LOAD, flags=PF_R | PF_X, offset=0, vaddr=BASE, filesz=0, memsz=0,
         align=0x1000):
    return struct.pack("<IIQQQQQQ", p_type, flags, offset, vaddr, vaddr, filesz, memsz, align)


def image(segs=None, status=99, **hdr):
    """An ELF with len(segs) program headers and exit(status) code after them.
    segs: list of dicts of phdr() overrides; filesz/memsz default to the file
    size, vaddr to BASE. The entry is the code's address in the first segment."""
    segs = segs if segs is not None else [{}]
    code_off = EHDR_SIZE + PHDR_SIZE * max(len(segs), 1)
    code = code_exit(status)
    size = code_off + len(code)
    first_vaddr = segs[0].get("vaddr", BASE) if segs else BASE
    entry = hdr.pop("entry", first_vaddr + code_off)
    phs = b""
    for s in segs:
        a = dict(filesz=size, memsz=size)
        a.update(s)
        phs += phdr(**a)
    return ehdr(entry, hdr.pop("phnum", len(segs)), **hdr) + phs + code


def bad_files():
    good = image()
    return {
        "empty": b"",
        "not_elf": b"this is not an executable, just text\n" * 8,
        "short_magic": b"\x7fEL",
        "trunc_ehdr": good[:40],
        "trunc_phdrs": good[:EHDR_SIZE + 20],
        "phoff_beyond_eof": image(phoff=0x100000),
        "bad_phentsize": image(phentsize=32),
        "no_phdrs": image(segs=[], phnum=0),
        "too_many_phdrs": image(phnum=0xFFFF),
        "bad_machine_i386": image(machine=3),
        "bad_machine_arm64": image(machine=183),
        "bad_type_rel": image(e_type=1),
        "bad_class32": image(cls=1),
        "no_load": image(segs=[dict(p_type=PT_NOTE)]),
        "filesz_gt_memsz": image(segs=[dict(memsz=16)]),
        "seg_beyond_eof": image(segs=[dict(filesz=0x10000, memsz=0x10000)]),
        "huge_seg": image(segs=[dict(memsz=0x0000800000000000)]),
        "wrap_seg": image(segs=[dict(memsz=0xFFFFFFFFFFFF0000)]),
        "kernel_seg": image(segs=[dict(vaddr=0xFFFFFFFF80000000)]),
        "overlap": image(segs=[{}, dict(flags=PF_R | PF_W)]),
        "misaligned_offset": image(segs=[dict(vaddr=BASE + 0x10)]),
    }


def put(path, data, mode):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: mkfiles.py ROOTFS")
    tests = os.path.join(sys.argv[1], "tests")
    os.makedirs(os.path.join(tests, "bad"), exist_ok=True)
    put(os.path.join(tests, "tiny"), image(status=42), 0o755)
    for name, data in bad_files().items():
        put(os.path.join(tests, "bad", name), data, 0o755)
    size = 3 * 4096 + 100
    put(os.path.join(tests, "pattern.bin"),
        bytes((i * 7 + (i // 4096) * 13 + 1) & 0xFF for i in range(size)), 0o644)
    put(os.path.join(tests, "overlay.txt"), b"original overlay contents\n", 0o644)


if __name__ == "__main__":
    main()
