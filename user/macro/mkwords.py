#!/usr/bin/env python3
"""user/macro/mkwords.py OUT: the text the build and archive macro workloads
start from (user/macro/build.sh, archive.sh): 1100 lines of 4..12
pseudo-random lower-case words (3..10 letters), about 64 KiB, from a fixed
seed, so every build of the image holds the same bytes. The expected
results (user/macro/macro.mk) are computed from this same file."""
import random
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: mkwords.py OUT")
    rng = random.Random(18)
    # a vocabulary with a skewed frequency, as real text has
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 10)))
             for _ in range(900)]
    lines = []
    for _ in range(1100):
        n = rng.randint(4, 12)
        lines.append(" ".join(vocab[int(len(vocab) * rng.random() ** 2)] for _ in range(n)))
    with open(sys.argv[1], "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
