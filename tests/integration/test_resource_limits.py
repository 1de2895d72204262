"""Resource limits, each with a real program that passes it. Where the mode has no cgroup it
may write (see conftest: --allow-weaker-limits), the rlimit fallback is what is checked; the
report's enforcement map says which mechanism acted and the assertions follow it."""
import json

import pytest

BOUND = 30  # generous bound for any run here: a limit that does not act would hang or pass it


def events(rep):
    return [e["type"] for e in rep["events"]]


def test_memory_limit(sbx):
    r, rep = sbx.run_json("run", sbx.prog("memory_hog.py"), "--memory-limit", "64",
                          "--timeout", "20", "--", "400", timeout=BOUND + 20)
    assert "allocated" not in rep["stdout"], "400 MB allocated under a 64 MB limit: %r" % r
    assert rep["limits"]["memory_limit_mb"] == 64
    if rep["enforcement"]["memory"].startswith("cgroup"):
        assert r.returncode == 137 and rep["status"] == "memory_limit", r
        assert "oom_kill" in events(rep)
    else:  # RLIMIT_DATA: the allocation fails inside the program
        assert rep["enforcement"]["memory"].startswith("rlimit"), rep["enforcement"]
        assert rep["status"] in ("memory_limit", "runtime_error"), r
        assert rep["status"] == "memory_limit" or "MemoryError" in rep["stderr"], r


def test_cpu_limit(sbx):
    r, rep = sbx.run_json("run", sbx.prog("spin.py"), "--cpu-limit", "0.3", "--timeout", "20",
                          timeout=BOUND + 20)
    assert r.returncode == 152 and rep["status"] == "cpu_limit", r
    assert "cpu_limit" in events(rep)
    assert rep["stdout"] == "spinning now\n"
    assert rep["exit_code"] is None
    assert rep["limits"]["cpu_time_limit_s"] == 0.3
    # killed at the limit (plus a grace), not before: the overrun is measured
    assert rep["cpu_time_ms"]["total"] >= 0.9 * 300, rep["cpu_time_ms"]
    assert rep["enforcement"]["cpu_time"] != "none"


def test_max_processes(sbx):
    r, rep = sbx.run_json("run", sbx.prog("fork_many.py"), "--max-processes", "20",
                          "--timeout", "20", "--", "100", timeout=BOUND + 20)
    assert r.returncode == 0 and rep["status"] == "ok", r
    got = json.loads(rep["stdout"])
    assert got["forked"] < 20 and got["error"] == "Resource temporarily unavailable", got
    assert rep["limits"]["max_processes"] == 20
    if rep["enforcement"]["processes"].startswith("cgroup"):
        assert "pids_max" in events(rep)
        assert rep["peak_pids"] <= 20
    # the children (sleeping 30 s) are gone with the run: checked by the autouse fixture


def test_max_file_size(sbx):
    r, rep = sbx.run_json("run", sbx.prog("big_file.py"), "--max-file-size", "1024")
    assert r.returncode == 0 and rep["status"] == "ok", r
    assert json.loads(rep["stdout"]) == {"error": "File too large"}
    assert "file_size" in events(rep)


def test_output_limit_kill(sbx):
    r, rep = sbx.run_json("run", sbx.prog("flood.py"), "--max-output", "64",
                          "--output-limit-action", "kill", "--", "stdout", "500000",
                          timeout=BOUND + 20)
    assert r.returncode == 141 and rep["status"] == "output_limit", r
    assert "output_limit" in events(rep)
    assert rep["stdout"].startswith("000000000\n")
    assert len(rep["stdout"].encode()) <= 64 * 1024
    assert not rep["stdout"].endswith("END\n"), "the program was not stopped"


@pytest.mark.parametrize("opt,value", [("--memory-limit", "lots"), ("--cpu-limit", "-1"),
                                       ("--max-processes", "x"),
                                       ("--output-limit-action", "explode")])
def test_bad_limit_values(sbx, opt, value):
    r = sbx.run("run", sbx.prog("hello.py"), opt, value)
    assert r.returncode == 64 and r.stdout == b"", r
    assert opt in r.err and value in r.err, r
