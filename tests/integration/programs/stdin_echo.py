"""Read all of stdin; report its length, SHA-256 and (short) text."""
import hashlib
import json
import sys

data = sys.stdin.buffer.read()
print(json.dumps({"len": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                  "text": data[:200].decode("utf-8", "replace")}))
