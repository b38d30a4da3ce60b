#!/usr/bin/python3
"""Keeps the layer table of docs/frontends/caffe.md equal to `bmnetc --list_ops`.

  bmnetc --list_ops | doc_table.py --check docs/frontends/caffe.md
  bmnetc --list_ops | doc_table.py --write docs/frontends/caffe.md

The table sits between the lines `<!-- layer-table begin -->` and
`<!-- layer-table end -->`; --check exits 1 (with a diff) when it differs.
"""
import difflib
import sys

BEGIN, END = "<!-- layer-table begin -->", "<!-- layer-table end -->"


def table(lines):
    rows = ["| Caffe layer | IR form |", "|---|---|"]
    for ln in lines[1:]:
        ln = ln.strip()
        if not ln:
            continue
        name, form = ln.split(": ", 1)
        rows.append("| `%s` | %s |" % (name, form.replace("|", "\\|")))
    return [lines[0].strip(), ""] + rows


def main():
    mode, path = sys.argv[1], sys.argv[2]
    want = table(sys.stdin.read().splitlines())
    doc = open(path).read().splitlines()
    try:
        b, e = doc.index(BEGIN), doc.index(END)
    except ValueError:
        sys.exit("%s: markers %s / %s not found" % (path, BEGIN, END))
    have = doc[b + 1:e]
    if mode == "--write":
        open(path, "w").write("\n".join(doc[:b + 1] + want + doc[e:]) + "\n")
        return 0
    if have != want:
        sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(have, want, path, "bmnetc --list_ops", lineterm=""))
        print("%s: the layer table differs from bmnetc --list_ops; regenerate it with "
              "'bmnetc --list_ops | %s --write %s'" % (path, sys.argv[0], path))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
