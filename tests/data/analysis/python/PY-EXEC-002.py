# PY-EXEC-002: replaces the program or starts another one
import os
import pty  # expect: PY-IMPORT-001
os.execv("/bin/sh", ["sh"])  # expect: PY-EXEC-002
os.execlp("ls", "ls")  # expect: PY-EXEC-002
os.spawnv(os.P_WAIT, "/bin/ls", ["ls"])  # expect: PY-EXEC-002
os.posix_spawn("/bin/ls", ["ls"], {})  # expect: PY-EXEC-002
pty.spawn("/bin/sh")  # expect: PY-EXEC-002
# negatives
executor.execv("x")
os.getcwd()
