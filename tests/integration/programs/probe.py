"""A sandboxed prober: argv[1] names a check, the rest are its arguments. Prints one JSON
object. Every attempt is made for real and its outcome (ok or the errno name) reported; the
test decides what is allowed.

  identity                 uid/gid/groups, /proc/self/status fields, hostname, pids, interfaces
  env                      the environment
  read PATH...             open+read each path
  list PATH...             listdir each path
  create PATH...           create (O_CREAT|O_EXCL) and write each path
  append PATH...           open an existing file for writing (O_APPEND) and write to it
  mkdir PATH...            mkdir each path
  connect HOST PORT        TCP connect with a 3 s timeout
  connect-unix NAME        connect to the abstract unix socket NAME (network-namespace scoped)
"""
import errno
import json
import os
import socket
import sys


def attempt(fn):
    try:
        v = fn()
        return {"ok": True, "value": v}
    except OSError as e:
        return {"ok": False, "error": errno.errorcode.get(e.errno, str(e.errno)) if e.errno
                else type(e).__name__, "message": str(e)}


def read(p):
    with open(p, "rb") as f:
        return f.read(4096).decode("utf-8", "replace")


def create(p):
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        return os.write(fd, b"written from inside the sandbox\n")
    finally:
        os.close(fd)


def append(p):
    fd = os.open(p, os.O_WRONLY | os.O_APPEND)
    try:
        return os.write(fd, b"sandbox\n")
    finally:
        os.close(fd)


def connect(host, port):
    s = socket.create_connection((host, int(port)), timeout=3)
    s.close()
    return "connected"


def connect_unix(name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect("\0" + name)
    finally:
        s.close()
    return "connected"


def identity():
    status = {}
    with open("/proc/self/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            status[k] = v.strip()
    return {
        "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "egid": os.getegid(),
        "groups": os.getgroups(), "pid": os.getpid(), "ppid": os.getppid(),
        "status": {k: status.get(k) for k in ("Uid", "Gid", "CapInh", "CapPrm", "CapEff",
                                                "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp")},
        "hostname": socket.gethostname(),
        "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "interfaces": [name for _, name in socket.if_nameindex()],
        "cwd": os.getcwd(),
        "has_tty": os.isatty(0) or os.isatty(1) or os.isatty(2),
        "sid": os.getsid(0),
    }


def main():
    check, args = sys.argv[1], sys.argv[2:]
    if check == "identity":
        out = identity()
    elif check == "env":
        out = dict(os.environ)
    elif check == "connect":
        out = attempt(lambda: connect(*args))
    elif check == "connect-unix":
        out = attempt(lambda: connect_unix(*args))
    else:
        fn = {"read": read, "list": lambda p: sorted(os.listdir(p)), "create": create,
              "append": append, "mkdir": lambda p: os.mkdir(p)}[check]
        out = {p: attempt(lambda p=p: fn(p)) for p in args}
    print(json.dumps(out))


main()
