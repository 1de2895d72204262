"""argv: fast|slow. A memory bomb: allocate and touch memory without end, in 32 MB chunks
(fast) or in 256 kB chunks with a 1 ms sleep between them (slow). Prints the MB held every
16 MB. Never finishes by itself: a memory limit must stop it (an OOM kill, or, under
RLIMIT_DATA, a MemoryError that ends it with a traceback)."""
import sys
import time

fast = sys.argv[1] == "fast"
chunk = (32 << 20) if fast else (256 << 10)
held = []
total = 0
last = 0
while True:
    held.append(b"\x01" * chunk)  # bytes(n) of one repeated byte: memset, every page touched
    total += chunk
    if total - last >= 16 << 20:
        last = total
        print("held", total >> 20, "MB", flush=True)
    if not fast:
        time.sleep(0.001)
