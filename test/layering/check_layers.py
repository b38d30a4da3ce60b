#!/usr/bin/env python3
"""Checks the floors of docs/architecture.md by scanning #include lines.

Every project header a library file includes must belong to a folder that
its floor may depend on: contracts (ir, isa, bmodel) include no stage,
front-ends include only ir, stages never include each other, and only the
driver and the tools see several stages. Run with the repository root;
--selftest shows on a made-up tree that a violation is caught.
"""
import os
import re
import sys
import tempfile

# folder -> project folders it may include (its own is always allowed).
# support/ (floor 0: header-only tables such as the DType list and the f16
# conversions) includes nothing of the project, and every folder may
# include it.
ALLOWED = {
    "support": set(),
    "ir": set(),
    "isa": set(),
    "bmodel": set(),
    "frontends/*": {"ir"},
    "quantizer": {"ir"},
    "backend": {"ir", "isa", "bmodel"},
    "runtime": {"ir", "isa", "bmodel"},
    "driver": {"ir", "isa", "bmodel", "frontends/*", "quantizer", "backend",
               "runtime"},
}
# Top-level folders whose includes are checked; tools/ and test/ may use
# anything.
TOP = {"support", "ir", "isa", "bmodel", "frontends", "quantizer", "backend", "runtime",
       "driver"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCE_EXT = (".h", ".cpp", ".def", ".inc")


def unit_of(path):
    """The layering unit of a repo-relative path, or None if unchecked."""
    parts = path.split("/")
    if parts[0] not in TOP:
        return None
    if parts[0] == "frontends":
        return "frontends/" + parts[1] if len(parts) > 2 else None
    return parts[0]


def rule_of(unit):
    return "frontends/*" if unit.startswith("frontends/") else unit


def allowed(unit, target):
    if target == unit or target == "support":
        return True
    for a in ALLOWED[rule_of(unit)]:
        if a == target or (a == "frontends/*" and target.startswith("frontends/")):
            return True
    return False


def check(root):
    problems = []
    for top in sorted(TOP):
        base = os.path.join(root, top)
        for dirpath, _, files in os.walk(base):
            for f in sorted(files):
                if not f.endswith(SOURCE_EXT):
                    continue
                full = os.path.join(dirpath, f)
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                unit = unit_of(rel)
                if unit is None:
                    continue
                with open(full, encoding="utf-8", errors="replace") as fh:
                    for n, line in enumerate(fh, 1):
                        m = INCLUDE.match(line)
                        if not m or "/" not in m.group(1):
                            continue
                        target = unit_of(m.group(1))
                        if target is None:
                            first = m.group(1).split("/")[0]
                            if first in TOP:  # e.g. "frontends/X.h" at top
                                target = first
                            else:
                                continue  # llvm/, flatbuffers/, CLI/ ...
                        if not allowed(unit, target):
                            problems.append("%s:%d: %s (%s) may not include %s"
                                            % (rel, n, unit, rule_of(unit), m.group(1)))
    return problems


def selftest():
    bad = {
        "ir/A.h": '#include "backend/core/Backend.h"\n',
        "frontends/caffe/B.cpp": '#include "frontends/onnx/OnnxImporter.h"\n',
        "backend/core/C.cpp": '#include "runtime/api/Runtime.h"\n',
        "quantizer/D.cpp": '#include "driver/Stages.h"\n',
        "driver/E.cpp": '#include "backend/core/Backend.h"\n#include "llvm/X.h"\n',
        "support/F.h": '#include "ir/Types.h"\n',
        "isa/G.h": '#include "support/Float16.h"\n',
    }
    with tempfile.TemporaryDirectory() as d:
        for rel, text in bad.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w") as fh:
                fh.write(text)
        found = check(d)
    flagged = sorted(p.split(":")[0] for p in found)
    want = ["backend/core/C.cpp", "frontends/caffe/B.cpp", "ir/A.h", "quantizer/D.cpp",
            "support/F.h"]
    if flagged != want:
        print("layering selftest: expected %s flagged, got %s" % (want, flagged))
        return 1
    print("layering selftest: 5 violations caught, the allowed includes passed")
    return 0


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--selftest":
        return selftest()
    if len(sys.argv) != 2:
        print("usage: check_layers.py REPO_ROOT | --selftest")
        return 2
    problems = check(sys.argv[1])
    for p in problems:
        print(p)
    if problems:
        print("layering: %d include(s) break the floors of docs/architecture.md"
              % len(problems))
        return 1
    print("layering: every include respects the floors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
