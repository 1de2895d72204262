"""A fork bomb with a stopping rule: fork sleeping children (each of which tries to fork one
more) until fork fails 50 times in a row, then report what it got as JSON and exit 0. The
sandbox's init kills the sleepers when the program ends."""
import errno
import json
import os
import time

forked, errors, other, fails = 0, 0, [], 0
while fails < 50 and forked < 1000:
    try:
        pid = os.fork()
    except OSError as e:
        fails += 1
        if e.errno == errno.EAGAIN:
            errors += 1
        else:
            other.append(e.strerror)
        time.sleep(0.002)
        continue
    if pid == 0:
        try:
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
        except OSError:
            pass
        time.sleep(60)
        os._exit(0)
    forked += 1
    fails = 0
print(json.dumps({"forked": forked, "eagain": errors, "other": other}), flush=True)
