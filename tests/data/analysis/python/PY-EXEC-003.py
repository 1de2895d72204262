# PY-EXEC-003: starts a subprocess
import subprocess  # expect: PY-IMPORT-001
import asyncio
subprocess.run(["ls", "-l"])  # expect: PY-EXEC-003
subprocess.Popen(["ls"], shell=False)  # expect: PY-EXEC-003
subprocess.check_output(["id"])  # expect: PY-EXEC-003
asyncio.create_subprocess_exec("ls")  # expect: PY-EXEC-003
# negatives
subprocess.PIPE
run(["ls"])
my.subprocess.run(["ls"])
