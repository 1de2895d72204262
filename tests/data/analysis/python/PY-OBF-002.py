# PY-OBF-002: reaches the builtins namespace directly
__builtins__.eval("1")  # expect: PY-OBF-002, PY-EVAL-002
f = __builtins__["exec"]  # expect: PY-OBF-002
# negatives
builtins_list = []
x.builtins
