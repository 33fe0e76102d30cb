#!/usr/bin/env python3
"""Checks every #include of sonde's product code against the module table of
docs/ARCHITECTURE.md ("may include" and "third-party" columns). Exit 1 with one line per
violation. Usage: check_layering.py SOURCE_DIR"""
import os
import re
import sys

THIRD_PARTY = {  # header path prefix -> the name the table uses
    "bpf/": "libbpf", "llvm/": "LLVM/Clang", "clang/": "LLVM/Clang",
    "antlr4-runtime.h": "ANTLR", "civetweb.h": "civetweb", "CivetServer.h": "civetweb",
    "histedit.h": "libedit", "crypt.h": "libxcrypt",
    "fmt/": "fmt", "prometheus/": "prometheus-cpp", "zlib.h": "zlib", "libelf.h": "libelf",
    "gelf.h": "libelf", "sodium.h": "libsodium", "openssl/": "OpenSSL", "systemd/": "systemd",
}
GENERATED = re.compile(r"^Sonde\w*\.h$")  # ANTLR's generated parser


def read_table(root):
    text = open(os.path.join(root, "docs/ARCHITECTURE.md")).read()
    modules = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        name = cells[0].strip("`").rstrip("/")
        allowed = {x.strip() for x in cells[2].split(",") if x.strip()}
        third = {x.strip() for x in re.split(r",", re.sub(r"\(.*?\)", "", cells[3])) if x.strip()}
        modules[name] = (allowed, third)
    return modules


def module_of(path, modules):
    best = None
    for name in modules:
        if path == name or path.startswith(name + "/"):
            if best is None or len(name) > len(best):
                best = name
    return best


def self_test():
    """The checker must be able to fail: a runtime file including the compiler, and
    modules using a library that belongs to another (libbpf in sema, prometheus-cpp
    outside runtime/export), are reported; runtime/export's own prometheus-cpp is not."""
    import tempfile
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "docs"))
        os.makedirs(os.path.join(root, "runtime/bpf"))
        os.makedirs(os.path.join(root, "compiler/sema"))
        os.makedirs(os.path.join(root, "runtime/export"))
        with open(os.path.join(root, "docs/ARCHITECTURE.md"), "w") as f:
            f.write("| module | owns | may include | third-party |\n|---|---|---|---|\n"
                    "| `compiler/sema` | x |  | fmt |\n| `runtime/bpf` | x |  | libbpf |\n"
                    "| `runtime/export` | x |  | fmt, prometheus-cpp (serializer, Exposer) |\n")
        with open(os.path.join(root, "runtime/export/c.cpp"), "w") as f:
            f.write("#include <prometheus/exposer.h>\n")
        with open(os.path.join(root, "runtime/bpf/d.cpp"), "w") as f:
            f.write("#include <prometheus/text_serializer.h>\n")
        with open(os.path.join(root, "runtime/bpf/a.cpp"), "w") as f:
            f.write('#include "compiler/sema/b.h"\n#include <bpf/libbpf.h>\n')
        with open(os.path.join(root, "compiler/sema/b.h"), "w") as f:
            f.write("#include <bpf/libbpf.h>\n#include <fmt/format.h>\n")
        sys.argv = ["check_layering.py", root]
        found = run(root)
    expected = 3
    if len(found) != expected:
        print(f"self-test: expected {expected} violations, found {found}")
        return 1
    return 0


def main():
    if sys.argv[1:2] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    problems = run(root)
    for p in problems:
        print(p)
    return 1 if problems else 0


def run(root):
    modules = read_table(root)
    if not modules:
        return ["no module table found in docs/ARCHITECTURE.md"]
    problems = []
    product = ["support", "format", "grammar", "compiler", "runtime", "stdlib", "tools"]
    for top in product:
        for directory, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if not f.endswith((".h", ".cpp", ".c")):
                    continue
                path = os.path.relpath(os.path.join(directory, f), root)
                own = module_of(path, modules)
                if own is None:
                    problems.append(f"{path}: in no module of the table")
                    continue
                allowed, third = modules[own]
                for number, line in enumerate(open(os.path.join(root, path), errors="replace"), 1):
                    m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
                    if not m:
                        continue
                    header = m.group(2)
                    where = f"{path}:{number}: {own} includes {header}"
                    target = module_of(header, modules)
                    if m.group(1) == '"' and target is not None:
                        if target == own or target in allowed or header in allowed:
                            continue
                        problems.append(f"{where}, which the table does not allow")
                        continue
                    lib = next((name for prefix, name in THIRD_PARTY.items()
                                if header.startswith(prefix)), None)
                    if lib is None and GENERATED.match(header):
                        lib = "ANTLR"
                    if lib is not None and lib not in third:
                        problems.append(f"{where}: {lib} belongs to another module")
    return problems


if __name__ == "__main__":
    sys.exit(main())
