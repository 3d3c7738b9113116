#!/usr/bin/env python3
"""Write the host fuzzer's seed corpus (tests/fuzz/corpus/) in the input
encoding of tests/fuzz/fuzz_vmmu.c: hand-written call sequences that reach
deep states (address spaces, kernel-half chains, huge pages, batches, CPU
state). Run from the repo root: python3 tests/fuzz/mkcorpus.py.
Files named by this script are rewritten; others in the directory stay."""
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

# ftab indexes in fuzz_vmmu.c tables_init()
POOL = list(range(24))
HUGE = [24, 25, 26, 27]
LAST, MIXED, MASTER, KL3, KL2, KL1, HEAPL3, NKF, CODE, PROT, HOLE = range(28, 39)
ZERO, PAST, FAR, MISAL, PHYSTOP, BEYOND, APIC = range(39, 46)
NFTAB = 46

W, U, PWT, PCD, A, D, PS, NOTP = 1, 2, 4, 8, 16, 32, 64, 128  # make_pte fl
EXEC, G, RSVD, RSVD2M, ORADDR, HUGEB = 1, 2, 4, 8, 16, 0x40      # make_pte fl2


def fsel(idx):
    """pick_frame byte for ftab[idx]."""
    return idx


def psel(idx):
    """pick_ptp byte that names ftab[idx] directly (>= 0xc0)."""
    return 192 + (idx - 192 % NFTAB) % NFTAB


def dsel(n):
    """pick_ptp byte that names the n-th PTP this input declared."""
    return n


def tsel(idx):
    """make_pte target byte naming ftab[idx] (>= 0x80)."""
    return 128 + (idx - 128 % NFTAB) % NFTAB


def index(i):
    return bytes([i & 0xff, (i >> 8) & 0x7f])


def declare(f, level, kernel=False):
    return bytes([0, fsel(f), level | (8 if kernel else 0)])


def remove(b):
    return bytes([2, b])


def pte(target, fl, fl2=0):
    return bytes([target, fl, fl2])


def write_pte(ptp, i, e):
    return bytes([3, ptp]) + index(i) + e


def write_ptes(entries, mode=None):
    m = len(entries) - 1 if mode is None else mode
    out = bytes([5, m])
    for ptp, i, e in entries:
        out += bytes([ptp]) + index(i) + e
    return out


def load_cr3(b):
    return bytes([6, b])


def cr0(a, b=0):
    return bytes([7, 1, a, b])


def cr4(a, b=0):
    return bytes([7, 0, a, b])


def wrmsr(n, m, a, b=0):
    return bytes([8, n, m, a, b])


def init_done():
    return bytes([9])


def multicall(*ops):
    """One multicall of 1..8 operations (mc_* below)."""
    return bytes([10, len(ops) - 1]) + b"".join(ops)


def mc_declare(f, level):
    return bytes([0, level, fsel(f)])


def mc_remove(f):
    return bytes([1, psel(f)])


def mc_write(ptp, i, e):
    """ptp and the targets are ftab indexes: nothing is declared yet when
    the list is built (psel names a frame directly)."""
    return bytes([2, psel(ptp)]) + index(i) + e


def mc_cr3(f):
    return bytes([3, psel(f)])


def user_as():
    """L4 -> L3 -> L2 -> L1 in the user half; declared PTPs 0..3."""
    s = declare(0, 4) + declare(1, 3) + declare(2, 2) + declare(3, 1)
    s += write_pte(dsel(0), 0, pte(1, W | U))      # t<0x80: declared[1] (L3)
    s += write_pte(dsel(1), 0, pte(2, W | U))
    s += write_pte(dsel(2), 0, pte(3, W | U))
    return s


SEEDS = {
    "multicall": multicall(
        mc_declare(4, 4), mc_declare(5, 3), mc_declare(6, 2), mc_declare(7, 1),
        mc_write(4, 0, pte(tsel(5), W | U)), mc_write(5, 0, pte(tsel(6), W | U)),
        mc_write(6, 0, pte(tsel(7), W | U)), mc_write(7, 0, pte(tsel(10), W | U)))
    + multicall(mc_cr3(4), mc_write(7, 1, pte(tsel(11), W | U)),
                mc_write(7, 1, pte(tsel(11), U)), mc_write(6, 1, pte(tsel(24), W | U, HUGEB)))
    + multicall(mc_write(6, 0, pte(0, NOTP)), mc_remove(7), mc_declare(10, 1),
                mc_write(6, 0, pte(tsel(10), W | U)), mc_write(10, 3, pte(tsel(12), W | U)),
                mc_declare(11, 2))
    + multicall(mc_write(6, 0, pte(0, NOTP)), mc_write(6, 0, pte(tsel(10), W | U)),
                mc_remove(10))
    + multicall(mc_cr3(MASTER), mc_write(4, 0, pte(0, NOTP)), mc_remove(4), mc_remove(5)),
    "user-as": user_as()
    + b"".join(write_pte(dsel(3), i, pte(tsel(10 + i), W | U)) for i in range(4))
    + load_cr3(dsel(0))
    + write_pte(dsel(3), 0, pte(tsel(10), U))          # drop W: flush
    + write_pte(dsel(3), 1, pte(0, NOTP))              # unmap
    + remove(dsel(0))                                   # ELOADED
    + load_cr3(psel(MASTER))
    + remove(dsel(3))                                   # EINUSE
    + write_pte(dsel(2), 0, pte(0, NOTP))
    + remove(dsel(3)) + remove(dsel(0)),
    "kernel-chain": declare(4, 2, True) + declare(5, 1, True)
    + write_pte(psel(HEAPL3), 5, pte(0, W))
    + write_pte(dsel(0), 0, pte(1, W))
    + write_pte(dsel(1), 0, pte(tsel(12), W))
    + write_pte(dsel(1), 1, pte(tsel(CODE), 0, EXEC))
    + write_pte(dsel(1), 2, pte(tsel(PROT), W))         # EPROT
    + write_pte(dsel(1), 3, pte(tsel(APIC), W | PCD))   # MMIO
    + write_pte(dsel(1), 4, pte(tsel(13), W, EXEC))     # EEXEC
    + write_pte(dsel(1), 5, pte(tsel(NKF), 0))
    + write_pte(psel(HEAPL3), 5, pte(0, NOTP))
    + remove(dsel(0)),
    "huge": declare(0, 4) + declare(1, 3) + declare(2, 2)
    + write_pte(dsel(0), 0, pte(1, W | U)) + write_pte(dsel(1), 0, pte(2, W | U))
    + write_pte(dsel(2), 1, pte(2, W | U, HUGEB))       # region 7, 2 MiB
    + declare(HUGE[0], 1)                               # EHUGE
    + write_pte(dsel(2), 1, pte(0, NOTP))
    + declare(HUGE[0], 1)
    + write_pte(dsel(2), 2, pte(2, W | U, HUGEB))       # nondata: EHUGE
    + write_pte(dsel(2), 3, pte(1, W | U, HUGEB))
    + write_pte(dsel(2), 4, pte(4, U, HUGEB | RSVD2M))
    + write_pte(dsel(2), 5, pte(3, U, HUGEB))           # MMIO
    + write_pte(dsel(1), 1, pte(2, U | PS, 0)),         # 1 GiB
    "batch": user_as()
    + write_ptes([(dsel(3), i, pte(tsel(10 + i), W | U)) for i in range(8)])
    + write_ptes([(dsel(3), 0, pte(tsel(10), U)), (dsel(3), 0, pte(0, NOTP)),
                  (dsel(3), 9, pte(tsel(PROT), U))])
    + write_ptes([(dsel(3), 1, pte(tsel(11), U)), (dsel(3), 2, pte(tsel(3), W | U))])
    + write_ptes([], 0xfc)
    + write_ptes([(dsel(3), 20 + i, pte(tsel(10), U)) for i in range(8)], 0xfd)
    + write_ptes([(dsel(3), 1, pte(tsel(11), U))], 0xfe)
    + write_ptes([(dsel(3), 1, pte(tsel(11), U))], 0xff),
    "cpu": cr0(16) + cr0(31) + cr0(29) + cr0(29, 0x80 | 30) + cr0(3) + cr0(40)
    + cr4(20) + cr4(21) + cr4(7) + cr4(2) + cr4(16) + cr4(11) + cr4(5) + cr4(0xff) + bytes(8)
    + b"".join(wrmsr(n, 0, 11) for n in range(12))
    + wrmsr(5, 1, 0) + wrmsr(6, 3, 0) + wrmsr(2, 5, 0) + wrmsr(4, 0, 40)
    + init_done() + wrmsr(0, 0, 0) + wrmsr(2, 0, 3) + wrmsr(1, 0, 1) + wrmsr(5, 0, 3),
    "refusals": declare(0, 4) + declare(1, 3) + declare(2, 1) + declare(3, 2, True)
    + declare(4, 5) + declare(5, 0) + declare(6, 4, True) + declare(MASTER, 1)
    + declare(MISAL, 1) + declare(PAST, 1) + declare(HOLE, 1)
    + write_pte(dsel(0), 300, pte(1, W))                # EKERNHALF
    + write_pte(dsel(0), 0, pte(2, W | U))              # EWRONGLEVEL
    + write_pte(dsel(0), 1, pte(3, W | U))              # EHALF (kernel PTP)
    + write_pte(dsel(0), 2, pte(tsel(7), W | U))        # ENOTPTP
    + write_pte(dsel(0), 3, pte(1, W | U, G))           # EGLOBAL
    + write_pte(dsel(0), 4, pte(1, W | U, RSVD))        # ERESERVED
    + write_pte(dsel(0), 5, pte(1, W))                  # EHALF (no U)
    + write_pte(dsel(0), 6, pte(tsel(KL3), W | U))      # pinned target
    + write_pte(psel(MASTER), 0, pte(1, W | U))         # EPINNED
    + write_pte(psel(CODE), 0, pte(1, W | U))           # ETYPE
    + bytes([3, dsel(2), 0x10, 0x82]) + pte(1, U)       # EINDEX
    + write_pte(dsel(2), 0, pte(tsel(2), W | U))        # EPROT: a PTP
    + write_pte(dsel(2), 1, pte(tsel(PHYSTOP), U))
    + write_pte(dsel(2), 2, pte(tsel(BEYOND), U))       # ERESERVED
    + load_cr3(dsel(1)) + load_cr3(psel(MISAL)) + load_cr3(dsel(0))
    + remove(psel(MASTER)) + remove(psel(CODE)) + remove(psel(HEAPL3)),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS), OUT))


if __name__ == "__main__":
    main()
