import os
os.system("id")  # expect: PY-EXEC-001
def broken(:
    pass
eval(x)  # expect: PY-EVAL-001
