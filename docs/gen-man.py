#!/usr/bin/env python3
"""Build-time: fill docs/rusty-sandbox.1.in with the option table of the built CLI."""
import subprocess
import sys

binary, template, output, version = sys.argv[1:5]
flag = sys.argv[5] if len(sys.argv) > 5 else "--help-roff"
generated = subprocess.run([binary, flag], check=True, capture_output=True, text=True).stdout
with open(template, encoding="utf-8") as f:
    text = f.read()
with open(output, "w", encoding="utf-8") as f:
    f.write(text.replace("@OPTIONS@\n", generated).replace("@KEYS@\n", generated)
            .replace("@VERSION@", version))
