#!/usr/bin/env python3
"""Fails when the files of a crate refer to each other in a cycle.

Each `crates/NAME/src/*.rs` file is a module, and so is each directory
`crates/NAME/src/DIR/` with its `mod.rs` (all its files together); a module
depends on the modules it names as `crate::MODULE` outside its comments and
its `#[cfg(test)]` part. Inside a directory module, the files other than
`mod.rs` (the directory's root, as `lib.rs` is the crate's) depend on the
siblings they name as `super::FILE`. The crates given must read top-down: no
module reaches back to one that uses it.
"""
import os, re, sys

def code(path):
    text = open(path).read().split("#[cfg(test)]")[0]
    # Comments (doc links included) are not uses.
    return re.sub(r"//[^\n]*", "", text)

def graph(src, prefix="crate", root=("lib.rs", "main.rs", "tests.rs")):
    """The modules of `src` and the modules each uses, as `prefix::MODULE`."""
    files = {f[:-3]: [os.path.join(src, f)] for f in os.listdir(src) if f.endswith(".rs") and f not in root}
    if prefix == "crate":
        for d in os.listdir(src):
            if os.path.isfile(os.path.join(src, d, "mod.rs")):
                files[d] = [os.path.join(src, d, f) for f in os.listdir(os.path.join(src, d)) if f.endswith(".rs")]
    return {m: (set().union(*(re.findall(prefix + r"::(\w+)", code(p)) for p in paths)) & set(files)) - {m}
            for m, paths in files.items()}

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
    src = os.path.join("crates", crate, "src")
    graphs = [(f"crates/{crate}", graph(src))]
    for d in sorted(os.listdir(src)):
        if os.path.isfile(os.path.join(src, d, "mod.rs")):
            graphs.append((f"crates/{crate}/src/{d}", graph(os.path.join(src, d), "super", ("mod.rs",))))
    for where, g in graphs:
        for c in cycles(g):
            print(f"{where}: files in a cycle: " + " -> ".join(c))
            bad = True
sys.exit(1 if bad else 0)
