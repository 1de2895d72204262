"""Write a 2 MiB file in /work; report the error if the write is refused."""
import json

try:
    with open("/work/big", "wb") as f:
        f.write(b"x" * (2 << 20))
    print(json.dumps({"error": None}))
except OSError as e:
    print(json.dumps({"error": e.strerror}))
