"""
A fake supervisor for the live run registry tests: it publishes one run the way a real
supervisor does (/work/live-registry-spec.md, schema 1) without sandboxing anything, so the
readers (ps, kill, the dashboard) can be tested with exact, known values.

    python3 live_fake.py DIR ID [--file F] [--runtime R] [--memory-limit BYTES]
                         [--memory BYTES] [--events N] [--state S] [--ready FILE]

DIR is the registry directory (what RUSTY_SANDBOX_RUNTIME_DIR names). The entry carries this
process's pid and starttime; it is rewritten (tmp + rename) every 100 ms with a growing
memory history. On SIGTERM it writes the finished entry (verdict "cancelled") to
DIR/finished/ID.json, removes the live one and exits 143, as the CLI does. Killed with
SIGKILL it leaves its entry behind: a stale ("lost") entry for the readers to detect.
"""
import argparse
import datetime
import json
import os
import pwd
import signal
import sys
import time


def starttime(pid="self"):
    with open("/proc/%s/stat" % pid) as f:
        data = f.read()
    return int(data[data.rindex(")") + 2:].split()[19])


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def private_dir(path):
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)


def publish(dirpath, run_id, obj):
    tmp = os.path.join(dirpath, ".%s.json.tmp" % run_id)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f)
    os.rename(tmp, os.path.join(dirpath, run_id + ".json"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("id")
    ap.add_argument("--file", default="/work/prog.py")
    ap.add_argument("--runtime", default="python")
    ap.add_argument("--memory-limit", type=int, default=512 << 20)
    ap.add_argument("--memory", type=int, default=96 << 20)
    ap.add_argument("--events", type=int, default=0)
    ap.add_argument("--state", default="running")
    ap.add_argument("--ready", default=None, help="touch this file once published")
    a = ap.parse_args()

    private_dir(a.dir)
    t0 = time.monotonic()
    uid = os.getuid()
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    obj = {
        "schema": 1, "id": a.id, "state": a.state,
        "supervisor_pid": os.getpid(), "supervisor_start": starttime(),
        "uid": uid, "user": user, "file": a.file, "runtime": a.runtime,
        "started_at": now_rfc3339(), "updated_at": now_rfc3339(), "elapsed_ms": 0,
        "limits": {"memory_limit_bytes": a.memory_limit, "cpu_time_limit_s": 0,
                   "timeout_s": 30, "max_processes": 128, "cpus": 0},
        "enforcement": {"memory": "cgroup-v2", "network": "netns"},
        "sample": None, "memory_history": [], "n_events": a.events,
        "recent_events": [{"type": "blocked_syscall", "time": now_rfc3339(),
                           "detail": "ptrace(PTRACE_TRACEME) refused #%d" % i}
                          for i in range(min(a.events, 10))],
        "verdict": None, "exit_code": None, "wall_time_ms": None,
        "future_field": {"readers": "must ignore this"},
    }

    def on_term(signum, frame):
        obj.update(state="finished", verdict="cancelled", exit_code=None,
                   wall_time_ms=int((time.monotonic() - t0) * 1000), updated_at=now_rfc3339())
        fin = os.path.join(a.dir, "finished")
        private_dir(fin)
        publish(fin, a.id, obj)
        try:
            os.unlink(os.path.join(a.dir, a.id + ".json"))
        except FileNotFoundError:
            pass
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    tick = 0
    while True:
        tick += 1
        mem = a.memory * min(tick, 20) // 20
        obj["elapsed_ms"] = int((time.monotonic() - t0) * 1000)
        obj["updated_at"] = now_rfc3339()
        obj["sample"] = {"cpu_percent": 12.5, "cpu_time_ms": tick, "memory_bytes": mem,
                         "memory_peak_bytes": mem, "pids": 3, "io_read_bytes": 0,
                         "io_write_bytes": 0, "stdout_bytes": 10, "stderr_bytes": 0}
        obj["memory_history"] = (obj["memory_history"] + [mem])[-60:]
        publish(a.dir, a.id, obj)
        if a.ready and tick == 1:
            open(a.ready, "w").close()
        time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main())
