"""on_violation: a refused dangerous syscall is logged and the program goes on (default), or
ends the run with status security_violation (exit 159) before the call returns."""
import pytest

PTRACE = """import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
print("before", flush=True)
r = libc.ptrace(16, 1, 0, 0)  # PTRACE_ATTACH to init
print("after", r, os.strerror(ctypes.get_errno()), flush=True)
"""


def test_default_logs_and_goes_on(sbx):
    prog = sbx.write("ptrace_init.py", PTRACE)
    r, rep = sbx.run_json("run", prog)
    assert r.returncode == 0 and rep["status"] == "ok", r
    assert "after -1 Operation not permitted" in rep["stdout"], rep["stdout"]
    assert [e["type"] for e in rep["events"]] == ["blocked_syscall"], rep["events"]
    assert rep["events"][0]["detail"].startswith("ptrace(0x10, 0x1,"), rep["events"]


@pytest.mark.parametrize("how", ["flag", "config"])
def test_kill_ends_the_run_before_the_call_returns(sbx, how):
    prog = sbx.write("ptrace_init.py", PTRACE)
    if how == "flag":
        args = ["--on-violation", "kill"]
    else:
        cfg = sbx.write("violation.toml", '[security]\non_violation = "kill"\n')
        args = ["--config", cfg]
    r, rep = sbx.run_json("run", prog, *args)
    assert r.returncode == 159 and rep["status"] == "security_violation", r
    assert rep["stdout"] == "before\n", "the refused call returned to the program: %r" % rep
    assert rep["events"][0]["type"] == "blocked_syscall", rep["events"]
    assert rep["exit_code"] is None and rep["signal"] == 9, rep


def test_bad_value_names_the_flag(sbx):
    r = sbx.run("run", sbx.prog("hello.py"), "--on-violation", "explode")
    assert r.returncode == 64, r
    assert "--on-violation" in r.err and 'one of "log", "kill"' in r.err, r.err
