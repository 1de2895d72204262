"""The audit log: one JSON line per run (who, what with the program's sha256 and args, the
policy, enforcement, verdict, security events), 0600, whole lines under concurrency; a log that
cannot be opened refuses the run before it starts."""
import concurrent.futures
import hashlib
import json
import os

PTRACE = """import ctypes
ctypes.CDLL(None).ptrace(16, 1, 0, 0)
print("ran")
"""


def read_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f.read().splitlines()]


def test_one_line_per_run(sbx):
    log = str(sbx.scratch / "audit" / "log.jsonl")
    os.makedirs(os.path.dirname(log), mode=0o777, exist_ok=True)
    os.chmod(os.path.dirname(log), 0o777)
    prog = sbx.write("audited.py", PTRACE)
    r = sbx.run("run", prog, "--audit-log", log, "--", "one", "two words")
    assert r.returncode == 0, r
    r = sbx.run("run", sbx.prog("hello.py"), "--audit-log", log)
    assert r.returncode == 0, r
    lines = read_lines(log)
    assert len(lines) == 2, lines
    first = lines[0]
    assert first["who"]["uid"] == sbx.caller_uid, first["who"]
    with open(prog, "rb") as f:
        assert first["what"]["sha256"] == hashlib.sha256(f.read()).hexdigest()
    assert first["what"]["args"] == ["one", "two words"]
    assert first["what"]["runtime"]["name"] == "python"
    assert first["status"] == "ok" and first["exit_code"] == 0
    assert [e["type"] for e in first["events"]] == ["blocked_syscall"], first["events"]
    assert first["limits"]["memory_limit_mb"] and first["enforcement"]["seccomp"]
    assert {f["rule"] for f in first["findings"]} == {"PY-IMPORT-002"}  # ctypes, ctypes.CDLL
    assert lines[1]["what"]["file"].endswith("hello.py")
    assert os.stat(log).st_mode & 0o777 == 0o600


def test_concurrent_runs_write_whole_lines(sbx):
    log = str(sbx.scratch / "audit-c" / "log.jsonl")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    os.chmod(os.path.dirname(log), 0o777)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: sbx.run("run", sbx.prog("hello.py"), "--audit-log",
                                                   log), range(6)))
    assert all(r.returncode == 0 for r in results), results
    lines = read_lines(log)  # raises on a torn line
    assert len(lines) == 6 and len({x["id"] for x in lines}) == 6


def test_unwritable_log_refuses_the_run(sbx):
    d = sbx.scratch / "audit-dir"
    d.mkdir()
    os.chmod(d, 0o777)
    prog = sbx.write("marker.py", 'print("the program ran")\n')
    r = sbx.run("run", prog, "--audit-log", str(d))
    assert r.returncode == 66, r
    assert "the program ran" not in r.out, "the run went ahead without its audit log"
    assert "audit log '%s'" % d in r.err and "Is a directory" in r.err, r.err


def test_config_key(sbx):
    log = str(sbx.scratch / "audit-k" / "log.jsonl")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    os.chmod(os.path.dirname(log), 0o777)
    cfg = sbx.write("audit.toml", '[general]\naudit_log = "%s"\n' % log)
    r = sbx.run("run", "--config", cfg, sbx.prog("hello.py"))
    assert r.returncode == 0, r
    assert len(read_lines(log)) == 1
