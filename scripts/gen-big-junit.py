#!/usr/bin/env python3
"""An evidence tree with one huge JUnit report, to measure time and memory
(issue 15: a 200 MB report with 1.85 million cases).

    python3 scripts/gen-big-junit.py DIR [CASES]        # default 1,850,000
    /usr/bin/time -v target/release/relpack build DIR --out OUT

A few tests bind a small share of the cases by pattern; most cases are
bound to no test (the longest list the packet has); one case in 10,000
fails, one in 5,000 is skipped.
"""
import os
import sys

root = sys.argv[1]
cases = int(sys.argv[2]) if len(sys.argv) > 2 else 1_850_000
os.makedirs(os.path.join(root, "results"), exist_ok=True)
with open(os.path.join(root, "relpack.toml"), "w") as f:
    f.write('[product]\nname = "Big JUnit"\nid = "BIG"\nsafety_class = "B"\n\n'
            '[release]\nversion = "1.0.0"\ndate = 2026-11-20\n\n'
            '[gates]\napprovals = []\nmin_approvals = { A = 0, B = 0, C = 0 }\n')
with open(os.path.join(root, "evidence.toml"), "w") as f:
    for i in range(10):
        f.write(f'[[requirement]]\nid = "REQ-{i}"\ntitle = "Requirement {i}"\n'
                f'text = "The system shall do thing {i}."\n\n'
                f'[[test]]\nid = "T-{i}"\ntitle = "Module {i}"\nverifies = ["REQ-{i}"]\n'
                f'junit = ["tests.module_{i:04d}::*"]\n\n')
suites = 1000
per = cases // suites
with open(os.path.join(root, "results", "junit.xml"), "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="pytest">\n')
    n = 0
    for s in range(suites):
        f.write(f'  <testsuite name="suite_{s:04d}" tests="{per}" timestamp="2026-11-19T10:00:00">\n')
        for c in range(per if s < suites - 1 else cases - n):
            n += 1
            body = ""
            if n % 10_000 == 0:
                body = '<failure message="assert 1 == 2">AssertionError</failure>'
            elif n % 5_000 == 0:
                body = '<skipped message="not on this platform"/>'
            tag = (f'<testcase classname="tests.module_{s:04d}" name="test_case_{n:07d}_with_a_longer_name" time="0.001"'
                   + (f'>{body}</testcase>' if body else '/>'))
            f.write(f'    {tag}\n')
        f.write('  </testsuite>\n')
    f.write('</testsuites>\n')
size = os.path.getsize(os.path.join(root, "results", "junit.xml"))
print(f"{root}/results/junit.xml: {cases} cases, {size / 1e6:.0f} MB")
