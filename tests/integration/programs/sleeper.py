"""argv: MARKER SECONDS. Announce, then sleep; the marker lets the host find us. Once the
announcement is written the process renames itself (comm) to "sbx-sleeping", so the host knows
the output is out even when it cannot see it (--json)."""
import sys
import time

print("sleeping", sys.argv[1], flush=True)
with open("/proc/self/comm", "w") as f:
    f.write("sbx-sleeping")
time.sleep(float(sys.argv[2]))
print("woke up")
