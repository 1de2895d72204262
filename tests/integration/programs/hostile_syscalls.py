"""argv: CASE [HOST_PID]. One hostile attempt through ctypes, as raw as a real attack would be.
Prints one JSON object: {"case": CASE, "errors": {attempt: errno name or "ok"}, "alive": true}.

  ptrace     PTRACE_ATTACH and PTRACE_SEIZE of HOST_PID (a host process)
  mount      a tmpfs over /tmp, a bind of / over /work
  unshare    a new user namespace (then mount and net)
  keyctl     join a new session keyring; add_key
  bpf        BPF_PROG_LOAD and BPF_MAP_CREATE
  perf       perf_event_open of a software counter
  userfaultfd
  io_uring   io_uring_setup
  kill       kill(-1, SIGKILL) (signals everything the caller may signal), then HOST_PID
  tiocsti    TIOCSTI on fds 0-2 and on /dev/null, with and without junk in the upper bits
  x32        getpid, open and execve through their x32 numbers
  sockets    raw IPv4, packet, audit netlink, IPv4 and IPv6 sockets
  handle     open_by_handle_at and name_to_handle_at
"""
import ctypes
import errno
import json
import os
import socket
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
X32 = 0x40000000
NR = {"ptrace": 101, "mount": 165, "unshare": 272, "keyctl": 250, "add_key": 248, "bpf": 321,
      "perf_event_open": 298, "userfaultfd": 323, "io_uring_setup": 425, "kill": 62,
      "ioctl": 16, "getpid": 39, "open": 2, "execve": 59, "open_by_handle_at": 304,
      "name_to_handle_at": 303}
errors = {}


def sys_(name, *args, nr=None):
    args = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(NR[name] if nr is None else nr), *args)
    e = ctypes.get_errno()
    return "ok" if r >= 0 else errno.errorcode.get(e, str(e))


def attempt(label, name, *args, nr=None):
    errors[label] = sys_(name, *args, nr=nr)


def case_ptrace(pid):
    attempt("attach", "ptrace", 16, pid, 0, 0)        # PTRACE_ATTACH
    attempt("seize", "ptrace", 0x4206, pid, 0, 0)     # PTRACE_SEIZE


def case_mount(_):
    attempt("tmpfs", "mount", ctypes.c_char_p(b"none"), ctypes.c_char_p(b"/tmp"),
            ctypes.c_char_p(b"tmpfs"), 0, 0)
    attempt("bind", "mount", ctypes.c_char_p(b"/"), ctypes.c_char_p(b"/work"), 0,
            0x1000 | 0x4000, 0)                       # MS_BIND | MS_REC


def case_unshare(_):
    attempt("user", "unshare", 0x10000000)            # CLONE_NEWUSER
    attempt("mount", "unshare", 0x00020000)
    attempt("net", "unshare", 0x40000000)


def case_keyctl(_):
    attempt("join", "keyctl", 1, 0)                   # KEYCTL_JOIN_SESSION_KEYRING
    attempt("add_key", "add_key", ctypes.c_char_p(b"user"), ctypes.c_char_p(b"k"),
            ctypes.c_char_p(b"v"), 1, -3)            # KEY_SPEC_SESSION_KEYRING


def case_bpf(_):
    attr = ctypes.create_string_buffer(128)
    attempt("prog_load", "bpf", 5, attr, 128)
    attempt("map_create", "bpf", 0, attr, 128)


def case_perf(_):
    attr = ctypes.create_string_buffer(128)
    ctypes.c_uint32.from_buffer(attr, 0).value = 1    # PERF_TYPE_SOFTWARE
    ctypes.c_uint32.from_buffer(attr, 4).value = 128  # size
    attempt("open", "perf_event_open", attr, 0, -1, -1, 0)


def case_userfaultfd(_):
    attempt("create", "userfaultfd", 0)


def case_io_uring(_):
    params = ctypes.create_string_buffer(120)
    attempt("setup", "io_uring_setup", 8, params)


def case_kill(pid):
    attempt("all", "kill", -1, 9)
    attempt("host", "kill", pid, 9)


def case_tiocsti(_):
    c = ctypes.c_char(b"x")
    fds = [0, 1, 2, os.open("/dev/null", os.O_RDWR)]
    for fd in fds:
        attempt("fd%d" % fd, "ioctl", fd, 0x5412, ctypes.byref(c))
        attempt("fd%d-high" % fd, "ioctl", fd, (1 << 32) | 0x5412, ctypes.byref(c))
        attempt("fd%d-linux" % fd, "ioctl", fd, 0x541C, ctypes.byref(c))


def case_x32(_):
    attempt("getpid", "getpid", nr=X32 | NR["getpid"])
    attempt("open", "open", ctypes.c_char_p(b"/etc/passwd"), 0, nr=X32 | NR["open"])
    attempt("execve", "execve", ctypes.c_char_p(b"/bin/true"), 0, 0, nr=X32 | 520)


def case_sockets(_):
    tries = {"raw": (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
             "packet": (socket.AF_PACKET, socket.SOCK_RAW, 0x0300),
             "netlink": (socket.AF_NETLINK, socket.SOCK_RAW, 9),   # NETLINK_AUDIT
             "inet": (socket.AF_INET, socket.SOCK_STREAM, 0),
             "inet6": (socket.AF_INET6, socket.SOCK_DGRAM, 0)}
    for label, args in tries.items():
        try:
            socket.socket(*args).close()
            errors[label] = "ok"
        except OSError as e:
            errors[label] = errno.errorcode.get(e.errno, str(e.errno))


def case_handle(_):
    buf = ctypes.create_string_buffer(128)
    ctypes.c_uint32.from_buffer(buf, 0).value = 64   # handle_bytes
    mount_id = ctypes.c_int(0)
    attempt("name_to_handle", "name_to_handle_at", -100, ctypes.c_char_p(b"/etc"), buf,
            ctypes.byref(mount_id), 0)
    ctypes.c_uint32.from_buffer(buf, 4).value = 1     # handle_type
    attempt("open_by_handle", "open_by_handle_at", -100, buf, 0)


case = sys.argv[1]
host_pid = int(sys.argv[2]) if len(sys.argv) > 2 else 1
globals()["case_" + case](host_pid)
print(json.dumps({"case": case, "errors": errors, "alive": True}))
