#!/usr/bin/python3
"""Checks (or rewrites) the op list of a front-end doc page against the
tool's --list_ops output read from stdin.

  bmnetm --list_ops | check_doc_ops.py docs/frontends/mxnet.md [--write]

The doc's list sits between `<!-- list_ops:begin -->` and
`<!-- list_ops:end -->`: one table row per entry, `| `name` | ...`.
Without --write, exits 1 and prints the difference when the doc and the
tool disagree; with --write, regenerates the rows (keeping the notes of
entries that stay).
"""
import re
import sys

BEGIN, END = "<!-- list_ops:begin -->", "<!-- list_ops:end -->"


def main():
    doc = sys.argv[1]
    write = "--write" in sys.argv[2:]
    tool = [l.strip() for l in sys.stdin if l.startswith("  ")]
    text = open(doc).read()
    if BEGIN not in text or END not in text:
        print("%s: no %s ... %s block" % (doc, BEGIN, END))
        return 1
    head, rest = text.split(BEGIN, 1)
    block, tail = rest.split(END, 1)
    rows = [l for l in block.splitlines() if l.startswith("| `")]
    notes = {}
    for r in rows:
        m = re.match(r"\| `([^`]+)` \|(.*)\|\s*$", r)
        if m:
            notes[m.group(1)] = m.group(2).strip()
    documented = list(notes)
    if write:
        lines = ["", "| entry | notes |", "|---|---|"]
        lines += ["| `%s` | %s |" % (t, notes.get(t, "")) for t in tool]
        open(doc, "w").write(head + BEGIN + "\n".join(lines) + "\n" + END + tail)
        return 0
    if documented == tool:
        print("%s: %d entries match --list_ops" % (doc, len(tool)))
        return 0
    missing = [t for t in tool if t not in documented]
    extra = [d for d in documented if d not in tool]
    print("%s disagrees with --list_ops: missing %s, not supported %s%s"
          % (doc, missing, extra,
             "" if missing or extra else ", order differs"))
    print("regenerate with: <tool> --list_ops | %s %s --write" % (sys.argv[0], doc))
    return 1


if __name__ == "__main__":
    sys.exit(main())
