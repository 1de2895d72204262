"""argv: NAME. Write /tmp/NAME, announce, wait for stdin to close, then check it is still ours."""
import os
import sys

path = "/tmp/" + sys.argv[1]
with open(path, "w") as f:
    f.write("secret of run A\n")
print("ready", flush=True)
sys.stdin.read()
print("still there:", os.path.exists(path), flush=True)
