"""Telemetry (docs/telemetry.md): the event stream of real runs validated line by line against
the documented schema (normal, limit-hit, security and truncation cases), samples of a live
run, `--telemetry -`, a stream reader that never reads, the Prometheus textfile parsed back
after sequential and concurrent runs, syslog, and the live run registry: an entry while the
run lives (0600 in a 0700 directory), in finished/ afterwards, stale once its supervisor is
SIGKILLed.

Every test has its own registry directory (conftest sets RUSTY_SANDBOX_RUNTIME_DIR)."""
import datetime
import json
import math
import os
import re
import signal
import socket
import stat
import subprocess
import time

import pytest

from conftest import RUN_TIMEOUT, finish, pids_with, sleeping, wait_until

# ---------------------------------------------------------------------------------------------
# the documented schema, as data: field -> type, a nested dict, or a tuple of alternatives

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


class Time:
    """An RFC 3339 UTC timestamp with microseconds."""


NUM = (int, float)
LIMITS = {"memory_limit_bytes": int, "cpu_time_limit_s": NUM, "timeout_s": NUM,
          "max_processes": int, "cpus": NUM}
ENVELOPE = {"schema": int, "type": str, "id": str, "seq": int, "time": Time, "t_us": int}
SCHEMA = {
    "run_started": {
        "file": str,
        "runtime": {"name": str, "interpreter": str, "version": (str, None)},
        "started_at": Time,
        "supervisor_pid": int,
        "policy": dict(LIMITS, max_output_bytes=int, max_file_size_bytes=int,
                       max_open_files=int, enable_network=bool, output_limit_action=str,
                       on_violation=str, allow_weaker_limits=bool, sample_interval_ms=int),
    },
    "analysis_finding": {"rule": str, "category": str, "severity": str, "line": int,
                         "column": int, "message": str},
    "limits_applied": {"limits": LIMITS, "enforcement": "map"},
    "sample": {"cpu_percent": NUM, "cpu_time_ms": int, "memory_bytes": int,
               "memory_peak_bytes": int, "pids": int, "io_read_bytes": int,
               "io_write_bytes": int, "stdout_bytes": int, "stderr_bytes": int, "source": str},
    "security_event": {"kind": str, "syscall": (str, None), "action": str, "result_type": str,
                       "detail": str},
    "limit_hit": {"kind": str, "limit": NUM, "unit": str, "enforced_by": (str, None),
                  "result_type": str, "detail": str},
    "output_truncated": {"stream": str, "max_output_bytes": int, "action": str,
                         "result_type": str, "detail": str},
    "run_finished": {"verdict": str, "exit_code": (int, None), "wall_time_ms": (NUM, None),
                     "report": (dict, None), "error?": dict},
}
ENUMS = {
    ("sample", "source"): {"cgroup-v1", "cgroup-v2", "proc"},
    ("security_event", "kind"): {"blocked_syscall", "escape_suspected"},
    ("security_event", "action"): {"refused", "refused+killed"},
    ("limit_hit", "kind"): {"timeout", "cpu_time", "memory", "processes", "file_size", "output"},
    ("limit_hit", "unit"): {"s", "bytes", "tasks"},
    ("output_truncated", "stream"): {"stdout", "stderr"},
}


def alternatives(want):
    if isinstance(want, tuple):
        for w in want:
            yield from alternatives(w)
    else:
        yield want


def check_value(where, want, v):
    for a in alternatives(want):
        if a is None and v is None:
            return
        if a is Time and isinstance(v, str) and RFC3339.match(v):
            return
        if a == "map" and isinstance(v, dict) and all(isinstance(x, str) for x in v.values()):
            return
        if isinstance(a, dict) and isinstance(v, dict):
            check_fields(where, a, v)
            return
        if isinstance(a, type) and a is not Time and isinstance(v, a) and \
                not (a is int and isinstance(v, bool)):
            return
    raise AssertionError("%s: %r is not %r" % (where, v, want))


def check_fields(where, fields, obj):
    required = {k for k in fields if not k.endswith("?")}
    allowed = {k.rstrip("?") for k in fields}
    assert required <= obj.keys(), "%s: missing %s" % (where, sorted(required - obj.keys()))
    assert obj.keys() <= allowed, "%s: undocumented %s" % (where, sorted(obj.keys() - allowed))
    for k, want in fields.items():
        if k.rstrip("?") in obj:
            check_value("%s.%s" % (where, k.rstrip("?")), want, obj[k.rstrip("?")])


def validate(line):
    """One line of the stream: JSON, the envelope first and in order, the type's fields."""
    ev = json.loads(line)
    assert list(ev)[:len(ENVELOPE)] == list(ENVELOPE), "envelope order: %s" % list(ev)[:6]
    assert ev["schema"] == 1
    assert ev["type"] in SCHEMA, ev["type"]
    check_fields(ev["type"], dict(ENVELOPE, **SCHEMA[ev["type"]]), ev)
    for (t, k), values in ENUMS.items():
        if ev["type"] == t:
            assert ev[k] in values, (t, k, ev[k])
    return ev


def parse_time(s):
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
    return d.replace(tzinfo=datetime.timezone.utc).timestamp()


def stream(text):
    """Every line validated; the run's invariants checked; the events returned."""
    assert text.endswith("\n"), "the stream must end with a newline"
    events = [validate(l) for l in text.splitlines()]
    assert events, "no events"
    assert events[0]["type"] == "run_started" and events[-1]["type"] == "run_finished"
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert len({e["id"] for e in events}) == 1
    order = [e["type"] for e in events]
    if "limits_applied" in order:
        assert order.index("limits_applied") < min(
            [i for i, t in enumerate(order) if t in ("sample", "run_finished")])
    # time is the start's wall clock plus t_us: the difference is the same for every event
    starts = [parse_time(e["time"]) - e["t_us"] / 1e6 for e in events]
    assert max(starts) - min(starts) < 2e-6, starts
    samples = [e["t_us"] for e in events if e["type"] == "sample"]
    assert samples == sorted(samples)
    return events


def of_type(events, t):
    return [e for e in events if e["type"] == t]


def telemetry_run(sbx, *args, name="ev.jsonl", **kw):
    """run with --telemetry FILE and --json; returns (result, report, events)."""
    path = sbx.scratch / name
    args = list(args)
    at = args.index("--") if "--" in args else len(args)
    args[at:at] = ["--telemetry", str(path)]
    r, rep = sbx.run_json(*args, **kw)
    events = stream(path.read_text())
    fin = events[-1]
    assert fin["report"] == rep, "run_finished must carry the same report as --json"
    assert fin["verdict"] == rep["status"] and fin["id"] == rep["id"]
    return r, rep, events


@pytest.fixture
def writable(sbx):
    """The scratch dir made writable by the caller (the stream file is created by the CLI)."""
    os.chmod(sbx.scratch, 0o777)
    return sbx


# ---------------------------------------------------------------------------------------------
# the stream


GROWER = """import sys, time
blocks = []
for i in range(12):
    blocks.append(bytearray(4 << 20))   # 4 MiB, touched
    time.sleep(0.1)
print("grew", len(blocks) * 4, "MiB")
"""


def test_normal_run_schema_and_samples(writable):
    sbx = writable
    prog = sbx.write("grow.py", GROWER)
    r, rep, ev = telemetry_run(sbx, "run", prog)
    assert r.returncode == 0 and rep["status"] == "ok", r
    started = ev[0]
    assert started["file"] == prog and started["runtime"]["name"] == "python"
    assert started["policy"]["sample_interval_ms"] == 100
    applied = of_type(ev, "limits_applied")
    assert len(applied) == 1 and applied[0]["enforcement"] == rep["enforcement"]
    samples = of_type(ev, "sample")
    assert len(samples) >= 3, "a ~1.2 s run sampled every 100 ms: %d samples" % len(samples)
    mem = [s["memory_bytes"] for s in samples]
    assert max(mem[len(mem) // 2:]) > mem[0] + (8 << 20), "memory did not grow: %s" % mem
    assert all(s["memory_peak_bytes"] >= s["memory_bytes"] for s in samples)
    for a, b in zip(samples, samples[1:]):
        assert b["cpu_time_ms"] >= a["cpu_time_ms"] and b["memory_peak_bytes"] >= \
            a["memory_peak_bytes"]
    assert samples[-1]["pids"] >= 1
    assert of_type(ev, "security_event") == of_type(ev, "limit_hit") == []


def test_limit_hit_timeout(writable):
    sbx = writable
    r, rep, ev = telemetry_run(sbx, "run", sbx.prog("sleeper.py"), "--timeout", "0.5", "--",
                               "x", "10")
    assert rep["status"] == "timeout", r
    hits = of_type(ev, "limit_hit")
    assert [h["kind"] for h in hits] == ["timeout"], hits
    assert hits[0]["limit"] == 0.5 and hits[0]["unit"] == "s"
    assert hits[0]["enforced_by"] == "supervisor-timer"
    assert ev[-1]["exit_code"] is None


def test_limit_hit_memory(writable):
    sbx = writable
    r, rep, ev = telemetry_run(sbx, "run", sbx.prog("memory_hog.py"), "--memory-limit", "32",
                               "--", "200")
    hits = [h for h in of_type(ev, "limit_hit") if h["kind"] == "memory"]
    if not rep["enforcement"]["memory"].startswith("cgroup"):
        # the rlimit fallback: allocations fail inside, the kernel reports nothing
        assert rep["status"] == "runtime_error" and hits == [], (rep["status"], hits)
        return
    assert rep["status"] == "memory_limit", r
    assert len(hits) == 1 and hits[0]["limit"] == 32 << 20 and hits[0]["unit"] == "bytes"
    assert hits[0]["enforced_by"] == rep["enforcement"]["memory"]
    assert hits[0]["result_type"] == "oom_kill"


@pytest.mark.parametrize("action", ["log", "kill"])
def test_security_event(writable, action):
    sbx = writable
    r, rep, ev = telemetry_run(sbx, "run", sbx.prog("hostile_syscalls.py"), "--on-violation",
                               action, "--", "mount")
    sec = of_type(ev, "security_event")
    assert sec, ev
    assert all(s["kind"] == "blocked_syscall" and s["syscall"] == "mount" for s in sec), sec
    assert {s["action"] for s in sec} == {"refused" if action == "log" else "refused+killed"}
    blocked = [e for e in rep["events"] if e["type"] == "blocked_syscall"]
    assert [s["detail"] for s in sec] == [e["detail"] for e in blocked]
    assert rep["status"] == ("ok" if action == "log" else "security_violation")


def test_output_truncated(writable):
    sbx = writable
    r, rep, ev = telemetry_run(sbx, "run", sbx.prog("flood.py"), "--max-output", "1", "--",
                               "stderr", "5000")
    assert rep["stderr_truncated"] and not rep["stdout_truncated"]
    tr = of_type(ev, "output_truncated")
    assert len(tr) == 1 and tr[0]["stream"] == "stderr" and tr[0]["max_output_bytes"] == 1024


FINDINGS = """import os
os.system("true")
print(eval("1 + 1"))
"""


@pytest.mark.parametrize("mode", ["warn", "block"])
def test_analysis_findings_are_events(writable, mode):
    """Each finding of the static analysis is an analysis_finding event after run_started; a
    blocked run's stream is run_started, its findings, run_finished (nothing launched)."""
    sbx = writable
    prog = sbx.write("findings.py", FINDINGS)
    r, rep, ev = telemetry_run(sbx, "run", prog, "--analysis", mode)
    found = of_type(ev, "analysis_finding")
    assert rep["findings"], rep
    assert [(f["rule"], f["line"], f["column"], f["severity"]) for f in found] == \
        [(f["rule"], f["line"], f["column"], f["severity"]) for f in rep["findings"]]
    order = [e["type"] for e in ev]
    assert order.index("analysis_finding") == 1, order
    if mode == "block":
        assert rep["status"] == "blocked" and r.returncode == 126, r
        assert order == ["run_started"] + ["analysis_finding"] * len(found) + ["run_finished"]
    else:
        assert rep["status"] == "ok" and "limits_applied" in order, order


def test_dash_is_stderr(sbx):
    r, rep = sbx.run_json("run", sbx.prog("hello.py"), "--telemetry", "-")
    assert r.returncode == 0 and rep["status"] == "ok"
    ev = stream(r.err)
    assert ev[-1]["report"] == rep and ev[0]["id"] == rep["id"]


def test_reader_that_never_reads_does_not_stall_the_run(writable):
    """The stream goes to a FIFO whose reader never reads: samples every 10 ms fill it, the run
    still ends (a blocking writer would hang here until the harness's timeout), and the CLI
    warns that lines were dropped."""
    sbx = writable
    fifo = sbx.scratch / "ev.fifo"
    os.mkfifo(fifo, 0o666)
    os.chmod(fifo, 0o666)
    conf = sbx.write("fast.toml", "[telemetry]\nsample_interval_ms = 10\n")
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        import fcntl
        fcntl.fcntl(rfd, fcntl.F_SETPIPE_SZ, 4096)
        r, rep = sbx.run_json("run", sbx.prog("sleeper.py"), "--config", conf, "--telemetry",
                              str(fifo), "--", "x", "1.5")
    finally:
        os.close(rfd)
    assert r.returncode == 0 and rep["status"] == "ok", r
    assert "warning: telemetry: events to '%s'" % fifo in r.err and "lines dropped" in r.err, \
        r.err


# ---------------------------------------------------------------------------------------------
# syslog


def test_security_events_to_syslog(writable):
    sbx = writable
    path = str(sbx.scratch / "log.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o777)
    s.settimeout(10)
    try:
        conf = sbx.write("syslog.toml", "[telemetry]\nsyslog = true\n")
        r, rep = sbx.run_json("run", sbx.prog("hostile_syscalls.py"), "--config", conf, "--",
                              "mount", env={"RUSTY_SANDBOX_SYSLOG_SOCKET": path})
        n = len([e for e in rep["events"] if e["type"] == "blocked_syscall"])
        assert n >= 1, rep["events"]
        msgs = [s.recv(4096).decode() for _ in range(n)]
    finally:
        s.close()
    for m in msgs:
        assert re.match(r"^<84>\w{3} [ \d]\d \d\d:\d\d:\d\d rusty-sandbox\[\d+\]: run %s "
                        r"\(uid \d+, .*hostile_syscalls\.py\): security event blocked_syscall: "
                        r"mount\(" % rep["id"], m), m
        assert "\n" not in m


# ---------------------------------------------------------------------------------------------
# Prometheus textfile

PROM_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def unescape(v):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def parse_prom(text):
    """A small parser of the text exposition format: {name: type}, {name: help}, and samples
    as {(name, frozenset(labels)): value}; checks what a collector checks."""
    types, helps, samples = {}, {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, h = line[7:].split(" ", 1)
            helps[name] = h
        elif line.startswith("# TYPE "):
            name, t = line[7:].split(" ")
            assert t in ("counter", "gauge", "histogram", "summary", "untyped")
            assert name not in types, "TYPE twice for %s" % name
            types[name] = t
        elif line and not line.startswith("#"):
            m = PROM_LINE.match(line)
            assert m, line
            labels = {}
            if m.group(3):
                rest = m.group(3)
                for lm in LABEL.finditer(rest):
                    labels[lm.group(1)] = unescape(lm.group(2))
                assert "".join(lm.group(0) for lm in LABEL.finditer(rest)) == rest, line
            base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
            assert m.group(1) in types or base in types, "no TYPE before %s" % line
            key = (m.group(1), frozenset(labels.items()))
            assert key not in samples, "duplicate series " + line
            samples[key] = float(m.group(4))
    assert set(helps) == set(types)
    return types, samples


def histograms(types, samples):
    """Check every histogram: buckets cumulative, +Inf == _count, _sum present."""
    out = {}
    for name, t in types.items():
        if t != "histogram":
            continue
        series = {}
        for (n, labels), v in samples.items():
            if n == name + "_bucket":
                d = dict(labels)
                le = d.pop("le")
                series.setdefault(frozenset(d.items()), []).append(
                    (math.inf if le == "+Inf" else float(le), v))
        for labels, buckets in series.items():
            buckets.sort()
            counts = [v for _, v in buckets]
            assert counts == sorted(counts), "buckets not cumulative: %s" % buckets
            assert buckets[-1][0] == math.inf
            assert samples[(name + "_count", labels)] == counts[-1]
            assert samples[(name + "_sum", labels)] >= 0
            out[labels] = buckets
    return out


def counter(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0)


def test_metrics_file_after_several_and_concurrent_runs(writable):
    sbx = writable
    prom = sbx.scratch / "m.prom"
    r = sbx.run("run", sbx.prog("hello.py"), "--quiet", "--metrics-file", prom)
    assert r.returncode == 0, r
    r = sbx.run("run", sbx.prog("exit_code.py"), "--quiet", "--metrics-file", prom, "--", "3")
    assert r.returncode == 3, r
    r = sbx.run("run", sbx.prog("sleeper.py"), "--quiet", "--timeout", "0.3", "--metrics-file",
                prom, "--", "x", "5")
    assert r.returncode == 124, r
    r = sbx.run("run", sbx.prog("hostile_syscalls.py"), "--metrics-file", prom, "--", "mount")
    assert r.returncode == 0, r
    n_blocked = len(re.findall(r"event blocked_syscall", r.err))  # the summary lists each
    procs = [sbx.popen("run", sbx.prog("hello.py"), "--quiet", "--metrics-file", prom)
             for _ in range(6)]
    for p in procs:
        rc, out, err, _ = finish(p)
        assert rc == 0, err
    st = os.stat(prom)
    assert stat.S_IMODE(st.st_mode) == 0o644
    types, samples = parse_prom(prom.read_text())
    assert types == {"rusty_sandbox_runs_total": "counter",
                     "rusty_sandbox_run_duration_seconds": "histogram",
                     "rusty_sandbox_security_events_total": "counter",
                     "rusty_sandbox_limit_hits_total": "counter"}
    runs = "rusty_sandbox_runs_total"
    assert counter(samples, runs, runtime="python", verdict="ok") == 8
    assert counter(samples, runs, runtime="python", verdict="runtime_error") == 1
    assert counter(samples, runs, runtime="python", verdict="timeout") == 1
    assert sum(v for (n, _), v in samples.items() if n == runs) == 10
    h = histograms(types, samples)
    assert list(h) == [frozenset({("runtime", "python")})]
    assert h[frozenset({("runtime", "python")})][-1][1] == 10
    assert counter(samples, "rusty_sandbox_limit_hits_total", kind="timeout") == 1
    blocked = counter(samples, "rusty_sandbox_security_events_total", type="blocked_syscall")
    assert blocked == n_blocked >= 1
    assert not (sbx.scratch / ".m.prom.tmp").exists()


def test_metrics_file_of_someone_else_is_left_alone(writable):
    sbx = writable
    prom = sbx.write("other.prom", "node_load1 0.25\n", mode=0o666)
    r = sbx.run("run", sbx.prog("hello.py"), "--metrics-file", prom)
    assert r.returncode == 0, r
    assert "telemetry: %s:1: not a rusty-sandbox metrics line" % prom in r.err, r.err
    assert open(prom).read() == "node_load1 0.25\n"


# ---------------------------------------------------------------------------------------------
# the live run registry


def registry(sbx):
    return sbx.session.tmp / ("live-" + sbx.scratch.name)


def starttime(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def is_stale(entry):
    """The spec's rule: /proc/<pid> missing or its starttime differs."""
    try:
        return starttime(entry["supervisor_pid"]) != entry["supervisor_start"]
    except (OSError, ValueError, IndexError):
        return True


def live_entries(d):
    if not d.is_dir():
        return {}
    out = {}
    for p in d.glob("*.json"):
        if not p.name.startswith("."):
            try:
                out[p.name[:-5]] = json.loads(p.read_text())
            except (OSError, ValueError):
                pass  # replaced between listing and reading: the next look sees it
    return out


REG_FIELDS = {"schema", "id", "state", "supervisor_pid", "supervisor_start", "uid", "user",
              "file", "runtime", "started_at", "updated_at", "elapsed_ms", "limits",
              "enforcement", "sample", "memory_history", "n_events", "recent_events", "verdict",
              "exit_code", "wall_time_ms"}


def test_registry_entry_while_running_then_finished(sbx, marker):
    d = registry(sbx)
    prog = sbx.prog("sleeper.py")
    p = sbx.popen("run", prog, "--json", "--timeout", "60", "--", marker, "3")
    try:
        assert wait_until(lambda: sleeping(marker), 20), "the sleeper never started"
        assert wait_until(lambda: any(e["sample"] for e in live_entries(d).values()), 10)
        (run_id, e), = live_entries(d).items()
        assert set(e) == REG_FIELDS
        assert e["schema"] == 1 and e["id"] == run_id and e["state"] == "running"
        assert e["supervisor_pid"] == p.pid and e["supervisor_start"] == starttime(p.pid)
        assert e["uid"] == sbx.caller_uid and isinstance(e["user"], str) and e["user"]
        assert e["file"] == prog and e["runtime"] == "python"
        assert RFC3339.match(e["started_at"]) and RFC3339.match(e["updated_at"])
        assert e["limits"] == {"memory_limit_bytes": 512 << 20, "cpu_time_limit_s": 0,
                               "timeout_s": 60, "max_processes": 128, "cpus": 0}
        assert e["enforcement"]["seccomp"] == "allowlist+notify"
        assert set(e["sample"]) == {"cpu_percent", "cpu_time_ms", "memory_bytes",
                                    "memory_peak_bytes", "pids", "io_read_bytes",
                                    "io_write_bytes", "stdout_bytes", "stderr_bytes"}
        assert e["sample"]["stdout_bytes"] == len("sleeping %s\n" % marker)
        assert 1 <= len(e["memory_history"]) <= 60
        assert e["verdict"] is None and e["exit_code"] is None and e["wall_time_ms"] is None
        assert not is_stale(e)
        st = os.stat(d / (run_id + ".json"))
        assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == sbx.caller_uid
        st = os.stat(d)
        assert stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid == sbx.caller_uid
        assert stat.S_IMODE(os.stat(d / "finished").st_mode) == 0o700
    finally:
        rc, out, err, _ = finish(p)
    assert rc == 0, err
    rep = json.loads(out)
    assert rep["id"] == run_id
    assert live_entries(d) == {}, "the live entry outlived its run"
    assert [n for n in os.listdir(d) if n != "finished"] == []
    fin = json.loads((d / "finished" / (run_id + ".json")).read_text())
    assert fin["state"] == "finished" and fin["verdict"] == "ok" and fin["exit_code"] == 0
    assert fin["wall_time_ms"] == int(rep["wall_time_ms"])
    assert stat.S_IMODE(os.stat(d / "finished" / (run_id + ".json")).st_mode) == 0o600


def test_registry_recent_events(sbx):
    d = registry(sbx)
    r, rep = sbx.run_json("run", sbx.prog("hostile_syscalls.py"), "--", "mount")
    fin = json.loads((d / "finished" / (rep["id"] + ".json")).read_text())
    assert fin["n_events"] == len(rep["events"]) >= 1
    assert [(x["type"], x["detail"]) for x in fin["recent_events"]] == \
        [(x["type"], x["detail"]) for x in rep["events"]][-10:]


def test_registry_entry_of_killed_supervisor_is_stale(sbx, marker):
    d = registry(sbx)
    p = sbx.popen("run", sbx.prog("sleeper.py"), "--timeout", "60", "--", marker, "30")
    try:
        assert wait_until(lambda: sleeping(marker), 20), "the sleeper never started"
        assert wait_until(lambda: live_entries(d), 10)
    finally:
        os.kill(p.pid, signal.SIGKILL)
        finish(p, 30)
    assert wait_until(lambda: not pids_with(marker), 5)
    (run_id, e), = live_entries(d).items()
    assert e["supervisor_pid"] == p.pid and e["state"] == "running"
    assert is_stale(e), "a SIGKILLed supervisor's entry must be detectable as stale"
    # a live one next to it is not
    r = sbx.run("run", sbx.prog("hello.py"))  # also reaps the dead run's workspace and cgroup
    assert r.returncode == 0, r
    os.unlink(d / (run_id + ".json"))  # what a reader of the same uid does


def test_registry_off(sbx):
    conf = sbx.write("noreg.toml", "[telemetry]\nlive_registry = false\n")
    r = sbx.run("run", sbx.prog("hello.py"), "--config", conf)
    assert r.returncode == 0 and "warning" not in r.err, r
    assert not registry(sbx).exists()


def test_unsafe_registry_dir_disables_publishing_but_not_the_run(sbx):
    d = registry(sbx)
    d.mkdir(mode=0o777)
    os.chmod(d, 0o777)  # writable by anyone: never trusted
    r = sbx.run("run", sbx.prog("hello.py"))
    assert r.returncode == 0 and r.out == "hello from python\n", r
    assert os.listdir(d) == []
    assert "warning: telemetry: live run registry '%s' is not private" % d in r.err, r.err
