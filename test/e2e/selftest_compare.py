#!/usr/bin/python3
"""Checks that compare.py can fail: identical data passes, a perturbed output,
a NaN, outputs scaled by 2 or 1000 or shifted by a constant (cosine still about
1) and a wrongly sized file do not. run.sh calls this before the models so
that a comparator which passes everything cannot go unnoticed."""
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def run(dat, *npys, extra=()):
    r = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), dat,
                        "--oracle", "ref", *npys, *extra], capture_output=True, text=True)
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
        # Scaled outputs keep a cosine of exactly 1: only the error gates see them.
        cases.append(("output 1 scaled x2", run(dat("x2", a * 2, b), pa, pb), 1))
        cases.append(("output 2 scaled x1000", run(dat("x1000", a, b * 1000), pa, pb), 1))
        cases.append(("scaled x1.01", run(dat("x101", a * 1.01, b), pa, pb), 1))
        # A constant offset on a large mean: cosine 0.999999+, maxrel 2e-3.
        big = (a + 100).astype(np.float32)
        pbig = os.path.join(d, "big.npy")
        np.save(pbig, big)
        cases.append(("offset +0.2 on |x|~100", run(dat("off", big + 0.2), pbig), 1))
        # The gates are the defaults' and can be loosened explicitly.
        cases.append(("scaled x2, --max-rel 2 --max-abs 1e9",
                      run(dat("x2b", a * 2), pa, extra=("--max-rel", "2", "--max-abs", "1e9",
                                                        "--min-cos", "0.99")), 0))
        cases.append(("missing output", run(dat("short", a), pa, pb), 2))
        bad = [(n, got, want) for n, got, want in cases if got != want]
    for n, got, want in bad:
        print("compare.py self-test: %s: exit %d, expected %d" % (n, got, want))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
