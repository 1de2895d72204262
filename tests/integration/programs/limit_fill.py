"""argv: DIR MB [HOLD]. Write MB megabytes to DIR/fill in 1 MB writes until one fails; print
{"error": errno name, "written": bytes, "size": file size} as JSON, then keep the file for
HOLD seconds (so the host can be looked at while the disk is full) and exit 0."""
import errno
import json
import os
import sys
import time

path = os.path.join(sys.argv[1], "fill")
want = int(sys.argv[2]) << 20
hold = float(sys.argv[3]) if len(sys.argv) > 3 else 0
block = b"x" * (1 << 20)
written, error, code = 0, None, None
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
try:
    while written < want:
        n = os.write(fd, block)  # a short write, then the error on the next one
        written += n
except OSError as e:
    error, code = errno.errorcode.get(e.errno, str(e.errno)), e.errno
os.close(fd)
print(json.dumps({"error": error, "errno": code, "written": written,
                  "size": os.path.getsize(path)}), flush=True)
time.sleep(hold)
