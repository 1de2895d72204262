# PY-IMPORT-001: imports a module that runs other programs
import subprocess  # expect: PY-IMPORT-001
import pty  # expect: PY-IMPORT-001
from subprocess import PIPE  # expect: PY-IMPORT-001
# negatives
import os
import sys
import subprocess_helpers
