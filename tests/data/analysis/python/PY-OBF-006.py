# PY-OBF-006: looks up an attribute of a dangerous module by a computed name
import os
import subprocess  # expect: PY-IMPORT-001
getattr(os, "sys" + name)("id")  # expect: PY-OBF-006
getattr(subprocess, fn)(["ls"])  # expect: PY-OBF-006
# negatives
getattr(config, name)  # expect: PY-OBF-001
