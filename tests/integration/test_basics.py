"""Programs that behave: output, arguments, stdin, exit codes, signals, exceptions, the report."""
import hashlib
import json
import os
import re
import signal
import subprocess

import pytest

LANGS = {"python": "py", "javascript": "js"}


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_hello_live(sbx, lang):
    r = sbx.run("run", sbx.prog("hello." + LANGS[lang]))
    assert r.returncode == 0, r
    assert r.out == "hello from %s\n" % lang, r
    # one summary line on stderr, naming the verdict and the runtime
    lines = r.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rusty-sandbox: ok: exit 0;"), r
    assert "[%s " % lang in lines[0], r


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_hello_json_report(sbx, lang):
    path = sbx.prog("hello." + LANGS[lang])
    r, rep = sbx.run_json("run", path)
    assert r.returncode == 0, r
    assert rep["status"] == "ok"
    assert rep["exit_code"] == 0
    assert rep["signal"] is None and rep["signal_name"] is None
    assert rep["stdout"] == "hello from %s\n" % lang
    assert rep["stderr"] == ""
    assert rep["stdout_truncated"] is False and rep["stdout_dropped_bytes"] == 0
    assert rep["stdout_bytes"] == rep["stdout_head_bytes"] == len(rep["stdout"])
    assert rep["schema"] == 1
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        rep["id"]), rep["id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", rep["started_at"])
    assert rep["wall_time_ms"] >= 0
    assert {"user", "sys", "total"} <= set(rep["cpu_time_ms"])
    assert rep["peak_memory_kb"] > 0
    assert rep["limits"]["timeout_s"] == 30 and rep["limits"]["max_output_kb"] == 1024
    assert rep["limits"]["enable_network"] is False
    assert rep["enforcement"]["network"] == ("netns:pre-made" if sbx.mode == "root" else "netns")
    assert rep["enforcement"]["capabilities"] == "dropped"
    assert rep["runtime"]["name"] == lang
    # the interpreter is reported resolved (python3 -> python3.11)
    assert rep["runtime"]["interpreter"] == os.path.realpath(
        {"python": "/usr/bin/python3", "javascript": "/usr/bin/node"}[lang])
    assert rep["runtime"]["version"]
    assert rep["file"] == path
    assert rep["workspace"] is None
    assert rep["timings"] and all(set(t) == {"stage", "at_ms"} for t in rep["timings"])
    assert rep["error"] is None
    assert "cancel_signal" not in rep


def test_user_id_in_report_matches_mode(sbx):
    _, rep = sbx.run_json("run", sbx.prog("hello.py"))
    m = re.fullmatch(r"userns:1000=host-(\d+)", rep["enforcement"]["user"])
    assert m, rep["enforcement"]
    host_uid = int(m.group(1))
    if sbx.mode == "root":
        assert 2_000_000_000 <= host_uid < 2_000_004_096
    else:
        assert host_uid == sbx.caller_uid


def test_quiet_and_timings(sbx):
    r = sbx.run("run", sbx.prog("hello.py"), "--quiet")
    assert r.returncode == 0 and r.out == "hello from python\n" and r.err == "", r
    r = sbx.run("run", "--quiet", "--timings", sbx.prog("hello.py"))
    assert r.returncode == 0 and r.out == "hello from python\n", r
    assert r.err.startswith("rusty-sandbox: timings"), r
    for stage in ("workspace_ready", "cloned", "exec", "cleaned_up"):
        assert stage in r.err, r


ARGS = ["plain", "with spaces  inside", "", "ünïcødé ✓ 日本語 🎉", "--timeout", "-x",
        "quote\"s and 'single'", "$HOME", "*", "new\nline"]


@pytest.mark.parametrize("lang", sorted(LANGS))
@pytest.mark.parametrize("placement", ["options-before-file", "options-after-file"])
def test_args_after_double_dash(sbx, lang, placement):
    prog = sbx.prog("args." + LANGS[lang])
    opts = ["--quiet", "--timeout", "20"]
    cli = [prog] + opts if placement == "options-after-file" else opts + [prog]
    r = sbx.run("run", *cli, "--", *ARGS)
    assert r.returncode == 0, r
    assert json.loads(r.out) == ARGS, r


STDIN_TEXT = "line one\nsecond line ünïcødé\n"


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_stdin_piped(sbx, lang):
    r, rep = sbx.run_json("run", sbx.prog("stdin_echo." + LANGS[lang]),
                          input=STDIN_TEXT.encode())
    assert rep["status"] == "ok", r
    got = json.loads(rep["stdout"])
    assert got["text"] == STDIN_TEXT and got["len"] == len(STDIN_TEXT.encode()), got


def test_stdin_piped_large(sbx):
    data = bytes(range(256)) * 8192  # 2 MiB, every byte value
    r, rep = sbx.run_json("run", sbx.prog("stdin_echo.py"), input=data)
    assert rep["status"] == "ok", r
    got = json.loads(rep["stdout"])
    assert got["len"] == len(data) and got["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_stdin_from_file(sbx, lang):
    f = sbx.write("input.txt", STDIN_TEXT)
    # the CLI's own stdin is a pipe with other data: --stdin must win
    r, rep = sbx.run_json("run", sbx.prog("stdin_echo." + LANGS[lang]), "--stdin", f,
                          input=b"not this")
    assert rep["status"] == "ok", r
    assert json.loads(rep["stdout"])["text"] == STDIN_TEXT


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_stdin_devnull_is_empty(sbx, lang):
    r, rep = sbx.run_json("run", sbx.prog("stdin_echo." + LANGS[lang]))  # stdin=/dev/null
    assert rep["status"] == "ok", r
    assert json.loads(rep["stdout"]) == {"len": 0, "sha256": hashlib.sha256(b"").hexdigest(),
                                         "text": ""}


@pytest.mark.parametrize("lang,code", [("python", 3), ("javascript", 5), ("python", 0),
                                       ("python", 255)])
def test_exit_codes(sbx, lang, code):
    prog = sbx.prog("exit_code." + LANGS[lang])
    r = sbx.run("run", prog, "--", str(code))
    assert r.returncode == code, r
    assert r.out == "exiting with %d\n" % code
    r, rep = sbx.run_json("run", prog, "--", str(code))
    assert r.returncode == code, r
    assert rep["exit_code"] == code
    assert rep["status"] == ("ok" if code == 0 else "runtime_error")
    assert rep["signal"] is None


@pytest.mark.parametrize("lang,sig", [("python", "SIGSEGV"), ("python", "SIGKILL"),
                                      ("javascript", "SIGKILL"), ("javascript", "SIGSEGV")])
def test_killed_by_own_signal(sbx, lang, sig):
    signo = getattr(signal, sig)
    prog = sbx.prog("selfkill." + LANGS[lang])
    r, rep = sbx.run_json("run", prog, "--", sig)
    assert r.returncode == 128 + signo, r
    assert rep["status"] == "signaled"
    assert rep["signal"] == signo and rep["signal_name"] == sig[3:]
    assert rep["exit_code"] is None
    assert "about to die" in rep["stdout"] and "still alive" not in rep["stdout"]
    r = sbx.run("run", prog, "--", sig)
    assert r.returncode == 128 + signo, r
    assert "killed by %s" % sig in r.err, r


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_uncaught_exception(sbx, lang):
    prog = sbx.prog({"python": "raise.py", "javascript": "throw.js"}[lang])
    r, rep = sbx.run_json("run", prog)
    assert r.returncode == 1, r
    assert rep["status"] == "runtime_error" and rep["exit_code"] == 1
    assert rep["stdout"] == "before the exception\n"
    if lang == "python":
        assert "Traceback (most recent call last)" in rep["stderr"]
        assert "ValueError: boom-from-python" in rep["stderr"]
        assert 'File "/work/raise.py"' in rep["stderr"]
    else:
        assert "TypeError: boom-from-javascript" in rep["stderr"]
        assert "/work/throw.js" in rep["stderr"]
    # live mode: the traceback reaches our stderr as it happens
    r = sbx.run("run", prog)
    assert r.returncode == 1 and "boom-from-" in r.err, r
    assert "rusty-sandbox: runtime_error: exit 1;" in r.err, r


@pytest.mark.parametrize("name,source,want", [
    ("module.mjs", 'import os from "node:os";\nawait Promise.resolve();\n'
                   'console.log("mjs", typeof os.cpus);\n', "mjs function\n"),
    ("common.cjs", 'console.log("cjs", typeof require);\n', "cjs function\n"),
    ("my prog ü.py", 'print("file", __file__)\n', "file /work/my prog ü.py\n"),
])
def test_other_extensions_and_names(sbx, name, source, want):
    r = sbx.run("run", sbx.write(name, source), "--quiet")
    assert r.returncode == 0 and r.out == want, r


def test_lang_flag_overrides_extension(sbx):
    path = sbx.write("script.txt", 'print("ran as python")\n')
    r, rep = sbx.run_json("run", path, "--lang", "python")
    assert r.returncode == 0 and rep["stdout"] == "ran as python\n", r
    assert rep["runtime"]["name"] == "python"


def test_relative_file_path(sbx):
    sbx.write("rel.py", 'print("relative ok")\n')
    argv = sbx.argv(["run", "rel.py", "--quiet"])
    p = subprocess.run(argv, cwd=sbx.scratch, capture_output=True, env=sbx.env(),
                       stdin=subprocess.DEVNULL, timeout=60)
    assert p.returncode == 0 and p.stdout == b"relative ok\n", p


def test_interpreter_flag_real_binary(sbx):
    real = os.path.realpath("/usr/bin/python3")
    r, rep = sbx.run_json("run", sbx.prog("hello.py"), "--interpreter", real)
    assert r.returncode == 0 and rep["stdout"] == "hello from python\n", r
    assert rep["runtime"]["interpreter"] == real


def test_stdin_held_open_does_not_block_finished_run(sbx):
    """The caller's stdin stays open and silent; the program does not read it and exits: the
    run must end with the program."""
    p = sbx.popen("run", sbx.prog("hello.py"), "--quiet", stdin=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        pytest.fail("the run waited for the caller's stdin to close")
    assert p.returncode == 0 and out == b"hello from python\n", (out, err)
