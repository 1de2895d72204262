"""Two concurrent runs cannot signal each other: run B is handed run A's host pids and tries
SIGKILL on each, plus kill(-1); A lives on and finishes normally."""
import json
import os

from conftest import finish, pids_with, sleeping, wait_until

KILLER = """import os, signal, sys
res = []
for pid in map(int, sys.argv[1:]):
    try:
        os.kill(pid, signal.SIGKILL)
        res.append("killed %d" % pid)
    except OSError as e:
        res.append("%d: %s" % (pid, e.strerror))
try:
    os.kill(-1, signal.SIGKILL)
except OSError as e:
    res.append("-1: " + e.strerror)
print("; ".join(res))
"""


def test_runs_cannot_signal_each_other(sbx, marker):
    a = sbx.popen("run", sbx.prog("sleeper.py"), "--json", "--timeout", "30", "--", marker, "3")
    try:
        assert wait_until(lambda: sleeping(marker), 20), "run A did not start"
        victims = pids_with(marker)
        killer = sbx.write("killer.py", KILLER)
        r, rep = sbx.run_json("run", killer, "--", *[str(p) for p in victims])
        assert r.returncode == 0, r
        assert "killed" not in rep["stdout"], rep["stdout"]
        assert all(pid in pids_with(marker) for pid in victims), "run A lost a process"
    finally:
        rc, out, err, _ = finish(a, 30)
    assert rc == 0, (out, err)
    assert json.loads(out)["status"] == "ok"
