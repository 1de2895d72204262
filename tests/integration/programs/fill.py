"""argv: DIR MB. Try to write MB megabytes to DIR/fill; report how far it got."""
import json
import os
import sys

path = os.path.join(sys.argv[1], "fill")
want = int(sys.argv[2]) << 20
written, error = 0, None
try:
    with open(path, "wb") as f:
        while written < want:
            f.write(b"x" * (1 << 20))
            written += 1 << 20
        f.flush()
except OSError as e:
    error = e.strerror
print(json.dumps({"error": error, "size": os.path.getsize(path)}))
