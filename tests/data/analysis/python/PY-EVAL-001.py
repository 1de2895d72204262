# PY-EVAL-001: evaluates code built at run time
eval(user_input)  # expect: PY-EVAL-001
exec(code, {})  # expect: PY-EVAL-001
exec(open("script.py").read())  # expect: PY-EVAL-001
list(map(eval, items))  # expect: PY-EVAL-001
# negatives: methods and names that resemble it
model.eval()
self.exec_query(q)
my_exec_plan = 3
evaluate(x)
print("eval(x)")
