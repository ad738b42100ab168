"""Write a large Doorstop tree for timing `relpack import doorstop`:
N system requirements (SYS), 2N software requirements (SRS, each linked to
a SYS item, a heading every 10), and N*1.2 tests (TST, each verifying two
SRS items) -- about 4.2 N items; N = 5000 gives about 21,000.

    python3 examples/gen_doorstop.py OUT [N]

Items are written as Doorstop 3.2 writes them (no Doorstop needed)."""

import os
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000


def doc(path, prefix, parent=None):
    os.makedirs(os.path.join(out, path), exist_ok=True)
    with open(os.path.join(out, path, ".doorstop.yml"), "w") as f:
        f.write("settings:\n  digits: 5\n  itemformat: yaml\n")
        if parent:
            f.write(f"  parent: {parent}\n")
        f.write(f"  prefix: {prefix}\n  sep: ''\n")


def item(path, uid, level, text, links=(), normative=True, header=""):
    with open(os.path.join(out, path, uid + ".yml"), "w") as f:
        f.write("active: true\nderived: false\n")
        f.write(f"header: '{header}'\nlevel: '{level}'\n")
        if links:
            f.write("links:\n" + "".join(f"- {l}: null\n" for l in links))
        else:
            f.write("links: []\n")
        f.write(f"normative: {'true' if normative else 'false'}\nref: ''\nreviewed: null\n")
        f.write("text: |\n  " + text.replace("\n", "\n  ") + "\n")


doc("reqs/sys", "SYS")
doc("reqs/srs", "SRS", "SYS")
doc("tests", "TST", "SRS")
for i in range(1, n + 1):
    item("reqs/sys", f"SYS{i:05}", f"1.{i}", f"The system shall do thing {i}.")
k = 0
for i in range(1, 2 * n + 1):
    k += 1
    if i % 10 == 1:
        item("reqs/srs", f"SRS{k:05}", f"{i // 10 + 1}.0", "", normative=False, header=f"Group {i // 10 + 1}")
        k += 1
    parent = f"SYS{(i - 1) // 2 + 1:05}"
    item("reqs/srs", f"SRS{k:05}", f"{i // 10 + 1}.{i % 10 + 1}",
         f"The software shall handle case {i}.\n\n- with **detail** {i}", [parent])
srs_normative = [u for u in sorted(os.listdir(os.path.join(out, "reqs/srs"))) if u.endswith(".yml")]
for i in range(1, int(n * 1.2) + 1):
    a = f"SRS{(2 * i) % k + 1:05}"
    b = f"SRS{(2 * i + 3) % k + 1:05}"
    item("tests", f"TST{i:05}", f"1.{i}", f"Check cases of {a} and {b}.", [a, b])
