# PY-EVAL-003: compiles code at run time
import code
import types
c = compile(src, "<x>", "exec")  # expect: PY-EVAL-003
code.interact()  # expect: PY-EVAL-003
types.FunctionType(c, {})  # expect: PY-EVAL-003
# negatives
re.compile("a+")
pattern.compile()
