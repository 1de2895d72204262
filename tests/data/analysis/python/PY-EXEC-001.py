# PY-EXEC-001: runs a shell command
import os
import commands  # expect: PY-IMPORT-001
os.system("ls")  # expect: PY-EXEC-001
os.popen("ls").read()  # expect: PY-EXEC-001
commands.getoutput("ls")  # expect: PY-EXEC-001
# negatives: names that only look like it
print("os.system('ls')")
system = "os.system"
obj.system("ls")
os.path.join("a", "b")
