"""The kernel security layers seen from inside a run (issue 4): the seccomp filter refuses each
dangerous call with EPERM and the supervisor reports it as a `blocked_syscall` event; Landlock
backs up the mount view; and real Python and Node.js workloads still run under both.

Two kinds of evidence: sbx-probe (tests/probe, built with the CLI) calls every dangerous
syscall with arguments no kernel would act on, so "eperm" inside versus "reached-kernel" on the
host can only be the filter's doing; and hostile programs make the real attempts through
ctypes, with a host process as the target where there is one, which must be unaffected."""
import ctypes
import json
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

from conftest import MUST_WORK, REPO, pids_with, wait_until

# ---------------------------------------------------------------------------------------------
# helpers


def blocked(rep):
    """(syscall name, detail) of every blocked_syscall event."""
    return [(e["detail"].split("(", 1)[0], e["detail"]) for e in rep["events"]
            if e["type"] == "blocked_syscall"]


def kernel_landlock_abi():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc.syscall(ctypes.c_long(444), None, ctypes.c_long(0), ctypes.c_long(1))


def skip_or_fail(reason):
    if MUST_WORK:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def probe_bin():
    """sbx-probe, copied where any caller (uid 65534 too) can run it and outside /tmp (an
    interpreter there is refused: the sandbox has its own /tmp)."""
    cli = os.environ.get("SBX_BIN") or str(REPO / "build" / "rusty-sandbox")
    built = os.environ.get("SBX_PROBE") or os.path.join(os.path.dirname(os.path.abspath(cli)),
                                                         "tests", "probe", "sbx-probe")
    if not os.path.isfile(built):
        skip_or_fail("sbx-probe not built at %s (set SBX_PROBE)" % built)
    home = tempfile.mkdtemp(prefix="sbx-probe-", dir="/var/tmp")
    os.chmod(home, 0o755)
    path = os.path.join(home, "sbx-probe")
    shutil.copyfile(built, path)
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def victim(sbx, marker):
    """A host process of the CLI's caller uid, for the attempts that aim outside."""
    p = subprocess.Popen(sbx.as_caller(["/usr/bin/python3", "-c", "import time; time.sleep(60)",
                                        marker]), cwd="/", stdin=subprocess.DEVNULL)
    assert wait_until(lambda: pids_with(marker), 10)
    yield p
    p.kill()
    p.wait()


def tracer_of(pid):
    for line in pathlib.Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith("TracerPid:"):
            return int(line.split()[1])
    return None


# ---------------------------------------------------------------------------------------------
# what the report says


def test_enforcement_reports_both_layers(sbx):
    r, rep = sbx.run_json("run", sbx.prog("hello.py"))
    assert r.returncode == 0 and rep["status"] == "ok", r
    abi = kernel_landlock_abi()
    if abi < 1:
        skip_or_fail("Landlock is not available on this kernel")
    assert rep["enforcement"]["seccomp"] == "allowlist+notify"
    assert rep["enforcement"]["landlock"] == "abi-%d" % min(abi, 7)
    stages = [t["stage"] for t in rep["timings"]]
    assert stages.index("privileges_dropped") < stages.index("landlock") < \
        stages.index("seccomp") < stages.index("exec"), stages
    assert blocked(rep) == [], "a hello world set off the filter: %r" % rep["events"]


# ---------------------------------------------------------------------------------------------
# the probe


def probe_results(out):
    return {l["syscall"]: l for l in map(json.loads, out.splitlines())}


REACHES_KERNEL = {"getpid", "socket:AF_UNIX", "socket:AF_NETLINK-route", "ioctl:FIONREAD:0"}
SILENT_ENOSYS = {"clone3", "syscall-470", "syscall-1000"}  # glibc falls back on ENOSYS
SILENT_EPERM = {"syslog"}                                 # reviewed and refused, not reported


def event_name(label):
    """The syscall name the event carries for a probe label ("ioctl:TIOCSTI:0" -> "ioctl")."""
    return label if label.startswith(("x32:", "i386:")) else label.split(":", 1)[0]


def test_probe_refused_by_the_filter_and_reported(sbx, probe_bin):
    host = subprocess.run([probe_bin], capture_output=True, text=True, timeout=30)
    assert host.returncode == 0, host
    on_host = probe_results(host.stdout)
    r, rep = sbx.run_json("run", sbx.prog("hello.py"), "--interpreter", probe_bin)
    assert r.returncode == 0 and rep["status"] == "ok", r
    inside = probe_results(rep["stdout"])
    assert inside.keys() == on_host.keys()
    want = {}
    for label, res in inside.items():
        if label in REACHES_KERNEL:
            assert res["result"] == "reached-kernel", res
        elif label in SILENT_ENOSYS:
            assert res["result"] == "enosys", res
        elif label in SILENT_EPERM:
            assert res["result"] == "eperm", res
        else:
            assert res["result"] == "eperm", res
            want[event_name(label)] = want.get(event_name(label), 0) + 1
        # Whatever reached the kernel on the host was stopped inside, except the controls.
        if on_host[label]["result"] == "reached-kernel" and label not in REACHES_KERNEL:
            assert res["result"] in ("eperm", "enosys"), (label, res, on_host[label])
    got = {}
    for name, detail in blocked(rep):
        got[name] = got.get(name, 0) + 1
        assert detail.endswith(" pid 2"), "the probe is pid 2 in the sandbox: %s" % detail
    assert rep["events_dropped"] == 0
    assert got == want, "events %r\n want %r" % (got, want)


# ---------------------------------------------------------------------------------------------
# hostile programs: (case, what each attempt must end with, the events in order)

HOSTILE = {
    "ptrace": ({"attach": "EPERM", "seize": "EPERM"}, ["ptrace", "ptrace"]),
    "mount": ({"tmpfs": "EPERM", "bind": "EPERM"}, ["mount", "mount"]),
    "unshare": ({"user": "EPERM", "mount": "EPERM", "net": "EPERM"}, ["unshare"] * 3),
    "keyctl": ({"join": "EPERM", "add_key": "EPERM"}, ["keyctl", "add_key"]),
    "bpf": ({"prog_load": "EPERM", "map_create": "EPERM"}, ["bpf", "bpf"]),
    "perf": ({"open": "EPERM"}, ["perf_event_open"]),
    "userfaultfd": ({"create": "EPERM"}, ["userfaultfd"]),
    "io_uring": ({"setup": "EPERM"}, ["io_uring_setup"]),
    "kill": ({"all": "EPERM", "host": "ESRCH"}, ["kill"]),
    "tiocsti": ({"fd%d%s" % (fd, s): "EPERM" for fd in (0, 1, 2, 3)
                 for s in ("", "-high", "-linux")}, ["ioctl"] * 12),
    "x32": ({"getpid": "EPERM", "open": "EPERM", "execve": "EPERM"},
            ["x32:getpid", "x32:open", "x32:execve"]),
    "sockets": ({"raw": "EPERM", "packet": "EPERM", "netlink": "EPERM", "inet": "EPERM",
                 "inet6": "EPERM"}, ["socket"] * 5),
    "handle": ({"name_to_handle": "EPERM", "open_by_handle": "EPERM"},
               ["name_to_handle_at", "open_by_handle_at"]),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_syscall(sbx, victim, case):
    errors, events = HOSTILE[case]
    r, rep = sbx.run_json("run", sbx.prog("hostile_syscalls.py"), "--", case, str(victim.pid))
    assert r.returncode == 0 and rep["status"] == "ok", r
    out = json.loads(rep["stdout"])
    assert out["alive"] and out["errors"] == errors, out
    got = blocked(rep)
    assert [name for name, _ in got] == events, rep["events"]
    assert all(d.endswith(" pid 2") for _, d in got), got
    # No effect outside: the host process is alive and untraced.
    assert victim.poll() is None, "the host process died"
    assert tracer_of(victim.pid) == 0


def test_tiocsti_carries_the_request(sbx):
    """The event says which ioctl: the request, junk bits included, is in the arguments."""
    r, rep = sbx.run_json("run", sbx.prog("hostile_syscalls.py"), "--", "tiocsti")
    details = [d for _, d in blocked(rep)]
    assert any(", 0x5412, " in d for d in details) and any(", 0x100005412, " in d
                                                             for d in details), details
    assert any(", 0x541c, " in d for d in details), details


def test_children_are_filtered_and_reported(sbx):
    """A program's own children inherit the filter and their attempts reach the same
    listener: unshare(1) run from the program is refused and reported with its own pid."""
    prog = sbx.write("child_unshare.py", (
        "import subprocess\n"
        "r = subprocess.run(['/usr/bin/unshare', '--user', '/usr/bin/true'],\n"
        "                   capture_output=True, text=True)\n"
        "print(r.returncode)\n"))
    r, rep = sbx.run_json("run", prog)
    assert rep["status"] == "ok", r
    assert rep["stdout"].strip() != "0", "unshare --user succeeded inside"
    got = blocked(rep)
    assert [n for n, _ in got] == ["unshare"], rep["events"]
    assert not got[0][1].endswith(" pid 2"), "the child's own pid: %s" % got[0][1]


# ---------------------------------------------------------------------------------------------
# Landlock, where it is the only wall


def test_landlock_view_from_inside(sbx):
    if kernel_landlock_abi() < 6:
        skip_or_fail("needs Landlock ABI 6 (signal scoping)")
    r, rep = sbx.run_json("run", sbx.prog("landlock_view.py"))
    assert r.returncode == 0 and rep["status"] == "ok", r
    got = json.loads(rep["stdout"])
    refused = {"signal init": "EPERM"}
    for attempt, res in got.items():
        assert res == refused.get(attempt, "ok"), (attempt, res, got)
    assert blocked(rep) == []


# ---------------------------------------------------------------------------------------------
# real workloads still run


def test_python_workload(sbx):
    r, rep = sbx.run_json("run", sbx.prog("workload.py"), "--timeout", "30")
    assert r.returncode == 0 and rep["status"] == "ok", r
    out = json.loads(rep["stdout"])
    assert out == {"threads": 16, "asyncio": ["async", 45], "subprocess": "hi", "pool": 285,
                   "work": 2}, out
    assert blocked(rep) == [], rep["events"]


def test_node_workload(sbx):
    r, rep = sbx.run_json("run", sbx.prog("workload.js"), "--timeout", "30")
    assert r.returncode == 0 and rep["status"] == "ok", r
    out = json.loads(rep["stdout"])
    assert out == {"execSync": "hi", "worker": 42, "exec": "ok", "node": "2", "read": "y",
                   "timer": "fired", "unix": "ok"}, out
    assert blocked(rep) == [], rep["events"]


@pytest.mark.parametrize("prog", ["workload.py", "workload.js"])
def test_fifty_megabytes_to_stdout(sbx, prog):
    mib = 50
    r, rep = sbx.run_json("run", sbx.prog(prog), "--timeout", "60", "--", str(mib))
    assert r.returncode == 0 and rep["status"] == "ok", r
    kept = len(rep["stdout"].encode())
    assert kept + rep["stdout_dropped_bytes"] == mib << 20, (kept, rep["stdout_dropped_bytes"])
    assert set(rep["stdout"]) == {"x"}
    assert blocked(rep) == [], rep["events"]
