"""
bench/bench.py and its ns-floor helper keep working (a measurement nobody runs rots).

These are not timing assertions: the bench is run with tiny counts and only its shape is
checked (every variant ran, no run failed, the floor comparison is printed). The ns-floor
helper itself is checked for what makes it a floor: the program runs in fresh namespaces and
its exit status comes back.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import REPO, SETPRIV, need_root

BUILD = pathlib.Path(os.environ.get("SBX_BIN") or REPO / "build" / "rusty-sandbox").parent
FLOOR = BUILD / "sbx-bench-floor"
PY = shutil.which("python3", path="/usr/bin:/bin")


def floor(*args, prefix=(), check_rc=None):
    p = subprocess.run(list(prefix) + [str(FLOOR), *args], capture_output=True, text=True,
                       timeout=60)
    if check_rc is not None:
        assert p.returncode == check_rc, p
    return p


@pytest.mark.parametrize("as_user", [False, True], ids=["root", "user"])
def test_floor_runs_the_program_in_fresh_namespaces(as_user):
    prefix = SETPRIV if as_user else []
    if as_user:
        need_root("switching to uid 65534 with setpriv")
    flags = ["--new-netns"] if as_user else []
    code = ("import os\n"
            "print(os.getpid())\n"
            "for ns in ('user', 'mnt', 'pid', 'ipc', 'uts', 'cgroup', 'net'):\n"
            "    print(ns, os.readlink('/proc/self/ns/' + ns))\n")
    p = floor(*flags, PY, "-c", code, prefix=prefix, check_rc=0)
    lines = p.stdout.splitlines()
    assert lines[0] == "2", p.stdout  # forked by pid 1 of a new pid namespace
    inside = dict(line.split(" ", 1) for line in lines[1:])
    host = {ns: os.readlink(f"/proc/self/ns/{ns}") for ns in inside}
    for ns in ("user", "mnt", "pid", "ipc", "uts", "cgroup"):
        assert inside[ns] != host[ns], (ns, inside, host)
    # Root's floor joins no network namespace of its own (a rusty-sandbox run as root joins a
    # pre-made one, which costs next to nothing); the user's makes one, as its runs do.
    assert (inside["net"] != host["net"]) == as_user


def test_floor_passes_the_exit_status_and_refuses_bad_usage():
    floor("/bin/sh", "-c", "exit 7", check_rc=7)
    p = floor(check_rc=2)
    assert "usage: sbx-bench-floor" in p.stderr
    p = floor("/nonexistent/program", check_rc=127)
    assert "/nonexistent/program" in p.stderr


@pytest.mark.parametrize("as_user", [False, True], ids=["root", "user"])
def test_bench_runs_every_variant(scratch, as_user):
    if as_user:
        need_root("the bench's --as-user mode")
    out = scratch / "bench.json"  # scratch is 0755 all the way: uid 65534 reaches it
    argv = [sys.executable, str(REPO / "bench" / "bench.py"), "--bin", str(BUILD / "rusty-sandbox"),
            "--langs", "python", "--runs", "3", "--warmup", "1", "--seconds", "1",
            "--stage-runs", "2", "--wasm-runs", "0", "--tmpdir", str(scratch),
            "--json", str(out)] + (["--as-user"] if as_user else [])
    p = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    r = json.loads(out.read_text())
    assert r["failures"] == []
    variants = {"bare", "rusty-sandbox", "ns-floor"} | ({"bwrap"} if shutil.which("bwrap") else set())
    assert set(r["startup"]["python"]) == variants
    for key, st in r["startup"]["python"].items():
        assert st["failed_runs"] == 0, (key, st)
        assert st["median"] > 0
    assert set(r["throughput"]) == variants
    for key, t in r["throughput"].items():
        assert t["failed_runs"] == 0 and t["runs"] > 0, (key, t)
    assert r["stages"]["python"]["runs"] == 2
    assert "Where the budget stands against the floor" in p.stdout
    assert "sandbox's own work" in p.stdout
    # The bench's temp dir is gone: only our JSON file is left.
    assert sorted(x.name for x in scratch.iterdir()) == ["bench.json"]
