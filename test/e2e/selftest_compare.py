#!/usr/bin/python3
"""Checks that compare.py can fail: identical data passes, a perturbed output,
a NaN and a wrongly sized file do not. run.sh calls this before the models so
that a comparator which passes everything cannot go unnoticed."""
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def run(dat, *npys):
    r = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), dat,
                        "--oracle", "ref", *npys], capture_output=True, text=True)
    return r.returncode


def main():
    rng = np.random.RandomState(7)
    a = rng.standard_normal((1, 1000)).astype(np.float32)
    b = rng.standard_normal((1, 4420, 4)).astype(np.float32)
    with tempfile.TemporaryDirectory() as d:
        pa, pb = os.path.join(d, "a.npy"), os.path.join(d, "b.npy")
        np.save(pa, a)
        np.save(pb, b)
        cases = []

        def dat(name, *arrays):
            p = os.path.join(d, name)
            with open(p, "wb") as f:
                for x in arrays:
                    f.write(x.astype("<f4").tobytes())
            return p

        noisy = b + 0.05 * np.abs(b).max() * rng.standard_normal(b.shape).astype(np.float32)
        nan = a.copy()
        nan[0, 3] = np.nan
        cases.append(("identical", run(dat("same", a, b), pa, pb), 0))
        cases.append(("tiny noise", run(dat("tiny", a * (1 + 1e-7), b), pa, pb), 0))
        cases.append(("5% noise in output 2", run(dat("noisy", a, noisy), pa, pb), 1))
        cases.append(("NaN", run(dat("nan", nan), pa), 1))
        cases.append(("outputs swapped", run(dat("swap", b, a), pa, pb), 1))
        cases.append(("missing output", run(dat("short", a), pa, pb), 2))
        bad = [(n, got, want) for n, got, want in cases if got != want]
    for n, got, want in bad:
        print("compare.py self-test: %s: exit %d, expected %d" % (n, got, want))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
