"""Prints the node kinds of the op table in docs/frontends/pytorch.md (the
rows between the OP-TABLE markers), one a line, for list-ops.test."""
import re
import sys

text = open(sys.argv[1]).read()
table = text.split("<!-- OP-TABLE BEGIN -->")[1].split("<!-- OP-TABLE END -->")[0]
for line in table.splitlines():
    m = re.match(r"\|\s*`((?:aten|prim)::[A-Za-z0-9_]+)`\s*\|", line)
    if m:
        print(m.group(1))
