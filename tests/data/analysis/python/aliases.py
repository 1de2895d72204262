# Aliases are followed to the real callee.
import os as o
import os.path
import subprocess as sp  # expect: PY-IMPORT-001
from subprocess import Popen as P  # expect: PY-IMPORT-001
from os import system
from os import system as run_it
import socket as s  # expect: PY-NET-001
o.system("id")  # expect: PY-EXEC-001
os.system("id")  # expect: PY-EXEC-001
sp.check_call(["ls"])  # expect: PY-EXEC-003
P(["ls"])  # expect: PY-EXEC-003
system("id")  # expect: PY-EXEC-001
run_it("id")  # expect: PY-EXEC-001
s.socket()  # expect: PY-NET-002
e = eval  # expect: PY-EVAL-001
e(x)  # expect: PY-EVAL-001
ex = o.system  # expect: PY-EXEC-001
ex("id")  # expect: PY-EXEC-001
m = __import__("os")
m.system("id")  # expect: PY-EXEC-001
getattr(o, "system")("id")  # expect: PY-EXEC-001
import importlib
importlib.import_module("subprocess").run("ls", shell=True)  # expect: PY-IMPORT-001, PY-EXEC-004
import builtins
builtins.exec(code)  # expect: PY-EVAL-001
import threading
threading.Thread(target=o.system, args=("id",))  # expect: PY-EXEC-001
handlers = {"run": o.system, "x": len}  # expect: PY-EXEC-001
callbacks = [sp.Popen]  # expect: PY-EXEC-003
class Hidden:
    run = o.system  # expect: PY-EXEC-001
Hidden.run("id")
