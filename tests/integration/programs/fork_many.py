"""argv: N. A bounded fork bomb: fork up to N sleeping children; report how many it got."""
import json
import os
import sys
import time

n, err = 0, None
for i in range(int(sys.argv[1])):
    try:
        pid = os.fork()
    except OSError as e:
        err = e.strerror
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    n += 1
print(json.dumps({"forked": n, "error": err}))
