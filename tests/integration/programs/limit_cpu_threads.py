"""argv: N. Spin on N threads forever. Each thread alternates a pure-Python busy loop with
hashing a 1 MB buffer (hashlib drops the GIL there, so the threads really run on several
cores at once) and records its own CPU time. Every 50 ms the main thread prints one JSON line:
{"process_ms": CPU time of the whole process, "threads_ms": [CPU time of each spinner]}.
Only a CPU or wall limit stops it."""
import hashlib
import json
import sys
import threading
import time

buf = b"\x01" * (1 << 20)
n = int(sys.argv[1])
spent = [0.0] * n


def spin(i):
    while True:
        x = 0
        for j in range(2000):
            x += j
        hashlib.sha256(buf).digest()
        spent[i] = time.thread_time()


for i in range(n):
    threading.Thread(target=spin, args=(i,), daemon=True).start()
while True:
    print(json.dumps({"process_ms": round(time.process_time() * 1000),
                      "threads_ms": [round(s * 1000) for s in spent]}), flush=True)
    time.sleep(0.05)
