"""The run's life cycle from outside: cancellation by signal, a supervisor that dies, --keep."""
import tempfile
import json
import os
import pathlib
import shutil
import signal
import subprocess
import time

import pytest

from conftest import (error_lines, finish, pids_with, read_until, run_cgroups, sleeping,
                      wait_until)

# Generous: the program sleeps 30 s, so anything well under that shows the cancel worked.
CANCEL_BOUND = 10



def start_sleeper(sbx, marker, *opts):
    p = sbx.popen("run", sbx.prog("sleeper.py"), "--timeout", "60", *opts, "--", marker, "30")
    if not wait_until(lambda: sleeping(marker), 20):
        os.killpg(p.pid, signal.SIGKILL)
        rc, out, err, _ = finish(p, 30)
        pytest.fail("the sleeper never started: rc=%r out=%r err=%r" % (rc, out, err))
    return p


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_cancel_json(sbx, marker, sig, code):
    p = start_sleeper(sbx, marker, "--json")
    t0 = time.monotonic()
    os.killpg(p.pid, sig)  # like Ctrl-C: the whole foreground process group of the CLI
    rc, out, err, _ = finish(p, 30)
    assert time.monotonic() - t0 < CANCEL_BOUND
    assert rc == code, (rc, out, err)
    rep = json.loads(out)
    assert rep["status"] == "cancelled"
    assert rep["cancel_signal"] == sig
    assert rep["exit_code"] is None
    assert rep["stdout"] == "sleeping %s\n" % marker  # output so far is kept
    assert pids_with(marker) == []


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_cancel_live(sbx, marker, sig, code):
    p = start_sleeper(sbx, marker)
    assert read_until(p.stdout, b"\n", 20) == ("sleeping %s\n" % marker).encode()
    os.kill(p.pid, sig)  # to the CLI alone, as `kill` or a service manager would
    rc, out, err, _ = finish(p, 30)
    assert rc == code, (rc, out, err)
    assert b"rusty-sandbox: cancelled" in err, err
    assert pids_with(marker) == []


@pytest.mark.parametrize("keep", [False, True], ids=["no-keep", "keep"])
def test_supervisor_sigkilled(sbx, marker, keep):
    assert sbx.run_dirs() == []
    p = start_sleeper(sbx, marker, "--json", *(["--keep"] if keep else []))
    ps = sbx.run("ps", "--json")
    assert ps.returncode == 0, ps
    runs = json.loads(ps.out)
    assert len(runs) == 1, runs
    run_id = runs[0]["id"]
    # while it runs: with --keep its lock and the dir that will receive the workspace; without,
    # nothing in the base dir (the run's cgroup dir carries its live mark)
    live = [d.name for d in sbx.run_dirs()]
    want = ["run-%s.lock" % run_id, "run-" + run_id] if keep else []
    assert sorted(live) == sorted(want), live
    if sbx.mode == "root":
        assert [c for c in run_cgroups() if run_id in c], "the run has no cgroup"
    os.kill(p.pid, signal.SIGKILL)
    finish(p, 30)
    # the sandbox dies with its supervisor (parent-death signal to init)
    assert wait_until(lambda: not pids_with(marker), 5), \
        "sandboxed processes outlived the supervisor: %s" % pids_with(marker)
    # what the run left (nobody could clean it) is stale ...
    assert [d.name for d in sbx.run_dirs()] == sorted(live)
    # ... and the next run removes it (and the dead run's cgroup: checked after the test)
    r = sbx.run("run", sbx.prog("hello.py"))
    assert r.returncode == 0, r
    assert sbx.run_dirs() == [], "the next run did not remove the stale run's entries"
    assert not [c for c in run_cgroups() if run_id in c], "stale run cgroup not removed"


def test_stale_run_of_live_supervisor_is_kept(sbx, marker):
    """The reaper must only take dirs whose lock is free: a concurrent live run keeps its own."""
    p = start_sleeper(sbx, marker, "--json")
    try:
        names = [d.name for d in sbx.run_dirs()]
        r = sbx.run("run", sbx.prog("hello.py"))
        assert r.returncode == 0, r
        assert [d.name for d in sbx.run_dirs()] == names
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        rc, out, err, _ = finish(p, 30)
    assert rc == 143 and json.loads(out)["stdout"] == "sleeping %s\n" % marker


def remove_as_caller(sbx, path):
    subprocess.run(sbx.as_caller(["rm", "-rf", "--", str(path)]), check=True, timeout=30,
                   cwd="/")


def remove_kept(sbx):
    """The test removes what it kept (as the caller's uid in user mode: the base dir is private
    to it)."""
    for d in sbx.run_dirs():
        if sbx.mode == "root":
            shutil.rmtree(d)
        else:
            remove_as_caller(sbx, d)


def test_keep_workspace(sbx):
    try:
        r, rep = sbx.run_json("run", sbx.prog("keep_writer.py"), "--keep")
        assert r.returncode == 0 and rep["status"] == "ok", r
        ws = rep["workspace"]
        assert ws, rep
        assert os.path.isdir(ws)
        assert os.path.dirname(os.path.dirname(ws)) == str(sbx.base_dir)
        assert sorted(os.listdir(ws)) == ["keep_writer.py", "result.txt", "sub"]
        with open(os.path.join(ws, "result.txt")) as f:
            assert f.read() == "written by the sandboxed program\n"
        with open(os.path.join(ws, "sub", "data.bin"), "rb") as f:
            assert f.read() == bytes(range(256))
        # live mode says where it is, on stderr
        r2 = sbx.run("run", sbx.prog("hello.py"), "--keep")
        assert r2.returncode == 0, r2
        kept = [l for l in r2.err.splitlines() if "workspace kept at" in l]
        assert len(kept) == 1, r2
        ws2 = kept[0].split("workspace kept at ", 1)[1]
        assert ws2 != ws and os.path.isfile(os.path.join(ws2, "hello.py"))
    finally:
        remove_kept(sbx)
    assert sbx.run_dirs() == []


def test_without_keep_nothing_is_kept(sbx):
    r, rep = sbx.run_json("run", sbx.prog("keep_writer.py"))
    assert r.returncode == 0 and rep["workspace"] is None, r
    assert sbx.run_dirs() == []


@pytest.mark.parametrize("keep", [False, True], ids=["no-keep", "keep"])
def test_cleanup_survives_hostile_workspace(sbx, scratch, keep):
    host = scratch / "victim-dir"
    host.mkdir()
    (host / "victim.txt").write_text("must survive\n")
    os.chmod(host, 0o755)
    try:
        r, rep = sbx.run_json("run", sbx.prog("hostile_workspace.py"),
                              *(["--keep"] if keep else []), "--", str(host))
        assert r.returncode == 0 and rep["status"] == "ok", r
        assert rep["stdout"] == "left a mess\n"
        if keep:
            # links are kept as links, never followed into the host
            ws = pathlib.Path(rep["workspace"])
            assert os.readlink(ws / "link-to-host-dir") == str(host)
            assert os.readlink(ws / "link-to-host-file") == str(host / "victim.txt")
        # nothing was followed, neither by the copy nor by the cleanup
        assert (host / "victim.txt").read_text() == "must survive\n"
        assert sorted(os.listdir(host)) == ["victim.txt"]
    finally:
        if keep:
            remove_kept(sbx)
    # and the workspace is gone all the same
    assert sbx.run_dirs() == []


def test_exec_failure_is_internal_error(sbx):
    """An interpreter that passes the host-side checks (ELF magic) but cannot be executed in
    the sandbox: the run reports internal_error with the stage and the cause, exits 125 (or
    127, "not a real binary"), and leaves nothing behind."""
    # Not under /tmp: an interpreter there is refused up front (the sandbox has its own /tmp).
    home = tempfile.mkdtemp(prefix="sbx-fake-interp-", dir="/var/tmp")
    try:
        os.chmod(home, 0o755)
        fake = os.path.join(home, "fake-python")
        with open(fake, "wb") as f:
            f.write(b"\x7fELF but not really an executable\n")
        os.chmod(fake, 0o755)
        r, rep = sbx.run_json("run", sbx.prog("hello.py"), "--interpreter", fake)
        assert r.returncode in (125, 127), r
        assert rep["status"] == "internal_error"
        assert rep["exit_code"] is None and rep["stdout"] == ""
        assert rep["error"]["stage"] == "exec" and fake in rep["error"]["message"], rep["error"]
        r = sbx.run("run", sbx.prog("hello.py"), "--interpreter", fake)
        assert r.returncode in (125, 127), r
        assert "internal_error" in r.err and fake in r.err, r
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_cgroup_refusal(sbx):
    """Without a cgroup it may write, the CLI refuses to run (69) and names the way out;
    where it has one, it runs with cgroup limits. Either way nothing is left behind."""
    r = sbx.run("run", sbx.prog("hello.py"), "--json", plain=True)
    if "--allow-weaker-limits" in sbx.run_opts:
        assert r.returncode == 69 and r.stdout == b"", r
        lines = error_lines(r.err)
        assert len(lines) == 1 and "cgroup" in lines[0], r
        assert "--allow-weaker-limits" in lines[0] and "--cgroup-parent" in lines[0], r
        # with the flag the report names the weaker mechanisms
        _, rep = sbx.run_json("run", sbx.prog("hello.py"))
        assert rep["enforcement"]["memory"].startswith("rlimit"), rep["enforcement"]
        assert rep["enforcement"]["processes"].startswith("rlimit"), rep["enforcement"]
    else:
        assert r.returncode == 0, r
        assert r.report["enforcement"]["memory"].startswith("cgroup"), r.report["enforcement"]


def test_interpreter_outside_usr(sbx):
    """An interpreter installed under its own prefix (here in the session's scratch dir, which
    lives in the host's /tmp) either runs, its prefix shown read-only inside, or is refused up
    front with 127 and a message naming it; never a sandbox failure."""
    prefix = sbx.scratch / "python-prefix"
    (prefix / "bin").mkdir(parents=True)
    os.chmod(prefix, 0o755)
    os.chmod(prefix / "bin", 0o755)
    interp = prefix / "bin" / "python3"
    shutil.copyfile(os.path.realpath("/usr/bin/python3"), interp)
    os.chmod(interp, 0o755)
    r = sbx.run("run", sbx.prog("hello.py"), "--interpreter", str(interp))
    if r.returncode == 127:
        lines = error_lines(r.err)
        assert len(lines) == 1 and str(interp) in lines[0], r
    else:
        assert r.returncode == 0 and r.out == "hello from python\n", r
