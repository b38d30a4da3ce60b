#!/usr/bin/env python3
"""Checks docs/isa.md against isa/Commands.def through `tpu_disasm --fields`.

Section 9 of docs/isa.md ("Field tables") must be exactly what
`tpu_disasm --fields` prints (it expands isa/Commands.def and the field
lists of isa/Encoding.cpp), and the opcode tables of section 4 must list
the same (engine, opcode, mnemonic) rows in the same order. On a
difference it prints a unified diff and how to regenerate the section.

usage: check_isa_docs.py TPU_DISASM DOCS_ISA_MD
       check_isa_docs.py TPU_DISASM DOCS_ISA_MD --write   (regenerates 9.)
"""
import difflib
import re
import subprocess
import sys

HEADING = "## 9. Field tables\n\n"
KIND = re.compile(r"^### `([^`]+)` \(engine (\w+), opcode (\d+)\)$", re.M)
SECTION4_TABLE = re.compile(r"^### (BDC|GDMA) opcodes\n\n(.*?)(?=\n#)", re.M | re.S)
ROW = re.compile(r"^\| (\d+) \| `([^`]+)` \|", re.M)


def main(argv):
    if len(argv) not in (3, 4) or (len(argv) == 4 and argv[3] != "--write"):
        print(__doc__)
        return 2
    fields = subprocess.run([argv[1], "--fields"], check=True,
                            capture_output=True, text=True).stdout
    with open(argv[2], encoding="utf-8") as fh:
        doc = fh.read()
    at = doc.find(HEADING)
    if at < 0:
        print("isa_docs: %s has no '%s' heading" % (argv[2], HEADING.strip()))
        return 1
    if len(argv) == 4:
        with open(argv[2], "w", encoding="utf-8") as fh:
            fh.write(doc[:at + len(HEADING)] + fields)
        print("isa_docs: wrote section 9 of %s" % argv[2])
        return 0
    problems = 0
    have = doc[at + len(HEADING):]
    if have != fields:
        problems += 1
        sys.stdout.writelines(difflib.unified_diff(
            have.splitlines(True), fields.splitlines(True),
            "docs/isa.md section 9", "tpu_disasm --fields"))
        print("isa_docs: section 9 differs from isa/Commands.def and the field "
              "lists; regenerate it with: check_isa_docs.py %s %s --write"
              % (argv[1], argv[2]))
    kinds = [(e.upper(), int(o), m) for m, e, o in KIND.findall(fields)]
    listed = []
    for engine, table in SECTION4_TABLE.findall(doc):
        listed += [(engine, int(o), m) for o, m in ROW.findall(table)]
    if listed != kinds:
        problems += 1
        print("isa_docs: the opcode tables of section 4 list %s\n"
              "          but isa/Commands.def declares %s" % (listed, kinds))
    if not kinds:
        problems += 1
        print("isa_docs: `tpu_disasm --fields` printed no command kinds")
    if problems:
        return 1
    print("isa_docs: docs/isa.md matches isa/Commands.def (%d command kinds)"
          % len(kinds))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
