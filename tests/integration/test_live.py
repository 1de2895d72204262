"""The live run registry from the readers' side: `ps`, `kill` and the dashboard, across
processes, with fake supervisors (live_fake.py: exact, known entries; hostile files next to
them) and with real sandboxed runs. The dashboard is driven in a real terminal under tmux
(send-keys, capture-pane) on a private tmux socket.

Every test points RUSTY_SANDBOX_RUNTIME_DIR at its own registry directory, owned by the mode's
caller (root, or uid 65534), so tests never see each other's runs or the host's."""
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import time

import pytest

from conftest import HERE, finish, wait_until

FAKE = HERE / "live_fake.py"
PYTHON = "/usr/bin/python3"
WAIT = 20  # generous bound for anything that should happen "soon"
ID_A = "a1b2c3d4-0000-4000-8000-00000000000a"
ID_B = "a1b2ffff-0000-4000-8000-00000000000b"
ID_C = "c0ffee00-0000-4000-8000-00000000000c"


class Registry:
    """A per-test registry directory and the fake supervisors publishing in it."""

    def __init__(self, sbx):
        self.sbx = sbx
        self.dir = sbx.scratch / "registry"
        self.dir.mkdir(mode=0o700)
        os.chown(self.dir, sbx.caller_uid, sbx.caller_uid)
        self.work = sbx.scratch / "work"  # the caller's: readiness files of the fakes
        self.work.mkdir(mode=0o755)
        os.chown(self.work, sbx.caller_uid, sbx.caller_uid)
        self.fake = sbx.scratch / "live_fake.py"
        shutil.copyfile(FAKE, self.fake)
        os.chmod(self.fake, 0o644)
        self.fakes = []
        self.env = {"RUSTY_SANDBOX_RUNTIME_DIR": str(self.dir)}

    def start_fake(self, run_id, *args):
        ready = self.work / ("ready-" + run_id)
        argv = self.sbx.as_caller([PYTHON, self.fake, self.dir, run_id, "--ready", ready,
                                   *args])
        p = subprocess.Popen(argv, cwd="/", stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
        self.fakes.append(p)
        if not wait_until(lambda: ready.exists() or p.poll() is not None, WAIT):
            pytest.fail("fake supervisor %s did not publish" % run_id)
        assert p.poll() is None, p.stderr.read()
        return p

    def ps(self, *args):
        return self.sbx.run("ps", *args, env=self.env)

    def ps_json(self):
        r = self.ps("--json")
        assert r.returncode == 0, r
        return json.loads(r.out)

    def kill(self, run_id):
        return self.sbx.run("kill", run_id, env=self.env)

    def finished(self, run_id):
        path = self.dir / "finished" / (run_id + ".json")
        return json.loads(path.read_text()) if path.exists() else None

    def close(self):
        for p in self.fakes:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


@pytest.fixture
def reg(sbx):
    r = Registry(sbx)
    yield r
    r.close()


# ---------------------------------------------------------------------------------------------
# ps and kill with fake supervisors


def test_ps_no_runs(reg):
    r = reg.ps()
    assert r.returncode == 0, r
    assert r.out == "no live runs\n"
    assert reg.ps_json() == []


def test_ps_lists_fakes(reg):
    a = reg.start_fake(ID_A, "--file", "/work/alpha.py", "--events", "2")
    b = reg.start_fake(ID_B, "--file", "/work/beta.js", "--runtime", "javascript",
                       "--memory-limit", "0")
    r = reg.ps()
    assert r.returncode == 0, r
    lines = r.out.splitlines()
    assert lines[0].split() == ["ID", "USER", "RUNTIME", "ELAPSED", "CPU%", "MEM/LIMIT", "PIDS",
                                "STATE", "EVENTS", "FILE"]
    rows = {l.split()[0]: l.split() for l in lines[1:]}
    assert set(rows) == {ID_A[:8], ID_B[:8]}, r.out
    ra, rb = rows[ID_A[:8]], rows[ID_B[:8]]
    assert ra[2] == "python" and ra[-1] == "/work/alpha.py" and ra[-3] == "running"
    assert ra[-2] == "2"
    assert ra[5].endswith("/512M"), ra
    assert rb[2] == "javascript" and rb[5].endswith("/-"), rb  # no memory limit
    objs = {o["id"]: o for o in reg.ps_json()}
    assert set(objs) == {ID_A, ID_B}
    oa = objs[ID_A]
    assert oa["schema"] == 1 and oa["state"] == "running"
    assert oa["supervisor_pid"] == a.pid and objs[ID_B]["supervisor_pid"] == b.pid
    assert oa["uid"] == reg.sbx.caller_uid
    assert oa["limits"]["memory_limit_bytes"] == 512 << 20
    assert oa["enforcement"] == {"memory": "cgroup-v2", "network": "netns"}
    assert oa["n_events"] == 2 and len(oa["recent_events"]) == 2
    assert oa["sample"]["pids"] == 3
    assert "future_field" not in oa  # unknown fields are ignored, not passed through


def test_ps_never_prints_terminal_escapes(reg):
    """Strings in entries come from other processes: no control characters reach the
    terminal."""
    reg.start_fake(ID_A, "--file", "/work/\x1b]0;pwned\x07\x1b[2J.py", "--runtime", "py\x1b[31m")
    reg.start_fake(ID_B, "--runtime", "py\x1b[31m")
    r = reg.ps()
    assert r.returncode == 0, r
    assert "\x1b" not in r.out and "\x07" not in r.out, r.out
    assert "/work/?]0;pwned??[2J.py" in r.out, r.out
    r = reg.kill("a1b2")  # the ambiguity message names the runtimes
    assert r.returncode == 1 and "py?[31m" in r.err and "\x1b" not in r.err, r.err
    objs = {o["id"]: o for o in reg.ps_json()}  # JSON keeps them, escaped
    assert objs[ID_A]["file"] == "/work/\x1b]0;pwned\x07\x1b[2J.py"


def test_kill_prefix_and_ambiguity(reg):
    a = reg.start_fake(ID_A)
    b = reg.start_fake(ID_B)
    r = reg.kill("a1b2")
    assert r.returncode == 1, r
    assert ID_A in r.err and ID_B in r.err and "give more of the id" in r.err, r.err
    assert a.poll() is None and b.poll() is None, "an ambiguous kill signals nobody"
    r = reg.kill("a1b2c")
    assert r.returncode == 0, r
    assert r.out == "cancelled run %s (/work/prog.py)\n" % ID_A
    assert a.wait(WAIT) == 143  # the fake ends like the CLI on SIGTERM
    assert b.poll() is None
    fin = reg.finished(ID_A)
    assert fin["state"] == "finished" and fin["verdict"] == "cancelled"
    r = reg.kill("a1b2c")
    assert r.returncode == 1 and "already finished (verdict cancelled)" in r.err, r
    assert [o["id"] for o in reg.ps_json()] == [ID_B]


def test_kill_unknown_and_bad_ids(reg):
    r = reg.kill("deadbeef")
    assert r.returncode == 1 and "no live run with id 'deadbeef'" in r.err, r
    r = reg.kill("../../etc")
    assert r.returncode == 1 and "not a run id" in r.err, r
    r = reg.sbx.run("kill", env=reg.env)
    assert r.returncode == 64, r
    r = reg.sbx.run("kill", "a", "b", env=reg.env)
    assert r.returncode == 64, r


def test_stale_entry_is_removed(reg):
    a = reg.start_fake(ID_A)
    reg.start_fake(ID_C)
    os.killpg(a.pid, signal.SIGKILL)  # a supervisor that dies without finishing its entry
    a.wait()
    assert (reg.dir / (ID_A + ".json")).exists()
    assert [o["id"] for o in reg.ps_json()] == [ID_C]
    assert not (reg.dir / (ID_A + ".json")).exists(), "the same user's reader cleans it up"
    r = reg.kill(ID_A[:8])
    assert r.returncode == 1, r


def test_hostile_entries_are_skipped(reg):
    reg.start_fake(ID_C)
    d = reg.dir
    (d / "bad00001.json").write_text("{not json")
    (d / "bad00002.json").write_text(" " * (70 * 1024))
    os.mkfifo(d / "bad00003.json")  # must not block the reader
    os.symlink("/etc/passwd", d / "bad00004.json")
    (d / "bad00005.json").mkdir()
    for p in d.iterdir():
        if p.name.startswith("bad"):
            os.lchown(p, reg.sbx.caller_uid, reg.sbx.caller_uid)
    r = reg.ps()
    assert r.returncode == 0, r
    assert [l.split()[0] for l in r.out.splitlines()[1:]] == [ID_C[:8]]
    assert "5 registry entries ignored" in r.err, r.err
    assert [o["id"] for o in reg.ps_json()] == [ID_C]


def test_untrusted_registry_is_refused(reg):
    os.chmod(reg.dir, 0o777)  # anyone could plant entries in it
    r = reg.ps()
    assert r.returncode == 69, r
    assert str(reg.dir) in r.err and "not group- or other-writable" in r.err, r.err
    os.chmod(reg.dir, 0o700)
    if reg.sbx.caller_uid != 0:
        os.chown(reg.dir, 0, 0)  # another user's registry, readable by all
        os.chmod(reg.dir, 0o755)
        r = reg.ps()
        assert r.returncode == 69 and "owned by uid 0" in r.err, r


# ---------------------------------------------------------------------------------------------
# real runs

HOLDER = """\
import sys, time
block = bytearray(int(sys.argv[2]) << 20)
for i in range(0, len(block), 4096):
    block[i] = 1
print("holding", sys.argv[1], flush=True)
time.sleep(float(sys.argv[3]))
"""


def start_real(sbx, reg, marker, mb=40, seconds=60, *opts):
    prog = sbx.write("holder.py", HOLDER)
    p = sbx.popen("run", prog, "--json", "--timeout", "120", *opts, "--", marker, str(mb),
                  str(seconds), env=reg.env)

    def listed():
        objs = reg.ps_json()
        good = [o for o in objs if o["state"] == "running" and o["sample"]
                and o["sample"]["memory_bytes"] >= mb << 20]
        return good[0] if good else None

    run = wait_until(listed, WAIT, interval=0.2)
    if not run:
        os.killpg(p.pid, signal.SIGKILL)
        rc, out, err, _ = finish(p, 30)
        pytest.fail("the run never showed up in ps: rc=%r err=%r" % (rc, err[-2000:]))
    return p, run


def test_real_run_ps_and_kill(sbx, reg, marker):
    p, run = start_real(sbx, reg, marker)
    assert run["supervisor_pid"] == p.pid  # the CLI is the supervisor
    assert run["runtime"] == "python" and run["file"].endswith("/holder.py")
    assert run["uid"] == sbx.caller_uid
    assert run["limits"]["memory_limit_bytes"] == 512 << 20
    assert run["enforcement"], run
    r = reg.ps()
    assert run["id"][:8] in r.out and "/512M" in r.out, r.out
    r = reg.kill(run["id"][:8])
    assert r.returncode == 0, r
    rc, out, err, _ = finish(p, WAIT)
    assert rc == 143, (rc, err)
    assert json.loads(out)["status"] == "cancelled"
    fin = reg.finished(run["id"])
    assert fin and fin["verdict"] == "cancelled" and fin["state"] == "finished", fin
    assert reg.ps_json() == []


# ---------------------------------------------------------------------------------------------
# the dashboard under tmux


class Tmux:
    """A private tmux server with one session running the dashboard as the mode's caller."""

    def __init__(self, sbx, reg, width=100, height=30, lang="C.UTF-8"):
        self.sock = "sbxdash-" + secrets.token_hex(6)
        # an explicit socket in the test's scratch dir (removed with the session): -L would
        # leave /tmp/tmux-UID behind on the host
        self.socket_path = str(sbx.scratch / self.sock)
        self.width, self.height = width, height
        self.sbx, self.reg, self.lang = sbx, reg, lang

    def start(self):
        sbx, reg, lang, width, height = self.sbx, self.reg, self.lang, self.width, self.height
        env = ["env", "-i", "PATH=/usr/bin:/bin", "LANG=" + lang, "TERM=xterm",
               "RUSTY_SANDBOX_RUNTIME_DIR=" + str(reg.dir)]
        # The exit status goes to a file: tmux fills #{pane_dead_status} only once it reaps the
        # pane's process, which under load can come after any reasonable wait.
        self.status_dir = sbx.scratch / ("dash-" + self.sock)
        self.status_dir.mkdir()
        os.chmod(self.status_dir, 0o777)
        self.status_file = self.status_dir / "status"
        cmd = sbx.as_caller(["sh", "-c", '"$@"; echo "$?" > ' + shlex.quote(str(self.status_file)),
                             "sh"] + env + [sbx.bin, "dashboard"])
        self.tmux("new-session", "-d", "-s", "dash", "-x", str(width), "-y", str(height),
                  shlex.join(cmd))
        self.tmux("set-option", "-t", "dash", "remain-on-exit", "on")
        assert self.tmux("display-message", "-p", "#{socket_path}").strip() == self.socket_path

    def tmux(self, *args):
        r = subprocess.run(["tmux", "-S", self.socket_path, *args], capture_output=True, timeout=30,
                           env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "xterm"})
        assert r.returncode == 0, (args, r.stderr)
        return r.stdout.decode("utf-8", errors="replace")

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "dash").rstrip("\n").split("\n")

    def text(self):
        return "\n".join(self.screen())

    def wait_for(self, pred, what):
        got = wait_until(lambda: pred(self.text()), WAIT, interval=0.1)
        assert got, "%s; the screen was:\n%s" % (what, self.text())

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "dash", *keys)

    def resize(self, w, h):
        self.width, self.height = w, h
        self.tmux("resize-window", "-t", "dash", "-x", str(w), "-y", str(h))

    def exit_status(self):
        """The dashboard's exit status once it has exited, else None."""
        try:
            return int(self.status_file.read_text())
        except (OSError, ValueError):
            return None

    def sane(self):
        """The layout fits: no line wider than the terminal, the title bar on top."""
        lines = self.screen()
        assert lines[0].startswith(" rusty-sandbox dashboard"), lines
        assert len(lines) <= self.height
        wide = [l for l in lines if len(l) > self.width]
        assert not wide, wide

    def close(self):
        subprocess.run(["tmux", "-S", self.socket_path, "kill-server"], capture_output=True,
                       timeout=30)
        try:
            os.unlink(self.socket_path)
        except FileNotFoundError:
            pass


@pytest.fixture
def tmux_factory(sbx, reg):
    if not shutil.which("tmux"):
        pytest.fail("tmux is required for the dashboard tests (scripts/install-deps.sh)")
    made = []

    def make(**kw):
        t = Tmux(sbx, reg, **kw)
        made.append(t)  # before it starts: teardown kills the server whatever happens
        t.start()
        return t

    yield make
    for t in made:
        t.close()


BAR = re.compile(r"\[[\u2588\u2591#.]+\] *\S+/512M")


def test_dashboard_real_run_kill_and_verdict(sbx, reg, marker, tmux_factory):
    t = tmux_factory()
    t.wait_for(lambda s: "No live runs" in s, "the dashboard says when there are no runs")
    p, run = start_real(sbx, reg, marker, 60)
    short = run["id"][:8]
    t.wait_for(lambda s: short in s and BAR.search(s), "the run with its memory bar")
    row = next(l for l in t.screen() if short in l and BAR.search(l))
    assert row.startswith(">") and "python" in row and "running" in row, row
    assert "Run " + run["id"] in t.text(), "the detail pane shows the selected run"
    assert "Limits   memory 512M" in t.text()
    t.keys("k")
    t.wait_for(lambda s: "Kill run %s? It ends as cancelled. [y/N]" % run["id"] in s,
               "the kill confirmation")
    t.keys("y")
    rc, out, err, _ = finish(p, WAIT)
    assert rc == 143, (rc, err)
    assert json.loads(out)["status"] == "cancelled"
    t.wait_for(lambda s: re.search(r"^ %s python +cancelled" % short, s, re.M),
               "the finished list with the verdict")
    t.wait_for(lambda s: "No live runs" in s, "the run has left the live table")
    t.keys("q")
    wait_until(lambda: t.exit_status() is not None, WAIT)
    assert t.exit_status() == 0, "q quits with status 0"


def test_dashboard_no_kill_without_yes(reg, tmux_factory):
    a = reg.start_fake(ID_A)
    t = tmux_factory()
    t.wait_for(lambda s: ID_A[:8] in s, "the run")
    t.keys("k")
    t.wait_for(lambda s: "[y/N]" in s, "the kill confirmation")
    t.keys("n")
    t.wait_for(lambda s: "kill cancelled" in s, "the confirmation answered no")
    assert a.poll() is None


def test_dashboard_resize_filter_help(reg, tmux_factory):
    reg.start_fake(ID_A, "--file", "/work/alpha.py", "--events", "3")
    reg.start_fake(ID_C, "--file", "/work/gamma.js", "--runtime", "javascript")
    t = tmux_factory()
    t.wait_for(lambda s: ID_A[:8] in s and ID_C[:8] in s, "both runs")
    t.sane()
    assert "ptrace(PTRACE_TRACEME) refused" in t.text() or "Events" in t.text()
    for w, h in [(80, 24), (60, 16), (40, 12), (100, 30)]:
        t.resize(w, h)
        t.wait_for(lambda s, w=w: len(s.split("\n")[0]) <= w and
                   "rusty-sandbox dashboard" in s.split("\n")[0], "a redraw at %dx%d" % (w, h))
        t.sane()
        assert ID_A[:8] in t.text() and ID_C[:8] in t.text(), (w, h, t.text())
    t.resize(80, 24)
    t.keys("f")
    t.keys("-l", "gamma")
    t.keys("Enter")
    t.wait_for(lambda s: "filter: gamma" in s and ID_A[:8] not in s and ID_C[:8] in s,
               "the filter keeps only the matching run")
    t.keys("Escape")
    t.wait_for(lambda s: ID_A[:8] in s and "filter:" not in s, "Esc clears the filter")
    t.keys("?")
    t.wait_for(lambda s: "kill (cancel) the selected run" in s, "the help overlay")
    t.sane()
    t.keys("x")
    t.wait_for(lambda s: "kill (cancel) the selected run" not in s, "any key closes the help")
    t.keys("Down")
    t.wait_for(lambda s: any(l.startswith(">" + ID_C[:8]) for l in s.split("\n")),
               "Down selects the second run")


def test_dashboard_ascii_locale_and_lost_runs(reg, tmux_factory):
    a = reg.start_fake(ID_A)
    t = tmux_factory(width=80, height=24, lang="C")
    t.wait_for(lambda s: re.search(r"\[#+\.*\] *\S+/512M", s), "an ASCII memory bar")
    assert all(ord(c) < 128 for c in t.text()), "only ASCII in the C locale:\n" + t.text()
    assert re.search(r"^-- Finished \(0\) -+$", t.text(), re.M), t.text()
    os.killpg(a.pid, signal.SIGKILL)
    a.wait()
    t.wait_for(lambda s: re.search(r"^ %s python +lost" % ID_A[:8], s, re.M),
               "a supervisor that died shows as lost")
    t.sane()
