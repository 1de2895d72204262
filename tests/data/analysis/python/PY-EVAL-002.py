# PY-EVAL-002: evaluates a constant string (and what is inside it is analysed too)
eval("1 + 2")  # expect: PY-EVAL-002
exec("import os; os.system('id')")  # expect: PY-EVAL-002, PY-EXEC-001
exec("exec('import socket')")  # expect: PY-EVAL-002, PY-EVAL-002, PY-NET-001
# negatives
ast.literal_eval("[1, 2]")
