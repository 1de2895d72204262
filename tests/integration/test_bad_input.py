"""Bad command lines and bad files: one clear message on stderr that names the culprit, the
documented exit code, nothing on stdout, nothing left behind (checked by the autouse fixture)."""
import json
import os
import pathlib
import shutil
import subprocess

import pytest

from conftest import error_lines, need_root

USAGE, UNSUPPORTED, NOINPUT, NO_RUNTIME = 64, 65, 66, 127


def check_error(r, code, *names):
    assert r.returncode == code, r
    assert r.stdout == b"", r
    lines = error_lines(r.err)
    assert len(lines) == 1, "want one message line on stderr, got %r" % r.err
    assert lines[0].startswith("rusty-sandbox: "), lines
    for n in names:
        assert n in lines[0], "%r not named in %r" % (n, lines[0])
    return lines[0]


# (id, args after `run`, exit code, strings the message must contain). HELLO is replaced by
# a readable hello.py.
USAGE_CASES = [
    ("unknown-flag", ["HELLO", "--bogus"], USAGE, ["--bogus"]),
    ("unknown-flag-before-file", ["--frobnicate=3", "HELLO"], USAGE, ["--frobnicate"]),
    ("timeout-abc", ["HELLO", "--timeout", "abc"], USAGE, ["--timeout", "abc"]),
    ("timeout-negative", ["HELLO", "--timeout", "-1"], USAGE, ["--timeout", "-1"]),
    ("timeout-eq-abc", ["HELLO", "--timeout=abc"], USAGE, ["--timeout", "abc"]),
    ("timeout-nan", ["HELLO", "--timeout", "nan"], USAGE, ["--timeout"]),
    ("timeout-inf", ["HELLO", "--timeout", "inf"], USAGE, ["--timeout"]),
    ("timeout-unit", ["HELLO", "--timeout", "5s"], USAGE, ["--timeout", "5s"]),
    ("timeout-empty", ["HELLO", "--timeout="], USAGE, ["--timeout"]),
    ("timeout-missing-value", ["HELLO", "--timeout"], USAGE, ["--timeout"]),
    ("max-output-x", ["HELLO", "--max-output", "x"], USAGE, ["--max-output", "x"]),
    ("max-output-negative", ["HELLO", "--max-output", "-5"], USAGE, ["--max-output"]),
    ("tmp-size-zero", ["HELLO", "--tmp-size", "0"], USAGE, ["--tmp-size"]),
    ("env-noequals", ["HELLO", "--env", "NOEQUALS"], USAGE, ["--env", "NOEQUALS"]),
    ("env-bad-key", ["HELLO", "--env", "1X=y"], USAGE, ["--env"]),
    ("env-missing-value", ["HELLO", "--env"], USAGE, ["--env"]),
    ("lang-unknown", ["HELLO", "--lang", "cobol"], USAGE, ["--lang", "cobol"]),
    ("flag-with-value", ["HELLO", "--json=yes"], USAGE, ["--json"]),
    ("two-files", ["HELLO", "HELLO"], USAGE, ["hello.py"]),
    ("no-file", ["--json"], USAGE, ["no program file"]),
]


@pytest.mark.parametrize("case", USAGE_CASES, ids=[c[0] for c in USAGE_CASES])
def test_usage_errors(sbx, case):
    _, args, code, names = case
    hello = sbx.prog("hello.py")
    r = sbx.run("run", *[hello if a == "HELLO" else a for a in args])
    check_error(r, code, *names)


def test_unknown_command(sbx):
    r = sbx.run("frobnicate")
    check_error(r, USAGE, "frobnicate")


def test_missing_file(sbx, scratch):
    path = str(scratch / "does-not-exist.py")
    line = check_error(sbx.run("run", path), NOINPUT, path)
    assert "No such file" in line, line


def test_unreadable_file(sbx, scratch):
    if sbx.caller_uid == 0:
        pytest.skip("root reads any file (CAP_DAC_OVERRIDE): unreadable input exists only for "
                    "a non-root caller; covered by the user mode")
    path = scratch / "secret.py"
    path.write_text("print('must not run')\n")
    if os.geteuid() == 0:
        os.chmod(path, 0o600)  # root-owned 0600: uid 65534 cannot read it
    else:
        os.chmod(path, 0o000)
    line = check_error(sbx.run("run", str(path)), NOINPUT, str(path))
    assert "Permission denied" in line, line


def test_directory_as_file(sbx, scratch):
    d = scratch / "package.py"
    d.mkdir(mode=0o755)
    check_error(sbx.run("run", str(d)), NOINPUT, str(d))


def test_fifo_as_file_does_not_hang(sbx, scratch):
    f = scratch / "pipe.py"
    os.mkfifo(f, 0o644)
    check_error(sbx.run("run", str(f), timeout=20), NOINPUT, str(f))


def test_unsupported_extension(sbx):
    path = sbx.write("script.rb", "puts 'hi'\n")
    check_error(sbx.run("run", path), UNSUPPORTED, "script.rb", ".rb")


def test_missing_stdin_file(sbx, scratch):
    path = str(scratch / "no-such-input.txt")
    check_error(sbx.run("run", sbx.prog("hello.py"), "--stdin", path), NOINPUT, "--stdin", path)


def test_stdin_file_is_directory(sbx, scratch):
    # a directory cannot be read: the run must not silently get an empty stdin
    check_error(sbx.run("run", sbx.prog("stdin_echo.py"), "--stdin", str(scratch)), NOINPUT,
                "--stdin", str(scratch))


def test_unreadable_stdin_file(sbx, scratch):
    if sbx.caller_uid == 0:
        pytest.skip("root reads any file (CAP_DAC_OVERRIDE): covered by the user mode")
    path = scratch / "private-input.txt"
    path.write_text("secret\n")
    os.chmod(path, 0o600 if os.geteuid() == 0 else 0o000)
    line = check_error(sbx.run("run", sbx.prog("stdin_echo.py"), "--stdin", str(path)),
                       NOINPUT, "--stdin", str(path))
    assert "Permission denied" in line, line


@pytest.mark.parametrize("squat", ["other-owner", "symlink", "missing-root"])
def test_workspace_root_refused(sbx, scratch, squat):
    """A TMPDIR where the workspace base dir is someone else's (a /tmp squatter), a symlink,
    or missing: refused with 69 and one message naming the dir; nothing is followed."""
    root = scratch / "tmpdir"
    root.mkdir()
    os.chmod(root, 0o1777)
    base = root / ("rusty-sandbox-%d" % sbx.caller_uid)
    target = scratch / "elsewhere"
    target.mkdir()
    if squat == "other-owner":
        base.mkdir(mode=0o700)
        other = 4242 if sbx.caller_uid != 4242 else 4243
        if os.geteuid() != 0:
            pytest.skip("needs root to create a directory owned by another uid")
        os.chown(base, other, other)
    elif squat == "symlink":
        os.chown(target, sbx.caller_uid, sbx.caller_uid)
        os.chmod(target, 0o700)
        base.symlink_to(target)
    else:
        root = scratch / "no-such-dir"
        base = root / ("rusty-sandbox-%d" % sbx.caller_uid)
    r = sbx.run("run", sbx.prog("hello.py"), env={"TMPDIR": str(root)})
    check_error(r, 69, str(base))
    assert os.listdir(target) == [], "the symlinked base dir was used"

    check_error(sbx.run("run", sbx.prog("hello.py"), "--interpreter", "/nonexistent/python3"),
                NO_RUNTIME, "/nonexistent/python3")


def test_interpreter_relative_path(sbx):
    r = sbx.run("run", sbx.prog("hello.py"), "--interpreter", "python3")
    assert r.returncode in (USAGE, NO_RUNTIME), r
    check_error(r, r.returncode, "python3", "absolute")


def test_interpreter_shim_script(sbx):
    shim = sbx.write("python3-shim", "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n", mode=0o755)
    line = check_error(sbx.run("run", sbx.prog("hello.py"), "--interpreter", shim),
                       NO_RUNTIME, shim, "--interpreter")
    assert "script" in line, line


def test_interpreter_not_executable(sbx):
    f = sbx.write("not-exec", "\x7fELF not really\n", mode=0o644)
    check_error(sbx.run("run", sbx.prog("hello.py"), "--interpreter", f), NO_RUNTIME, f)


@pytest.fixture
def opt_dir(session):
    """A directory under /opt (the sandbox replaces /tmp, where the session lives), traversable
    by uid 65534, removed afterwards."""
    need_root("writing under /opt")
    d = pathlib.Path("/opt") / session.next_name("opt")
    d.mkdir(mode=0o755, parents=True)
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d)


def test_exec_failure_inside_the_sandbox(sbx, opt_dir):
    """An interpreter whose ELF loader is missing passes every check on the host and fails only
    at execve inside the sandbox, in the program's process before it is the program (which
    shares init's memory until then): the error names the binary and the errno, the verdict
    is internal_error with exit 125, and the report says so."""
    src = opt_dir / "main.c"
    src.write_text("int main(void) { return 0; }\n")
    interp = opt_dir / "python3"
    subprocess.run(["cc", "-o", str(interp), str(src), "-Wl,--dynamic-linker=/nonexistent/ld.so"],
                   check=True, capture_output=True)
    os.chmod(interp, 0o755)
    r = sbx.run("run", sbx.prog("hello.py"), "--interpreter", str(interp))
    assert r.returncode == 125, r
    assert r.stdout == b"", r
    assert "executing '%s' in the sandbox: No such file or directory" % interp in r.err, r
    r, rep = sbx.run_json("run", sbx.prog("hello.py"), "--interpreter", str(interp))
    assert r.returncode == 125, r
    assert rep["status"] == "internal_error", rep
    assert "No such file or directory" in json.dumps(rep), rep
