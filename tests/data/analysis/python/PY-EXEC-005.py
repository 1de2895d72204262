# PY-EXEC-005: forks the process
import os
pid = os.fork()  # expect: PY-EXEC-005
os.forkpty()  # expect: PY-EXEC-005
# negatives
fork = "os.fork()"
repo.fork()
