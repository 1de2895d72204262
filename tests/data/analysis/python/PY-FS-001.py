# PY-FS-001: reads a file outside the allowed paths
import io
import os
import pathlib
from pathlib import Path
open("/etc/passwd")  # expect: PY-FS-001
io.open("/root/.ssh/id_rsa", "rb")  # expect: PY-FS-001
open("../../etc/shadow")  # expect: PY-FS-001
open(f"/etc/{name}")  # expect: PY-FS-001
Path("/etc/hostname").read_text()  # expect: PY-FS-001
pathlib.Path("/home/user/x").open()  # expect: PY-FS-001
os.listdir("/home")  # expect: PY-FS-001
open("/" + "etc/passwd")  # expect: PY-FS-001
open("\x2fetc\x2fpasswd")  # expect: PY-FS-001
# negatives: the workspace, /tmp, system libraries, computed paths
open("data.txt")
open("/work/input.csv")
open("/tmp/scratch", "w")
open("/usr/share/dict/words")
open(path)
open(os.path.join(base, "x"))
Path("notes.md").read_text()
