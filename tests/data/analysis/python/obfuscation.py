# Code that hides what it calls.
import base64
globals()["eval"](x)  # expect: PY-OBF-005, PY-EVAL-001
__builtins__.__dict__["exec"](c)  # expect: PY-OBF-002, PY-OBF-005, PY-EVAL-001
getattr(__builtins__, "ev" + "al")(c)  # expect: PY-OBF-002, PY-EVAL-001
getattr(__builtins__, "ev" + x)(c)  # expect: PY-OBF-002, PY-OBF-006
exec(chr(105) + chr(109) + chr(112))  # expect: PY-OBF-004
[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == "Popen"]  # expect: PY-OBF-003, PY-OBF-003
exec(base64.b64decode(b"aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk=").decode())  # expect: PY-OBF-004
(lambda: 0).__globals__["__builtins__"]  # expect: PY-OBF-003
f"{__import__('os').system('id')}"  # expect: PY-EXEC-001
