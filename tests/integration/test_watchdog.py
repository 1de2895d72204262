"""The watchdog: the report says what it checks, it raises no false alarm in a normal run, and
as root a process with the run's host uid outside the run's pid namespace (something that left
the sandbox) is an escape_suspected event that ends the run with security_violation (159)."""
import json
import os
import subprocess
import time

import pytest


def test_scope_in_the_report(sbx):
    r, rep = sbx.run_json("run", sbx.prog("hello.py"))
    assert r.returncode == 0 and rep["events"] == [], rep["events"]
    scope = rep["enforcement"]["watchdog"]
    if sbx.caller_uid == 0:
        assert scope == "namespaces+cgroup+uid", scope
    else:  # the sandbox's host uid is the caller's own; no cgroup on this host for uid 65534
        assert scope.startswith("namespaces") and "uid" not in scope, scope


def _children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(entry))
    return kids


def _uid_of(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    raise AssertionError("no Uid line")


def test_process_with_the_run_uid_outside_is_an_escape(sbx, marker):
    if sbx.caller_uid != 0:
        pytest.skip("as a normal user the sandbox's host uid is the user's own: there is no "
                    "uid that only the run has (the namespace and cgroup checks still run)")
    p = sbx.popen("run", sbx.prog("sleeper.py"), "--json", "--timeout", "20", "--",
                  marker, "15")
    intruder = None
    try:
        init = None
        deadline = time.time() + 10
        while time.time() < deadline and init is None:
            kids = _children(p.pid)
            init = kids[0] if kids else None
            time.sleep(0.05)
        assert init, "the sandbox's init never appeared"
        uid = None
        while time.time() < deadline and uid in (None, 0):
            uid = _uid_of(init)  # the pool uid, once init dropped to it
            time.sleep(0.05)
        assert uid and uid >= 2000000000, uid
        intruder = subprocess.Popen(["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid,
                                     "--clear-groups", "sleep", "30"])
        out, _ = p.communicate(timeout=15)
    finally:
        if intruder:
            intruder.kill()
            intruder.wait()
        if p.poll() is None:
            p.kill()
            p.wait()
    rep = json.loads(out)
    assert p.returncode == 159 and rep["status"] == "security_violation", rep
    ev = [e for e in rep["events"] if e["type"] == "escape_suspected"]
    assert ev and "outside its pid namespace" in ev[0]["detail"], rep["events"]
    assert str(intruder.pid) in ev[0]["detail"], (intruder.pid, ev)
