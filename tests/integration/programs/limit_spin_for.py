"""argv: S. Spin on one thread for S seconds of wall time, print the CPU time this process got
(ms) and exit 0."""
import sys
import time

end = time.monotonic() + float(sys.argv[1])
n = 0
while time.monotonic() < end:
    n += 1
print("cpu_ms", round(time.process_time() * 1000))
