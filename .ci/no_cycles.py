#!/usr/bin/env python3
"""Fails when the files of a crate refer to each other in a cycle.

Each `crates/NAME/src/*.rs` file is a module; a file depends on the modules
it names as `crate::MODULE` outside its comments and its `#[cfg(test)]` part. The crates
given must read top-down: no module reaches back to one that uses it.
"""
import os, re, sys

def graph(src):
    mods = [f[:-3] for f in os.listdir(src) if f.endswith(".rs") and f not in ("lib.rs", "main.rs", "tests.rs")]
    g = {}
    for m in mods:
        text = open(os.path.join(src, m + ".rs")).read().split("#[cfg(test)]")[0]
        # Comments (doc links included) are not uses.
        text = re.sub(r"//[^\n]*", "", text)
        g[m] = (set(re.findall(r"crate::(\w+)", text)) & set(mods)) - {m}
    return g

def cycles(g):
    state, found = {}, []
    def visit(u, path):
        state[u] = 1
        for v in sorted(g[u]):
            if state.get(v) == 1:
                found.append(path[path.index(v):] + [v])
            elif v not in state:
                visit(v, path + [v])
        state[u] = 2
    for m in sorted(g):
        if m not in state:
            visit(m, [m])
    return found

bad = False
for crate in sys.argv[1:]:
    for c in cycles(graph(os.path.join("crates", crate, "src"))):
        print(f"crates/{crate}: files in a cycle: " + " -> ".join(c))
        bad = True
sys.exit(1 if bad else 0)
