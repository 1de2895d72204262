#!/usr/bin/env python3
"""Embed the WASI host script into C as `const char sbx__wasi_host_js[]` (build time).

    embed-js.py wasi-host.js out.c

The script reaches node as one `-e` argument, so it must stay under MAX_ARG_STRLEN (128 KiB
including the NUL); the build fails otherwise rather than failing every run.
"""
import sys

MAX_ARG_STRLEN = 128 * 1024


def main():
    src, out = sys.argv[1], sys.argv[2]
    data = open(src, "rb").read()
    if len(data) + 1 > MAX_ARG_STRLEN:
        sys.exit(f"{src}: {len(data)} bytes, above MAX_ARG_STRLEN ({MAX_ARG_STRLEN}) for node -e")
    if b"\0" in data:
        sys.exit(f"{src}: contains a NUL byte")
    lines = ["/* Generated from src/runtimes/wasm/wasi-host.js by embed-js.py. */",
             '#include "runtimes/wasm-engines.h"', "", "const char sbx__wasi_host_js[] ="]
    for line in data.decode("utf-8").splitlines(keepends=True):
        esc = "".join(c if c.isascii() and c.isprintable() and c not in '"\\?' else
                      {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "?": "\\?"}.get(
                          c, "".join(f"\\{b:03o}" for b in c.encode())) for c in line)
        lines.append(f'    "{esc}"')
    lines[-1] += ";"
    open(out, "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
