"""argv: PID... Try to kill everything: kill(-1), each given (host) pid, and init."""
import json
import os
import signal
import sys

res = {}
for target in [-1] + [int(a) for a in sys.argv[1:]]:
    try:
        os.kill(target, signal.SIGKILL)
        res[str(target)] = "sent"
    except OSError as e:
        res[str(target)] = e.strerror
print(json.dumps(res))
