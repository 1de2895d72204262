"""argv: MARKER [keep-stdio]. The classic escape: double fork + setsid, the grandchild sleeps
60 s (it keeps the marker in its command line). The program itself exits 0 as soon as the daemon
is running. With keep-stdio the daemon also keeps the run's stdout/stderr pipes open, which
must not make the run wait for it."""
import json
import os
import sys
import time

r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    if sys.argv[2:] != ["keep-stdio"]:
        devnull = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
    os.write(w, str(os.getpid()).encode())
    os.close(w)
    time.sleep(60)
    os._exit(0)
os.close(w)
os.waitpid(pid, 0)
daemon = int(os.read(r, 64).decode())
print(json.dumps({"daemon_pid": daemon, "daemon_sid": os.getsid(daemon),
                  "daemon_ppid_is_init": open("/proc/%d/stat" % daemon).read().split()[3] == "1",
                  "my_pid": os.getpid(), "my_sid": os.getsid(0)}), flush=True)
