#!/usr/bin/env python3
"""Fails when a source file includes a header of a layer above its own (docs/architecture.md).

Each folder under src/ (and each public header under include/edgewm/) belongs to one layer; a
file may include headers of its own layer and of the layers that layer lists in LAYERS.
    scripts/check_layers.py [ROOT]
Exit 0: no forbidden include; 1: each one printed as FILE:LINE: what it includes and why not.
"""
import os
import re
import sys

# layer -> the layers it may use (transitively closed below).
LAYERS = {
    "core": [],
    "ir": ["core"],
    "format": ["ir"],
    "kernels": ["ir"],
    "runtime": ["kernels", "format"],
    "io": ["core"],
    "media": ["imaging"],
    "imaging": ["core"],
    "diffusion": ["runtime", "imaging"],
    "world": ["diffusion", "imaging", "io"],
    "compiler": ["runtime", "io"],
    "tools": ["compiler", "world", "media"],
}
# src/ folder -> layer
FOLDERS = {
    "core": "core", "ir": "ir", "format": "format", "kernels": "kernels", "runtime": "runtime",
    "io": "io", "media": "media", "imaging": "imaging", "diffusion": "diffusion", "world": "world",
    "onnx": "compiler", "passes": "compiler", "compiler": "compiler",
}
# public headers (include/edgewm/NAME) -> layer
PUBLIC = {
    "dtype.h": "core", "error.h": "core", "shape.h": "core", "tensor.h": "core", "thread_pool.h": "core",
    "model.h": "runtime", "session.h": "runtime", "edgewm.h": "runtime",
    "image.h": "imaging", "world.h": "world",
}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def closure(layer, seen=None):
    seen = set() if seen is None else seen
    if layer not in seen:
        seen.add(layer)
        for lower in LAYERS[layer]:
            closure(lower, seen)
    return seen


def layer_of_header(path):
    """The layer of an included path ("kernels/x86/gemm.h", "edgewm/session.h"), or None."""
    head, _, rest = path.partition("/")
    if head == "edgewm":
        return PUBLIC.get(rest, "unknown public header")
    return FOLDERS.get(head)


def layer_of_file(root, path):
    rel = os.path.relpath(path, root).split(os.sep)
    if rel[0] == "src":
        return FOLDERS.get(rel[1])
    if rel[0] == "include" and rel[1] == "edgewm":
        return PUBLIC.get(rel[2], "unknown public header")
    if rel[0] == "tools":
        return "tools"
    return None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    bad = []
    files = 0
    for top in ("src", "include", "tools"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.join(dirpath, name)
                layer = layer_of_file(root, path)
                if layer is None or layer not in LAYERS:
                    bad.append(f"{os.path.relpath(path, root)}: in no layer (add its folder to scripts/check_layers.py)")
                    continue
                files += 1
                allowed = closure(layer)
                with open(path, encoding="utf-8") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = layer_of_header(m.group(1))
                        if target is None:  # a header beside the file, or a third-party one
                            continue
                        if target not in LAYERS:
                            bad.append(f"{os.path.relpath(path, root)}:{lineno}: includes {m.group(1)} ({target})")
                        elif target not in allowed:
                            bad.append(f"{os.path.relpath(path, root)}:{lineno}: {layer} may not include "
                                       f"{m.group(1)} ({target} is not below {layer})")
                # kernels/ref/ is the oracle: no fast driver, no CPU detection.
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                if rel.startswith("src/kernels/ref/"):
                    with open(path, encoding="utf-8") as f:
                        for lineno, line in enumerate(f, 1):
                            m = INCLUDE.match(line)
                            if m and m.group(1).startswith("kernels/") and not m.group(1).startswith("kernels/ref/") \
                                    and m.group(1) not in REF_MAY_USE:
                                bad.append(f"{rel}:{lineno}: a reference kernel may not include {m.group(1)} "
                                           "(kernels/ref/ is the naive oracle: no fast drivers, no CPU detection)")
    for b in bad:
        print(b)
    print(f"check_layers: {files} files, {len(bad)} forbidden include(s)")
    return 1 if bad else 0


# What kernels/ref/ may include outside itself: the registration interface only.
REF_MAY_USE = {"kernels/register_ops.h"}

if __name__ == "__main__":
    sys.exit(main())
