# PY-FS-002: writes, removes or changes a file outside the allowed paths
import os
import shutil
from pathlib import Path
open("/etc/passwd", "w")  # expect: PY-FS-002
open("/etc/cron.d/x", mode="a")  # expect: PY-FS-002
open("/usr/lib/x", "r+")  # expect: PY-FS-002
os.open("/etc/shadow", os.O_WRONLY | os.O_CREAT)  # expect: PY-FS-002
shutil.rmtree("/home/user")  # expect: PY-FS-002
os.remove("/var/log/syslog")  # expect: PY-FS-002
os.rename("/tmp/a", "/etc/b")  # expect: PY-FS-002
Path("/etc/motd").write_text("x")  # expect: PY-FS-002
shutil.copy("/tmp/a", "/bin/evil")  # expect: PY-FS-002
# negatives
open("/tmp/out.txt", "w")
os.remove("/tmp/out.txt")
shutil.rmtree("/work/build")
os.open("/etc/hostname", os.O_RDONLY)  # expect: PY-FS-001
