"""
WebAssembly (WASI preview1) end to end, on the node engine (issue 6, point 8).

The modules are built once per session from tests/data/wasm: wasi-test.c and poll-stdin.c
with clang's wasm32-wasi target (one subcommand per check), the .wat files copied as they are (the sandbox
assembles them with wat2wasm inside), and invalid.wasm assembled here with `wat2wasm
--no-check` from a module that does not validate. They live in <session>/wasm (0755/0644) so
uid 65534 can read them; every test runs as root and as uid 65534 (conftest's `sbx`).

What is checked: the module sees exactly its argv and --env (nothing inherited); stdin, files
in the preopen and in --dir directories; every escape (`..`, absolute host paths, symlinks out,
NUL and non-UTF-8 paths) refused with the WASI errno; memory caps and disabled growth; the
timeout and CPU limit; poll_oneoff waiting for stdin or its clock (the host's stdin reader
thread) and sleeping on a clock alone; every trap kind in the report; exit codes; a large stdout stream; .wat
errors pointing at the line; invalid modules refused before they run.
"""
import os
import shutil
import signal
import subprocess

import pytest

from conftest import MUST_WORK, REPO, finish, read_until

DATA = REPO / "tests" / "data" / "wasm"

# WASI errno values (wasi_snapshot_preview1)
ENOENT, EINVAL, EILSEQ, ELOOP, EROFS, ENOTCAPABLE = 44, 28, 25, 32, 69, 76


@pytest.fixture(scope="session")
def wasm(session):
    """<session>/wasm with the built modules; skips (fails with SBX_TESTS_MUST_WORK=1) when
    clang's wasm32-wasi target or wat2wasm is missing."""
    out = session.dir / "wasm"
    if out.is_dir():
        return out
    need = [shutil.which("clang"), shutil.which("wat2wasm")]
    if not all(need):
        msg = "clang (with wasi-libc) and wat2wasm (wabt) are needed to build the test modules"
        if MUST_WORK:
            pytest.fail(msg)
        pytest.skip(msg)
    out.mkdir(mode=0o755)
    for c in ("wasi-test", "poll-stdin"):
        r = subprocess.run(["clang", "--target=wasm32-wasi", "-O2", "-s", "-o",
                            str(out / (c + ".wasm")), str(DATA / (c + ".c"))],
                           capture_output=True, timeout=120)
        if r.returncode != 0:
            msg = "clang --target=wasm32-wasi failed: %s" % r.stderr.decode(errors="replace")
            if MUST_WORK:
                pytest.fail(msg)
            pytest.skip(msg)
    for p in DATA.glob("*.wat"):
        shutil.copyfile(p, out / p.name)
    subprocess.run(["wat2wasm", "--no-check", str(DATA / "invalid-type.wat"), "-o",
                    str(out / "invalid.wasm")], check=True, timeout=60)
    (out / "garbage.wasm").write_bytes(b"\0asm\x01\0\0\0\x01\xff\xff")
    shutil.copyfile(REPO / "examples" / "hello.wat", out / "hello.wat")
    for p in out.iterdir():
        os.chmod(p, 0o644)
    return out


def mod(wasm, name):
    return str(wasm / name)


def run_t(sbx, wasm, *args, **kw):
    """wasi-test.wasm with `args` as its arguments; options before `--` in args."""
    args = list(args)
    if "--" not in args:
        args.insert(0, "--")
    return sbx.run("run", mod(wasm, "wasi-test.wasm"), "--quiet", *args, **kw)


def world_dir(path):
    """A directory the sandbox's uid can write whatever the mode (pool uid, 65534)."""
    path.mkdir(mode=0o777)
    os.chmod(path, 0o777)
    return path


# ---------------------------------------------------------------------------------------------
# basics


def test_hello_wat_example(sbx, wasm):
    """examples/hello.wat, assembled inside the sandbox, prints its greeting; the report
    names the engine."""
    r, rep = sbx.run_json("run", mod(wasm, "hello.wat"))
    assert r.returncode == 0, r
    assert rep["stdout"] == "hello from webassembly!\n"
    assert rep["status"] == "ok" and rep["runtime"]["name"] == "wasm"
    assert rep["enforcement"]["wasm_engine"] == "node"
    assert "trap" not in rep and "rejected" not in rep


def test_hello_c(sbx, wasm):
    r = run_t(sbx, wasm, "--", "hello")
    assert (r.returncode, r.out) == (0, "hello from wasi\n"), r


def test_args_exact(sbx, wasm):
    """argv[0] is the module's name, then exactly the arguments given (spaces, empty, unicode
    kept)."""
    r = run_t(sbx, wasm, "--", "args", "a b", "", "é", "--x")
    assert r.returncode == 0, r
    assert r.out.splitlines() == ["arg[0]=wasi-test.wasm", "arg[1]=args", "arg[2]=a b",
                                  "arg[3]=", "arg[4]=é", "arg[5]=--x"]


def test_env_exact(sbx, wasm):
    """Only the --env variables: nothing of the sandbox's PATH/HOME/LANG, nor of ours."""
    r = run_t(sbx, wasm, "--env", "FOO=bar", "--env", "EMPTY=", "--", "env",
              env={"LEAK_ME": "1"})
    assert r.returncode == 0, r
    assert r.out.splitlines() == ["FOO=bar", "EMPTY=", "count=2"]
    r = run_t(sbx, wasm, "--", "env")
    assert r.out == "count=0\n", r


def test_stdin_echo(sbx, wasm):
    data = bytes(range(256)) * 300 + b"end\n"
    r = run_t(sbx, wasm, "--", "echo", input=data)
    assert r.returncode == 0, r
    assert r.stdout == data
    assert "echoed %d bytes" % len(data) in r.err


def test_clock_sleep_random(sbx, wasm):
    """poll_oneoff sleeps about as long as asked; realtime is today's; random_get fills."""
    import time
    r = run_t(sbx, wasm, "--", "clock")
    assert r.returncode == 0, r
    fields = dict(kv.split("=") for kv in r.out.split())
    assert int(fields["slept_ms"]) >= 50
    assert abs(int(fields["realtime"]) - time.time()) < 120
    assert int(fields["random_nonzero"]) >= 8


# ---------------------------------------------------------------------------------------------
# poll_oneoff: stdin and clocks (poll-stdin.c: what fired on stderr, stdin echoed on stdout)


def run_poll(sbx, wasm, *args, **kw):
    return sbx.run("run", mod(wasm, "poll-stdin.wasm"), "--quiet", "--", *args, **kw)


def popen_poll(sbx, wasm, *args):
    return sbx.popen("run", mod(wasm, "poll-stdin.wasm"), "--quiet", "--", *args,
                     stdin=subprocess.PIPE)


def poll_lines(err):
    return [l for l in err.splitlines() if l.startswith("poll")]


def stdin_event(line):
    """(nbytes, hangup) of a "poll: stdin nbytes=N hangup=H" line."""
    assert line.startswith("poll: stdin "), line
    f = dict(kv.split("=") for kv in line.split()[2:])
    return int(f["nbytes"]), int(f["hangup"])


def test_poll_stdin_data_before_poll(sbx, wasm):
    """Bytes already in stdin: the poll (stdin + a 10 s clock) returns the stdin event alone,
    so before its clock, with the bytes available; they are then read and echoed."""
    r = run_poll(sbx, wasm, "wait", "10000", input=b"hello\n")
    assert r.returncode == 0, r
    lines = poll_lines(r.err)
    assert len(lines) == 1, r.err
    nbytes, _ = stdin_event(lines[0])
    assert 1 <= nbytes <= 6, r.err
    assert r.stdout == b"hello\n" and "echoed 6 bytes" in r.err, r


def test_poll_stdin_at_eof(sbx, wasm):
    """Empty, closed stdin: ready at once with fd_readwrite_hangup and no bytes; the read
    then returns EOF."""
    for kw in ({"input": b""}, {"stdin": subprocess.DEVNULL}):
        r = run_poll(sbx, wasm, "wait", "10000", **kw)
        assert r.returncode == 0, r
        assert poll_lines(r.err) == ["poll: stdin nbytes=0 hangup=1"], r.err
        assert r.stdout == b"" and "echoed 0 bytes" in r.err, r


def test_poll_clock_fires_while_stdin_open(sbx, wasm):
    """stdin open and empty: the 300 ms clock fires first (we write nothing until its line
    is out); the next poll (60 s clock) then wakes for the bytes written, and they are
    echoed."""
    p = popen_poll(sbx, wasm, "wait", "300", "60000")
    got = read_until(p.stderr, b"poll: clock\n", 60)
    try:
        assert got == b"poll: clock\n", got
        p.stdin.write(b"late data\n")
        p.stdin.flush()
    finally:
        p.stdin.close()
    rc, out, err, _ = finish(p, 60)
    err = (got + err).decode()
    assert rc == 0, (out, err)
    lines = poll_lines(err)
    assert lines[0] == "poll: clock" and len(lines) == 2, err
    nbytes, _ = stdin_event(lines[1])
    assert 1 <= nbytes <= 10, err
    assert out == b"late data\n" and "echoed 10 bytes" in err, (out, err)


def test_poll_absolute_realtime_clock(sbx, wasm):
    """An absolute realtime clock (now + 300 ms) fires while stdin stays open."""
    p = popen_poll(sbx, wasm, "abswait", "300")
    got = read_until(p.stderr, b"poll: clock\n", 60)
    p.stdin.close()
    rc, out, err, _ = finish(p, 60)
    assert got == b"poll: clock\n", (got, err)
    assert rc == 0 and out == b"" and b"echoed 0 bytes" in err, (rc, out, err)


def test_poll_exit_with_stdin_open(sbx, wasm):
    """The module exits after polling stdin (which the reader thread then waits on): the run
    ends at once, with stdin still open and never written."""
    p = popen_poll(sbx, wasm, "once", "300")
    try:
        rc = p.wait(60)  # not finish(): communicate() would close stdin
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        pytest.fail("the run did not end while its stdin was open")
    finally:
        p.stdin.close()
    out, err = p.stdout.read(), p.stderr.read()
    p.stdout.close()
    p.stderr.close()
    assert rc == 0 and out == b"" and poll_lines(err.decode()) == ["poll: clock"], (rc, err)


def test_poll_then_read_loses_no_bytes(sbx, wasm):
    """300 KB (more than the reader's 64 KiB ring) then EOF: read directly first, then
    poll + read in 1000-byte steps, or one poll then reads: all of it arrives, in order."""
    import random
    data = random.Random(7).randbytes(300000)
    r = run_poll(sbx, wasm, "chunks", "10", input=data)
    assert r.returncode == 0, r
    assert r.stdout == data and "echoed 300000 bytes polls=" in r.err, r.err
    r = run_poll(sbx, wasm, "wait", "10000", input=data)
    assert r.returncode == 0, r
    lines = poll_lines(r.err)
    assert len(lines) == 1 and stdin_event(lines[0])[0] >= 1, r.err
    assert r.stdout == data and "echoed 300000 bytes" in r.err, r.err


def test_poll_clock_alone_sleeps(sbx, wasm):
    """A clock-only poll of 300 ms sleeps (at least 200 ms, at most 20 s)."""
    r = run_poll(sbx, wasm, "sleep", "300")
    assert r.returncode == 0, r
    slept = int(r.out.split("=")[1])
    assert 200 <= slept <= 20000, r.out


def test_poll_errors(sbx, wasm):
    """A bad fd is an event with EBADF, an unknown clock id one with EINVAL (both ready at
    once); no subscription at all fails the call with EINVAL."""
    r = run_poll(sbx, wasm, "errors")
    assert r.returncode == 0, r
    assert r.out == ("call=0 events=2\nevent 1 type=1 error=8\nevent 2 type=0 error=28\n"
                     "empty call=28\n"), r.out


@pytest.mark.parametrize("code", [0, 1, 7, 125])
def test_exit_codes(sbx, wasm, code):
    r, rep = sbx.run_json("run", mod(wasm, "wasi-test.wasm"), "--", "exit", str(code))
    assert r.returncode == code and rep["exit_code"] == code, r
    assert rep["status"] == ("ok" if code == 0 else "runtime_error")
    assert "trap" not in rep


def test_exit_code_above_125_refused(sbx, wasm):
    """proc_exit(n >= 126) is refused as wasmtime does (so the host's 134/135 cannot be
    forged): exit 1 with a message."""
    r = run_t(sbx, wasm, "--", "exit", "134")
    assert r.returncode == 1, r
    assert "exit status outside [0, 126)" in r.err


def test_large_stdout(sbx, wasm):
    """8 MB through fd_write: all of it arrives (max output raised), in order."""
    n = 8 * 1024 * 1024
    r = run_t(sbx, wasm, "--max-output", "16384", "--", "bigout", str(n), timeout=120)
    assert r.returncode == 0, r
    assert len(r.stdout) == n and r.stdout == b"x" * n


def test_large_stdout_truncated_counted(sbx, wasm):
    n = 3 * 1024 * 1024
    r, rep = sbx.run_json("run", mod(wasm, "wasi-test.wasm"), "--", "bigout", str(n),
                          timeout=120)
    assert rep["status"] == "ok", r
    assert rep["stdout_bytes"] == n and rep["stdout_truncated"]


# ---------------------------------------------------------------------------------------------
# files


def test_files_in_workspace(sbx, wasm):
    """create, rename, read, append, stat, mkdir, readdir, lseek, rmdir, unlink in the
    workspace (preopened as "." and "/")."""
    for where in (".", "/"):
        r = run_t(sbx, wasm, "--", "files", where)
        assert r.returncode == 0, r
        assert "content=hello file\n" in r.out and "size=16\n" in r.out
        assert "entry=b.txt type=4\n" in r.out and "entry=sub type=3\n" in r.out
        assert "at6=file\n" in r.out and "gone: ok" in r.out


def test_more_of_preview1(sbx, wasm):
    """pread/pwrite, ftruncate, fd_renumber, symlink/readlink/link, utimes, O_EXCL,
    O_DIRECTORY on a file, ENOTEMPTY, EISDIR, rename over a file, ESPIPE on stdout,
    sched_yield, poll on stdin and on a clock alone."""
    r = run_t(sbx, wasm, "--", "more")
    assert r.returncode == 0, r
    assert all(line.endswith(": ok") for line in r.out.splitlines()), r.out
    assert len(r.out.splitlines()) == 30


def test_files_in_dir_mapping(sbx, wasm, scratch):
    """--dir HOST::GUEST: the module works in GUEST, the host sees it in HOST; --dir HOST
    alone keeps the host path as the guest path."""
    d = world_dir(scratch / "mapped")
    (d / "given.txt").write_text("from the host\n")
    os.chmod(d / "given.txt", 0o644)
    r = run_t(sbx, wasm, "--dir", "%s::/data" % d, "--", "files", "/data")
    assert r.returncode == 0, r
    assert "content=hello file\n" in r.out and "entry=given.txt type=4\n" in r.out
    r = run_t(sbx, wasm, "--dir", str(d), "--", "cat", str(d / "given.txt"))
    assert (r.returncode, r.out) == (0, "from the host\n"), r
    rel = str(d)[1:]  # the CLI runs in /: a relative HOST is also the guest name, as written
    r = run_t(sbx, wasm, "--dir", rel, "--", "cat", rel + "/given.txt")
    assert (r.returncode, r.out) == (0, "from the host\n"), r


def test_dir_as_root(sbx, wasm, scratch):
    """--dir HOST::/ makes HOST the guest's root (and "."): the workspace is not visible."""
    d = world_dir(scratch / "root")
    (d / "only-here.txt").write_text("root file\n")
    os.chmod(d / "only-here.txt", 0o644)
    r = run_t(sbx, wasm, "--dir", "%s::/" % d, "--", "cat", "/only-here.txt")
    assert (r.returncode, r.out) == (0, "root file\n"), r
    r = run_t(sbx, wasm, "--dir", "%s::/" % d, "--", "cat", "only-here.txt")
    assert r.out == "root file\n", r
    r = run_t(sbx, wasm, "--dir", "%s::/" % d, "--", "cat", "/wasi-test.wasm")
    assert r.returncode == 1 and "errno 44" in r.out, r


def test_files_written_reach_host(sbx, wasm, scratch):
    d = world_dir(scratch / "out")
    r = run_t(sbx, wasm, "--dir", "%s::/out" % d, "--", "files", "/out")
    assert r.returncode == 0, r
    # files removes what it made: the directory is empty again, seen from the host
    assert sorted(os.listdir(d)) == []


def allowed_config(sbx, paths):
    conf = sbx.scratch / "wasm-conf.toml"
    conf.write_text("[security]\nallowed_paths = [%s]\n" % ", ".join('"%s"' % p for p in paths))
    os.chmod(conf, 0o644)
    return str(conf)


def test_allowed_paths_are_preopens(sbx, wasm, scratch):
    """allowed_paths entries are preopened at their own path: read-only ones refuse writes
    with EROFS, PATH:rw ones take them."""
    ro = scratch / "ro"
    ro.mkdir(mode=0o755)
    (ro / "f.txt").write_text("read me\n")
    os.chmod(ro / "f.txt", 0o644)
    rw = world_dir(scratch / "rw")
    conf = allowed_config(sbx, [str(ro), str(rw) + ":rw"])
    r = run_t(sbx, wasm, "--config", conf, "--", "cat", str(ro / "f.txt"))
    assert (r.returncode, r.out) == (0, "read me\n"), r
    r = run_t(sbx, wasm, "--config", conf, "--", "files", str(ro))
    assert r.returncode == 1 and "create: Read-only file system" in r.out, r
    r = run_t(sbx, wasm, "--config", conf, "--", "files", str(rw))
    assert r.returncode == 0 and "gone: ok" in r.out, r


def test_dir_refusals(sbx, wasm, scratch):
    r = run_t(sbx, wasm, "--dir", "/proc", "--", "hello")
    assert r.returncode == 64 and "cannot be shown inside the sandbox" in r.err, r
    r = run_t(sbx, wasm, "--dir", str(scratch / "missing"), "--", "hello")
    assert r.returncode == 64 and "--dir" in r.err, r
    r = sbx.run("run", sbx.prog("hello.py"), "--dir", str(scratch))
    assert r.returncode == 64 and "only WebAssembly modules" in r.err, r


# ---------------------------------------------------------------------------------------------
# escapes


def test_escapes_refused(sbx, wasm, scratch):
    """No lookup leaves the preopen: `..` above it, absolute host paths, symlinks pointing out
    (absolute or climbing), NUL and non-UTF-8 bytes in a path; each with its WASI errno.
    A symlink that stays inside is followed."""
    outside = scratch / "outside"
    outside.mkdir(mode=0o755)
    (outside / "secret").write_text("TOP SECRET\n")
    os.chmod(outside / "secret", 0o644)
    root = world_dir(scratch / "guestroot")
    os.symlink(str(outside), root / "link-out")
    os.symlink("../outside", root / "rel-out")
    os.symlink("/etc/passwd", root / "abs-link")
    (root / "inside.txt").write_text("inside\n")
    os.chmod(root / "inside.txt", 0o644)
    os.symlink("inside.txt", root / "in-link")
    (root / "d").mkdir(mode=0o755)
    r = run_t(sbx, wasm, "--dir", "%s::/" % root, "--", "escape", str(outside / "secret"))
    assert r.returncode == 0, r
    assert "TOP SECRET" not in r.out and "root:" not in r.out, r
    lines = dict(l.split("=", 1) for l in r.out.splitlines() if l.startswith("raw "))
    assert lines == {
        "raw dotdot": str(ENOTCAPABLE),
        "raw deep-dotdot": str(ENOTCAPABLE),
        "raw inner-dotdot": "0",
        "raw absolute": str(ENOTCAPABLE),
        "raw nul": str(EINVAL),
        "raw badutf8": str(EILSEQ),
        "raw link-out": str(ENOTCAPABLE),
        "raw rel-out": str(ENOTCAPABLE),
        "raw abs-link": str(ENOTCAPABLE),
        "raw abs-link-nofollow": str(ELOOP),
        "raw inside-link": "0",
    }, r.out
    refused = [l for l in r.out.splitlines() if l.startswith("refused ")]
    assert "refused ../etc/passwd: errno 76 (Capabilities insufficient)" in refused
    assert "refused %s: errno 44 (No such file or directory)" % (outside / "secret") in refused
    assert any(l.startswith("refused link-out/secret: errno 76") for l in refused)
    assert any(l.startswith("refused rel-out/secret: errno 76") for l in refused)
    assert any(l.startswith("refused abs-link: errno 76") for l in refused)
    assert "OPENED in-link: inside\n" in r.out


def test_escape_from_workspace(sbx, wasm):
    """In the default workspace root: /etc/passwd is <workspace>/etc/passwd (ENOENT), and
    `..` above it is ENOTCAPABLE."""
    r = run_t(sbx, wasm, "--", "cat", "/etc/passwd")
    assert r.returncode == 1 and "errno 44" in r.out and "root:" not in r.out, r
    r = run_t(sbx, wasm, "--", "cat", "../../../../etc/passwd")
    assert r.returncode == 1 and "errno 76" in r.out, r


# ---------------------------------------------------------------------------------------------
# memory


def test_growth_stops_at_cap(sbx, wasm):
    """grow.wat starts with 1 page and grows 1 at a time: with max_memory_pages 8 it gets 7."""
    r = sbx.run("run", mod(wasm, "grow.wat"), "--quiet", "--max-memory-pages", "8")
    assert (r.returncode, r.out) == (0, "7\n"), r
    r = sbx.run("run", mod(wasm, "grow.wat"), "--quiet")
    assert (r.returncode, r.out) == (0, "64\n"), r


def test_growth_cap_c_program(sbx, wasm):
    """A C program (its own initial memory, malloc'd heap) cannot grow past the cap either."""
    r = run_t(sbx, wasm, "--max-memory-pages", "40", "--", "grow", "1000")
    assert r.returncode == 0, r
    assert r.out.endswith(", now 40\n"), r


def test_growth_disabled(sbx, wasm):
    r = sbx.run("run", mod(wasm, "grow.wat"), "--quiet", "--no-memory-growth")
    assert (r.returncode, r.out) == (0, "0\n"), r
    r = run_t(sbx, wasm, "--no-memory-growth", "--", "grow", "5")
    assert r.out.startswith("grew 0 of 5 pages"), r


def test_imported_memory_capped(sbx, wasm):
    """A memory the module imports is made by the host with the capped maximum."""
    r = sbx.run("run", mod(wasm, "imported-memory.wat"), "--quiet", "--max-memory-pages", "5")
    assert (r.returncode, r.out) == (0, "3\n"), r


def test_memory_enforcement_reported(sbx, wasm):
    r, rep = sbx.run_json("run", mod(wasm, "grow.wat"), "--max-memory-pages", "4",
                          "--no-memory-growth")
    assert rep["stdout"] == "0\n", r
    assert rep["enforcement"]["wasm_max_memory_pages"] == "module-rewrite"
    assert rep["enforcement"]["wasm_memory_growth"] == "module-rewrite"
    r, rep = sbx.run_json("run", mod(wasm, "grow.wat"))
    assert "wasm_max_memory_pages" not in rep["enforcement"]


def test_initial_memory_above_cap_refused(sbx, wasm):
    r, rep = sbx.run_json("run", mod(wasm, "mem-initial-10.wat"), "--max-memory-pages", "8")
    assert r.returncode == 135 and rep["rejected"] == "memory_limit", r
    assert "declares 10 initial pages of 64 KiB, above max_memory_pages = 8" in rep["stderr"]
    r = sbx.run("run", mod(wasm, "mem-initial-10.wat"), "--max-memory-pages", "10")
    assert r.returncode == 0, r


# ---------------------------------------------------------------------------------------------
# limits, traps, refusals


def test_infinite_loop_timeout(sbx, wasm):
    r, rep = sbx.run_json("run", mod(wasm, "wasi-test.wasm"), "--timeout", "1", "--", "loop")
    assert r.returncode == 124 and rep["status"] == "timeout", r


def test_infinite_loop_cpu_limit(sbx, wasm):
    r, rep = sbx.run_json("run", mod(wasm, "wasi-test.wasm"), "--cpu-limit", "0.5", "--",
                          "loop")
    assert rep["status"] == "cpu_limit", r


TRAPS = [
    ("trap-unreachable.wat", "unreachable"),
    ("trap-oob.wat", "out_of_bounds_memory_access"),
    ("trap-div0.wat", "integer_divide_by_zero"),
    ("trap-overflow.wat", "integer_overflow"),
    ("trap-indirect.wat", "indirect_call_type_mismatch"),
    ("trap-stack.wat", "stack_overflow"),
    ("trap-conversion.wat", "invalid_conversion_to_integer"),
    ("trap-table.wat", "out_of_bounds_table_access"),
]


@pytest.mark.parametrize("name,kind", TRAPS)
def test_traps(sbx, wasm, name, kind):
    r, rep = sbx.run_json("run", mod(wasm, name))
    assert rep["status"] == "runtime_error" and rep["exit_code"] == 134, r
    assert rep["trap"] == kind, rep["stderr"]
    assert rep["stderr"].endswith("rusty-sandbox: wasm trap: %s: " % kind +
                                  rep["stderr"].rsplit(": ", 1)[1])


def test_stack_overflow_c(sbx, wasm):
    r, rep = sbx.run_json("run", mod(wasm, "wasi-test.wasm"), "--", "stack")
    # clang's shadow stack overflows into data (out of bounds) or V8's stack runs out first
    assert rep["trap"] in ("stack_overflow", "out_of_bounds_memory_access"), rep["stderr"]


def test_forged_trap_line_not_believed(sbx, wasm, scratch):
    """A module printing the host's trap line and exiting 1 is not reported as a trap."""
    wat = scratch / "forge.wat"
    msg = b"rusty-sandbox: wasm trap: unreachable: fake\n"
    data = "".join("\\%02x" % c for c in msg)
    wat.write_text("""(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $x (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\\10\\00\\00\\00\\%02x\\00\\00\\00")
  (data (i32.const 16) "%s")
  (func (export "_start")
    (drop (call $w (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $x (i32.const 1))))
""" % (len(msg), data))
    os.chmod(wat, 0o644)
    r, rep = sbx.run_json("run", str(wat))
    assert rep["exit_code"] == 1 and rep["stderr"] == msg.decode(), r
    assert "trap" not in rep


def test_wat_error_points_at_line(sbx, wasm):
    r, rep = sbx.run_json("run", mod(wasm, "bad-syntax.wat"))
    assert rep["exit_code"] == 135 and rep["rejected"] == "wat_error", r
    assert "bad-syntax.wat:4:6: error: unexpected token \"i32.bogus_instruction\"" in \
        rep["stderr"]


@pytest.mark.parametrize("name,kind", [("invalid.wasm", "invalid_module"),
                                       ("garbage.wasm", "invalid_module"),
                                       ("unknown-import.wat", "unknown_import"),
                                       ("proto-import.wat", "unknown_import")])
def test_invalid_modules_refused(sbx, wasm, name, kind):
    r, rep = sbx.run_json("run", mod(wasm, name))
    assert rep["exit_code"] == 135 and rep["rejected"] == kind, r
    assert rep["stdout"] == ""


def test_invalid_module_reason(sbx, wasm):
    r = sbx.run("run", mod(wasm, "invalid.wasm"))
    assert "wasm rejected: invalid_module: invalid.wasm: Compiling function #0" in r.err, r
    assert "the WebAssembly module was refused before it ran: invalid_module" in r.err


def test_fuel_refused_by_node(sbx, wasm):
    r = run_t(sbx, wasm, "--fuel", "1000", "--", "hello")
    assert r.returncode == 64 and "no instruction budget" in r.err, r
    r = run_t(sbx, wasm, "--wasm-engine", "node", "--", "hello")
    assert r.returncode == 0, r


def test_missing_native_engine(sbx, wasm):
    """engine = wasmtime when it is not installed: refused naming the binary."""
    if shutil.which("wasmtime"):
        pytest.skip("wasmtime is installed here")
    r = run_t(sbx, wasm, "--wasm-engine", "wasmtime", "--", "hello")
    assert r.returncode == 127 and "wasm interpreter not found" in r.err, r


def test_list_supported_shows_wasm(sbx):
    r = sbx.run("list-supported", "--json")
    import json
    rows = {x["runtime"]: x for x in json.loads(r.out)}
    assert rows["wasm"]["extensions"] == [".wasm", ".wat"]


def test_mutated_modules_never_break_the_host(sbx, wasm, scratch):
    """Seeded random byte mutations of a module (with a memory cap, so the limit rewriter
    parses them too): each run ends ok, trapped, refused or by the timeout; never with a host
    error (exit 70) or a sandbox failure."""
    import random
    rng = random.Random(6)
    base = bytearray(subprocess.run(["wat2wasm", str(DATA / "grow.wat"), "--output=-"],
                                    capture_output=True, check=True).stdout)
    for i in range(20):
        m = bytearray(base)
        for _ in range(rng.randint(1, 4)):
            m[rng.randrange(8, len(m))] = rng.randrange(256)
        if i % 5 == 0:
            m = m[:rng.randrange(8, len(m))]
        p = scratch / ("m%d.wasm" % i)
        p.write_bytes(bytes(m))
        os.chmod(p, 0o644)
        r, rep = sbx.run_json("run", str(p), "--max-memory-pages", "4", "--timeout", "5")
        assert rep["status"] in ("ok", "runtime_error", "timeout"), r
        assert rep["exit_code"] in (0, 134, 135, None), (bytes(m).hex(), rep["stderr"])
        assert "wasm host error" not in rep["stderr"], (bytes(m).hex(), rep["stderr"])
