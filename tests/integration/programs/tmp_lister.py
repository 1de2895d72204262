"""List /tmp and /dev/shm (recursively) and the pids this run can see."""
import json
import os

found = []
for top in ("/tmp", "/dev/shm"):
    for root, dirs, files in os.walk(top):
        found += [os.path.join(root, n) for n in dirs + files]
print(json.dumps({"entries": sorted(found),
                  "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}))
