# PY-EVAL-004: runs another Python file or module
import runpy
runpy.run_path("/work/other.py")  # expect: PY-EVAL-004
runpy.run_module("mod")  # expect: PY-EVAL-004
# negatives
run_path = "x"
