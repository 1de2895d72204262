# PY-OBF-005: looks up a name through a namespace dictionary
import sys
globals()["ev" + "al"]("1")  # expect: PY-OBF-005, PY-EVAL-002
vars(builtins)[name]  # expect: PY-OBF-005
sys.modules["o" + "s"]  # expect: PY-OBF-005
# negatives
config["key"]
d.modules["x"]
