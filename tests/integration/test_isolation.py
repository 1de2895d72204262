"""What a sandboxed program must not reach: host files, host processes, the network, the
caller's environment, privileges, other runs. Each check is a real attempt from inside."""
import json
import os
import pathlib
import socket
import subprocess

import pytest

from conftest import finish, pids_with, read_until, wait_until


def probe(sbx, *args, env=None):
    r, rep = sbx.run_json("run", sbx.prog("probe.py"), "--", *args, env=env)
    assert r.returncode == 0 and rep["status"] == "ok", r
    return json.loads(rep["stdout"])


def test_cannot_read_shadow(sbx):
    out = probe(sbx, "read", "/etc/shadow", "/etc/gshadow", "/etc/sudoers")
    for path, res in out.items():
        assert not res["ok"], "%s readable inside the sandbox: %r" % (path, res)


def test_etc_is_generated(sbx):
    out = probe(sbx, "read", "/etc/passwd", "/etc/hostname", "/etc/hosts")
    assert out["/etc/passwd"]["ok"]
    users = [l.split(":")[0] for l in out["/etc/passwd"]["value"].splitlines()]
    assert users == ["root", "sandbox", "nobody"], out["/etc/passwd"]
    assert out["/etc/hostname"]["value"] == "sandbox\n"


@pytest.fixture
def host_secrets(session):
    """Secret files in host places the sandbox must not see: /root, the host's /tmp and
    /dev/shm, and this session's own directory. Removed afterwards."""
    name = session.next_name("secret")
    paths = [pathlib.Path("/tmp") / name, session.dir / name]
    if os.geteuid() == 0:
        paths.append(pathlib.Path("/root") / name)
    if os.path.isdir("/dev/shm"):
        paths.append(pathlib.Path("/dev/shm") / name)
    for p in paths:
        p.write_text("host secret " + name + "\n")
        os.chmod(p, 0o644)  # readable by anyone on the host: only isolation hides it
    yield [str(p) for p in paths]
    for p in paths:
        p.unlink(missing_ok=True)


def test_host_files_invisible(sbx, host_secrets, session):
    out = probe(sbx, "read", *host_secrets)
    for path in host_secrets:
        assert not out[path]["ok"], "%s readable inside: %r" % (path, out[path])
        assert out[path]["error"] == "ENOENT", out[path]
    dirs = ["/root", "/home", str(session.dir), str(session.tmp), "/var", "/run", "/sys", "/srv"]
    out = probe(sbx, "list", *dirs)
    for d in dirs:
        assert not out[d]["ok"] or out[d]["value"] == [], "%s visible inside: %r" % (d, out[d])
    out = probe(sbx, "list", "/tmp", "/dev/shm")
    name = os.path.basename(host_secrets[0])
    assert name not in out["/tmp"].get("value", []) and name not in out["/dev/shm"].get(
        "value", [])


def test_identity_and_privileges(sbx):
    ident = probe(sbx, "identity")
    assert ident["uid"] == ident["euid"] == 1000
    assert ident["gid"] == ident["egid"] == 1000
    assert ident["groups"] in ([], [1000]), ident
    st = ident["status"]
    assert st["Uid"].split() == ["1000"] * 4
    for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(st[cap], 16) == 0, "%s = %s" % (cap, st[cap])
    assert st["NoNewPrivs"] == "1"
    assert ident["hostname"] == "sandbox"
    assert ident["pid"] == 2 and ident["ppid"] == 1
    assert ident["cwd"] == "/work"
    assert ident["has_tty"] is False


def test_proc_shows_no_host_process(sbx):
    ident = probe(sbx, "identity")
    # pid 1 is the sandbox's init, pid 2 the program (this probe itself)
    assert ident["pids"] == [1, 2], ident["pids"]
    out = probe(sbx, "read", "/proc/1/cmdline", "/proc/%d/cmdline" % os.getpid())
    assert not out["/proc/%d/cmdline" % os.getpid()]["ok"]


@pytest.fixture
def listener():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    s.setblocking(False)
    yield s
    s.close()


def test_network_unreachable(sbx, listener):
    port = listener.getsockname()[1]
    # the listener works from the host, so a failure below is the sandbox's doing
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    assert wait_until(lambda: _accept(listener), 5), "host-side connection not accepted"
    c.close()
    ident = probe(sbx, "identity")
    assert ident["interfaces"] == ["lo"], ident["interfaces"]
    out = probe(sbx, "connect", "127.0.0.1", str(port))
    assert not out["ok"], out
    out = probe(sbx, "connect", "localhost", str(port))
    assert not out["ok"], out
    assert not _accept(listener), "the listener received a connection from the sandbox"


def _accept(listener):
    try:
        conn, _ = listener.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def test_abstract_unix_socket_unreachable(sbx, session):
    """Abstract unix sockets (D-Bus, X11 use them) belong to the network namespace."""
    name = session.next_name("abstract")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind("\0" + name)
        s.listen(1)
        s.setblocking(False)
        out = probe(sbx, "connect-unix", name)
        assert not out["ok"], out
        with pytest.raises(BlockingIOError):
            s.accept()
    finally:
        s.close()


WRITE_DIRS = ["/", "/usr", "/usr/local", "/usr/lib", "/bin", "/lib", "/etc", "/etc/alternatives",
              "/dev", "/proc", "/proc/sys", "/proc/sys/kernel", "/home", "/root", "/var", "/run",
              "/opt", "/srv", "/sys", "/work/.."]


def test_writes_outside_work_and_tmp_fail(sbx, session):
    name = session.next_name("w")
    targets = [os.path.join(d, name) for d in WRITE_DIRS]
    on_host = [os.path.normpath(t) for t in targets
               if not t.startswith(("/proc", "/sys", "/dev"))]
    try:
        out = probe(sbx, "create", *targets)
        allowed = [p for p in targets if out[p]["ok"]]
        assert not allowed, "created inside the sandbox: %s" % allowed
        out = probe(sbx, "mkdir", *[t + "-d" for t in targets])
        assert not [p for p, r in out.items() if r["ok"]], out
        # existing files: the generated /etc/passwd, a host bind, /proc/sys
        out = probe(sbx, "append", "/etc/passwd", "/etc/nsswitch.conf",
                    "/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname")
        assert not [p for p, r in out.items() if r["ok"]], out
        # nothing reached the host
        reached = [p for p in on_host if os.path.lexists(p) or os.path.lexists(p + "-d")]
        assert not reached, "appeared on the host: %s" % reached
    finally:
        for p in on_host:
            for q in (p, p + "-d"):
                if os.path.isdir(q) and not os.path.islink(q):
                    os.rmdir(q)
                elif os.path.lexists(q):
                    os.unlink(q)


def test_writes_in_work_and_tmp_work(sbx):
    out = probe(sbx, "create", "/work/new.txt", "/tmp/new.txt", "relative.txt")
    assert all(r["ok"] for r in out.values()), out
    out = probe(sbx, "mkdir", "/work/d", "/tmp/d")
    assert all(r["ok"] for r in out.values()), out


def test_caller_environment_not_visible(sbx):
    env = probe(sbx, "env", env={"SBX_SECRET": "hunter2", "AWS_SECRET_ACCESS_KEY": "x",
                                 "LD_PRELOAD": "/nonexistent.so", "PYTHONPATH": "/root",
                                 "TERM": "xterm-itest", "LANG": "C.UTF-8"})
    assert env == {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/work", "LANG": "C.UTF-8",
                   "TERM": "xterm-itest"}, env


def test_env_flag_sets_variables(sbx):
    r, rep = sbx.run_json("run", sbx.prog("probe.py"), "--env", "FOO=bar baz",
                          "--env", "EMPTY=", "--env", "HOME=/tmp", "--", "env",
                          env={"SBX_SECRET": "hunter2"})
    env = json.loads(rep["stdout"])
    assert env == {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
                   "FOO": "bar baz", "EMPTY": ""}, env


@pytest.mark.parametrize("stdio", ["detached", "keep-stdio"])
def test_daemon_does_not_outlive_run(sbx, marker, stdio):
    args = [marker] + (["keep-stdio"] if stdio == "keep-stdio" else [])
    r, rep = sbx.run_json("run", sbx.prog("daemon.py"), "--timeout", "20", "--", *args)
    assert r.returncode == 0 and rep["status"] == "ok", r
    # the daemon was really running, reparented to init, in a session of its own
    d = json.loads(rep["stdout"])
    assert d["daemon_ppid_is_init"] and d["daemon_sid"] != d["my_sid"], d
    assert r.elapsed < 15, "the run waited for the daemon"
    # and it is gone now that the CLI has returned
    assert pids_with(marker) == [], "daemon outlived the run"


def test_concurrent_runs_have_private_tmp(sbx, marker):
    name = marker + "-file"
    a = sbx.popen("run", sbx.prog("tmp_holder.py"), "--quiet", "--timeout", "30", "--", name,
                  stdin=subprocess.PIPE)
    try:
        got = read_until(a.stdout, b"ready\n", 20)
        assert got == b"ready\n", got
        r, rep = sbx.run_json("run", sbx.prog("tmp_lister.py"))
        assert rep["status"] == "ok", r
        seen = json.loads(rep["stdout"])
        assert not [e for e in seen["entries"] if name in e], seen
        assert seen["pids"] == [1, 2], seen
    finally:
        a.stdin.close()
        rc, out, err, _ = finish(a, 30)
    assert rc == 0, (out, err)
    assert out == b"still there: True\n", (out, err)


def test_runs_use_distinct_pool_uids(sbx, marker):
    """Concurrent runs must not share a host uid as root (they could signal each other)."""
    a = sbx.popen("run", sbx.prog("tmp_holder.py"), "--json", "--timeout", "30", "--", marker,
                  stdin=subprocess.PIPE)
    try:
        assert wait_until(lambda: pids_with(marker), 20), "run A did not start"
        _, rep_b = sbx.run_json("run", sbx.prog("hello.py"))
    finally:
        a.stdin.close()
        rc, out, err, _ = finish(a, 30)
    assert rc == 0, (out, err)
    rep_a = json.loads(out)
    ua, ub = rep_a["enforcement"]["user"], rep_b["enforcement"]["user"]
    if sbx.mode == "root":
        assert ua != ub, (ua, ub)
    else:
        assert ua == ub == "userns:1000=host-%d" % sbx.caller_uid



@pytest.fixture
def escape_attempt(sbx, host_secrets, session, scratch):
    """Run programs/escape.py the way a real caller would: the CLI's stdout and stderr are
    files owned by the caller (as a terminal or a caller's pipe would be), the caller has a
    secret in its environment, and a host directory writable by anyone exists outside the
    sandbox's view. Returns what the program managed and what the CLI printed."""
    drop = scratch / "drop"
    drop.mkdir()
    os.chmod(drop, 0o1777)
    secret_env = "hunter2-" + session.next_name("env")
    name = session.next_name("escaped")
    inject = session.next_name("INJECTED")
    streams = {}
    for s in ("stdout", "stderr"):
        streams[s] = scratch / ("cli-" + s)
        streams[s].touch(mode=0o600)
        os.chown(streams[s], sbx.caller_uid, sbx.caller_uid)
    with open(streams["stdout"], "wb") as fo, open(streams["stderr"], "wb") as fe:
        p = subprocess.run(sbx.argv(["run", sbx.prog("escape.py"), "--json", "--",
                                     host_secrets[0], str(drop), name, inject]),
                           stdin=subprocess.DEVNULL, stdout=fo, stderr=fe, cwd="/", timeout=60,
                           env=sbx.env({"SBX_SECRET": secret_env}))
    out = streams["stdout"].read_bytes().decode("utf-8", "replace")
    err = streams["stderr"].read_bytes().decode("utf-8", "replace")
    created = sorted(os.listdir(drop))
    got = None
    try:
        rep = json.loads(out)
        got = json.loads(rep["stdout"]) if rep["status"] == "ok" else None
    except ValueError:
        pass
    return {"rc": p.returncode, "out": out, "err": err, "got": got, "created": created,
            "secret_env": secret_env, "inject": inject}


def test_no_host_files_through_proc_fds(escape_attempt):
    """init is a copy of the supervisor: a directory fd it holds open would let the program
    walk up (../..) to the host's root, outside pivot_root."""
    e = escape_attempt
    assert e["rc"] == 0 and e["got"] is not None, e
    escaped = {"read host file via": [r[0] for r in e["got"]["read"]],
               "created host file via": e["got"]["write"], "host dir now holds": e["created"]}
    assert not any(escaped.values()), "escaped the sandbox: %r" % escaped
    host = {k: v for k, v in e["got"]["links"].items() if v.startswith("/") and
            not v.startswith(("/dev/", "/work")) and v != "/"}
    assert not host, "host paths held open by processes of the run: %r" % host


def test_caller_environment_not_in_proc(escape_attempt):
    e = escape_attempt
    assert e["rc"] == 0 and e["got"] is not None, e
    leaked = [pid for pid, env in e["got"]["environ"].items() if e["secret_env"] in env]
    assert not leaked, "the caller's environment is readable in /proc/%s/environ" % leaked


def test_cannot_write_to_supervisor_output(escape_attempt):
    """The report on the CLI's stdout must come from the supervisor alone."""
    e = escape_attempt
    assert e["inject"] not in e["out"] and e["inject"] not in e["err"], \
        "the program wrote into the CLI's own stdout/stderr: %r" % e
    assert e["rc"] == 0 and e["got"] is not None, e
    assert e["got"]["inject"] == [], e["got"]["inject"]


def test_cannot_signal_host_processes(sbx, marker):
    """kill(-1) and kill(host pid) from inside reach nothing outside the run, even a process
    of the CLI's own caller uid."""
    victim = subprocess.Popen(sbx.as_caller(["/usr/bin/python3", "-c",
                                             "import time; time.sleep(30)", marker]),
                              cwd="/", stdin=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: pids_with(marker), 10)
        r, rep = sbx.run_json("run", sbx.prog("kill_all.py"), "--",
                              str(victim.pid), str(os.getpid()))
        assert r.returncode == 0 and rep["status"] == "ok", r
        res = json.loads(rep["stdout"])
        assert victim.poll() is None, "a host process was killed from inside: %r" % res
        assert res[str(victim.pid)] != "sent" or victim.pid <= 2, res
    finally:
        victim.kill()
        victim.wait()


@pytest.mark.parametrize("where,flag", [("/tmp", "--tmp-size"), ("/work", "--workspace-size")])
def test_tmp_and_work_are_size_capped(sbx, where, flag):
    """Filling /tmp or /work stops at its cap: the host's disk is not the limit."""
    r, rep = sbx.run_json("run", sbx.prog("fill.py"), flag, "4", "--max-file-size", "0",
                          "--", where, "32")
    assert rep["status"] == "ok", r
    res = json.loads(rep["stdout"])
    assert res["error"] == "No space left on device", res
    assert res["size"] <= 4 << 20
    key = {"/tmp": "tmp_size_kb", "/work": "workspace_size_kb"}[where]
    assert rep["limits"][key] == 4096


def test_parallel_runs(sbx):
    """Several runs at once: each its own id, uid (as root), output and workspace."""
    n = 6
    procs = [sbx.popen("run", sbx.prog("args.py"), "--json", "--", "run-%d" % i)
             for i in range(n)]
    reps = []
    for p in procs:
        rc, out, err, _ = finish(p, 60)
        assert rc == 0, (out, err)
        reps.append(json.loads(out))
    assert [json.loads(r["stdout"]) for r in reps] == [["run-%d" % i] for i in range(n)]
    assert len({r["id"] for r in reps}) == n
    want = "host-%d" % sbx.caller_uid
    for r in reps:
        host = int(r["enforcement"]["user"].rsplit("-", 1)[1])
        assert (2_000_000_000 <= host < 2_000_004_096) if sbx.mode == "root" else \
            host == sbx.caller_uid, (r["enforcement"]["user"], want)


def test_callers_command_line_not_in_proc(sbx):
    """init is a copy of the CLI: its /proc/1/cmdline would show the caller's command line
    (host paths, --env values) to the program unless init rewrites it."""
    prog = sbx.write("cmdline.py", """import os, json
lines = {}
for pid in os.listdir("/proc"):
    if pid.isdigit():
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            lines[pid] = f.read().decode("utf-8", "replace")
print(json.dumps(lines))
""")
    r, rep = sbx.run_json("run", prog, "--env", "TOKEN=s3cr3t-value", "--", "arg1")
    assert rep["status"] == "ok", rep
    lines = json.loads(rep["stdout"])
    assert lines["1"].rstrip("\0") == "rusty-sandbox-init", lines
    for pid, line in lines.items():
        assert "s3cr3t-value" not in line and str(sbx.scratch) not in line, (pid, line)
