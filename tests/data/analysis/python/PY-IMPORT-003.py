# PY-IMPORT-003: imports a module whose name is computed at run time
import importlib
mod = __import__(name)  # expect: PY-IMPORT-003
importlib.import_module("mod_" + suffix)  # expect: PY-IMPORT-003
# a literal name is an import like any other
json_mod = importlib.import_module("json")
sp = __import__("subprocess")  # expect: PY-IMPORT-001
# negatives
my.import_module(name)
