"""A thread bomb: start sleeping threads until starting one fails 20 times in a row, then
check that fork fails too (EAGAIN: the task limit counts threads), report as JSON, exit 0."""
import errno
import json
import os
import threading

stop = threading.Event()
started, fails, message = 0, 0, None
while fails < 20 and started < 1000:
    try:
        threading.Thread(target=stop.wait, daemon=True).start()
    except RuntimeError as e:  # pthread_create's EAGAIN: "can't start new thread"
        fails += 1
        message = str(e)
        continue
    started += 1
    fails = 0
try:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    fork_errno = None
except OSError as e:
    fork_errno = errno.errorcode.get(e.errno, e.errno)
print(json.dumps({"started": started, "error": message, "fork_errno": fork_errno}), flush=True)
os._exit(0)
