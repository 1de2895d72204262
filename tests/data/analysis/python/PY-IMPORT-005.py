# PY-IMPORT-005: star-imports a module with dangerous functions
from os import *  # expect: PY-IMPORT-005
from subprocess import *  # expect: PY-IMPORT-005, PY-IMPORT-001
system("ls")  # expect: PY-EXEC-001
Popen(["ls"])  # expect: PY-EXEC-003
# negatives
from math import *
from .local import *
sqrt(2)
