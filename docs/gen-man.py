#!/usr/bin/env python3
"""Build-time: fill docs/rusty-sandbox.1.in with the option table of the built CLI."""
import subprocess
import sys

binary, template, output, version = sys.argv[1:5]
options = subprocess.run([binary, "--help-roff"], check=True, capture_output=True, text=True).stdout
with open(template, encoding="utf-8") as f:
    text = f.read()
with open(output, "w", encoding="utf-8") as f:
    f.write(text.replace("@OPTIONS@\n", options).replace("@VERSION@", version))
