# PY-EXEC-004: starts a subprocess through the shell
import subprocess  # expect: PY-IMPORT-001
subprocess.run("ls | wc", shell=True)  # expect: PY-EXEC-004
subprocess.call("ls", shell=True)  # expect: PY-EXEC-004
subprocess.getoutput("ls")  # expect: PY-EXEC-004
# negatives: shell=False and a variable named shell
subprocess.run(["ls"], shell=False)  # expect: PY-EXEC-003
shell = True
