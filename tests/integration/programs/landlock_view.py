"""What the Landlock ruleset allows and refuses, seen from inside. Prints {attempt: "ok" or the
errno name}. Landlock is the only layer that refuses the signal to init (same uid: kill(2)
alone would allow it); the rest must keep working under it."""
import errno
import json
import os
import subprocess

out = {}


def attempt(label, fn):
    try:
        fn()
        out[label] = "ok"
    except OSError as e:
        out[label] = errno.errorcode.get(e.errno, str(e.errno))


def write(path, data="x"):
    with open(path, "w") as f:
        f.write(data)


def read(path):
    with open(path) as f:
        f.read()


attempt("read /proc/self/status", lambda: read("/proc/self/status"))
attempt("write /proc/self/comm", lambda: write("/proc/self/comm", "renamed"))
attempt("signal init", lambda: os.kill(1, 0))
attempt("write /work", lambda: write("/work/a"))
attempt("mkdir+rename in /work", lambda: (os.mkdir("/work/d"), os.rename("/work/a", "/work/d/a")))
attempt("write /tmp", lambda: write("/tmp/a"))
attempt("write /dev/shm", lambda: write("/dev/shm/a"))
attempt("truncate /dev/null", lambda: write("/dev/null"))
attempt("list /", lambda: os.listdir("/"))
attempt("read /etc/passwd", lambda: read("/etc/passwd"))
attempt("exec /usr/bin/true", lambda: subprocess.run(["/usr/bin/true"], check=True))
attempt("mknod fifo in /tmp", lambda: os.mkfifo("/tmp/fifo"))
print(json.dumps(out))
