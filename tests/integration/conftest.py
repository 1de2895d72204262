"""
End-to-end harness for the rusty-sandbox CLI.

Every test that takes the `sbx` fixture runs twice: in mode "root" (the binary run directly
as root; each run maps the sandbox's uid 1000 to a host uid from the pool) and in mode "user"
(the binary run as uid 65534 through setpriv, or directly when the suite itself is not root;
the sandbox then lives in an unprivileged user namespace).

Each mode probes what it needs and skips with the reason when the host cannot provide it;
with SBX_TESTS_MUST_WORK=1 a failed probe is a failure instead, so a broken host cannot pass
as "all skipped" (STYLE.md rule 10). Resource limits need a cgroup the caller may write; where
a mode has none (uid 65534 on a cgroup v1 host) the CLI refuses with 69 unless given
--allow-weaker-limits. The probe detects that refusal and then adds the flag to every `run` of
that mode (test_cgroup_refusal checks the refusal itself); the terminal summary says so.

Layout of the per-session directory (traversable by uid 65534 whatever the clone's path is):

    <session>/bin/rusty-sandbox     copy of $SBX_BIN, 0755
    <session>/programs/*            copies of tests/integration/programs, 0644
    <session>/tmp/                  TMPDIR of every run (1777): workspaces live under
                                    tmp/rusty-sandbox-<euid>/, so leftovers can be checked exactly
    <session>/scratch/<n>/          per-test directory for generated inputs, 0755

After every test an autouse fixture checks that nothing was left behind: no run-* entry in any
workspace base dir, no process of this session (its marker or session path in the command line,
or a sandbox whose mounts come from this session's TMPDIR, which catches pool-uid and uid-65534
sandboxed processes), no mount of this session on the host, no new sbx-* run cgroup. What it
finds it reports and then removes, so one leak does not fail every later test.
"""
import json
import os
import pathlib
import secrets
import selectors
import shutil
import signal
import subprocess
import time

import pytest

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
PROGRAMS = HERE / "programs"

POOL_BASE = 2_000_000_000
POOL_SIZE = 4096
NOBODY = 65534
SETPRIV = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
MUST_WORK = os.environ.get("SBX_TESTS_MUST_WORK") == "1"
MODES = ["root", "user"]

# Generous bound for any single CLI invocation that is expected to finish by itself.
RUN_TIMEOUT = 60


# ---------------------------------------------------------------------------------------------
# host process helpers


def _read(path, limit=1 << 20):
    try:
        with open(path, "rb") as f:
            return f.read(limit)
    except OSError:
        return None


def host_processes():
    """Yield (pid, uid, cmdline str) of every process on the host except this one."""
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        status = _read(f"/proc/{name}/status")
        if status is None:
            continue
        uid = None
        for line in status.decode(errors="replace").splitlines():
            if line.startswith("Uid:"):
                uid = int(line.split()[1])
                break
        cmd = (_read(f"/proc/{name}/cmdline") or b"").replace(b"\0", b" ")
        yield int(name), uid, cmd.decode(errors="replace")


def pids_with(text):
    """Pids of host processes whose command line contains text."""
    return [pid for pid, _, cmd in host_processes() if text in cmd]


def sleeping(marker):
    """The sleeper (programs/sleeper.py) with this marker has announced itself and is asleep:
    by then init has hidden its command line, so pids_with(marker) is the run's final set."""
    for pid in pids_with(marker):
        try:
            with open("/proc/%d/comm" % pid) as f:
                if f.read().strip() == "sbx-sleeping":
                    return True
        except OSError:
            pass
    return False


def session_processes(tag):
    """Host processes that belong to this session: the tag in the command line (CLIs started
    from the session dir, programs given a marker) or a sandbox built from this session's
    workspaces (its /work mount comes from <session>/tmp)."""
    found = {}
    for pid, uid, cmd in host_processes():
        if tag in cmd:
            found[pid] = (uid, cmd)
            continue
        # Pool uids (root mode) and any other uid (user mode runs as 65534 or the caller):
        # attribute by the sandbox's mounts rather than by uid, so other users' sandboxes
        # running on the same machine are not taken for ours.
        mi = _read(f"/proc/{pid}/mountinfo")
        if mi is not None and tag.encode() in mi:
            found[pid] = (uid, cmd)
    return found


CGROUP_ROOT = "/sys/fs/cgroup"


def own_cgroup_dirs():
    """Directories of this process's own cgroups (v1: one per hierarchy; v2: the unified one),
    where the CLI creates its sbx-<run id> cgroups by default."""
    dirs = set()
    for line in (_read("/proc/self/cgroup") or b"").decode().splitlines():
        _, ctrls, path = line.split(":", 2)
        if ctrls == "":
            cand = [CGROUP_ROOT + "/unified", CGROUP_ROOT]
        else:
            cand = [CGROUP_ROOT + "/" + c.replace("name=", "") for c in ctrls.split(",")]
            cand.append(CGROUP_ROOT + "/" + ctrls.replace("name=", ""))
        for base in cand:
            d = os.path.normpath(base + path)
            if os.path.isfile(os.path.join(d, "cgroup.procs")):
                dirs.add(d)
                break
    return sorted(dirs)


def run_cgroups():
    """Run cgroups (sbx-<id>, not the supervisor leaf) under our own cgroups."""
    found = set()
    for d in own_cgroup_dirs():
        try:
            names = os.listdir(d)
        except OSError:
            continue
        found.update(os.path.join(d, n) for n in names
                     if n.startswith("sbx-") and n != "sbx-supervisor")
    return found


def pool_uid(uid):
    return uid is not None and POOL_BASE <= uid < POOL_BASE + POOL_SIZE


def need_root(why):
    """Skip a test that needs the suite to run as root, saying `why`; with
    SBX_TESTS_MUST_WORK=1 (CI runs as root) fail instead."""
    if os.geteuid() != 0:
        if MUST_WORK:
            pytest.fail("SBX_TESTS_MUST_WORK=1: %s needs the suite to run as root" % why)
        pytest.skip("%s needs root" % why)


def wait_until(pred, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def kill_pids(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


# ---------------------------------------------------------------------------------------------
# the session


class Session:
    def __init__(self, binary):
        self.tag = "sbxit" + secrets.token_hex(5)
        base = os.environ.get("SBX_ITEST_DIR", "/tmp")
        self.dir = pathlib.Path(base) / f"{self.tag}"
        self.dir.mkdir(mode=0o755)
        os.chmod(self.dir, 0o755)
        self.bin = self.dir / "bin" / "rusty-sandbox"
        self.bin.parent.mkdir(mode=0o755)
        shutil.copyfile(binary, self.bin)
        os.chmod(self.bin, 0o755)
        self.programs = self.dir / "programs"
        self.programs.mkdir(mode=0o755)
        for p in PROGRAMS.iterdir():
            if p.is_file():
                shutil.copyfile(p, self.programs / p.name)
                os.chmod(self.programs / p.name, 0o644)
        self.tmp = self.dir / "tmp"
        self.tmp.mkdir()
        os.chmod(self.tmp, 0o1777)
        self.scratch = self.dir / "scratch"
        self.scratch.mkdir(mode=0o755)
        self._n = 0
        self._probes = {}
        self.run_opts = {m: [] for m in MODES}  # added to every `run` of the mode
        self.notes = []

    def next_name(self, prefix):
        self._n += 1
        return f"{self.tag}-{prefix}{self._n}"

    def workspace_entries(self):
        """run-* entries under every rusty-sandbox-* base dir of the session TMPDIR."""
        out = []
        for base in sorted(self.tmp.glob("rusty-sandbox-*")):
            out += sorted(p for p in base.iterdir() if p.name.startswith("run-"))
        return out

    def host_mounts(self):
        text = (_read("/proc/self/mountinfo") or b"").decode(errors="replace")
        return [line for line in text.splitlines() if self.tag in line]

    def probe(self, mode):
        """None when `mode` can run here, else the reason it cannot."""
        if mode not in self._probes:
            self._probes[mode] = self._probe(mode)
        return self._probes[mode]

    def _probe(self, mode):
        ns = ["unshare", "--user", "--map-root-user", "--pid", "--mount", "--net", "--ipc",
              "--uts", "--fork", "true"]
        if mode == "root":
            if os.geteuid() != 0:
                return "root mode needs the suite to run as root (euid is %d)" % os.geteuid()
            prefix = []
        else:
            if os.geteuid() == 0:
                if not shutil.which("setpriv"):
                    return "user mode needs setpriv (util-linux) to drop to uid 65534"
                prefix = SETPRIV
            else:
                prefix = []
        if not shutil.which("unshare"):
            return "unshare (util-linux) is missing: cannot probe namespaces"
        r = subprocess.run(prefix + ns, capture_output=True, timeout=30)
        if r.returncode != 0:
            return "%s mode: cannot create user+pid+mount+net namespaces (%s): %s" % (
                mode, " ".join(prefix + ns), r.stderr.decode(errors="replace").strip())
        r = subprocess.run(prefix + [str(self.bin), "--version"], capture_output=True, timeout=30,
                           cwd="/")
        if r.returncode != 0:
            return "%s mode: cannot execute the session copy of the binary: %s" % (
                mode, r.stderr.decode(errors="replace").strip())
        # A real run. Refused for want of a writable cgroup: retry with the documented fallback.
        hello = [str(self.bin), "run", str(self.programs / "hello.py"), "--quiet"]
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TMPDIR": str(self.tmp),
               "RUSTY_SANDBOX_RUNTIME_DIR": str(self.tmp / ("live-probe-" + mode))}
        r = subprocess.run(prefix + hello, capture_output=True, timeout=60, cwd="/", env=env,
                           stdin=subprocess.DEVNULL)
        err = r.stderr.decode(errors="replace").strip()
        if r.returncode == 69 and "--allow-weaker-limits" in err:
            self.run_opts[mode] = ["--allow-weaker-limits"]
            self.notes.append("%s mode: no usable cgroup, runs use --allow-weaker-limits (%s)"
                              % (mode, err))
            r = subprocess.run(prefix + hello + self.run_opts[mode], capture_output=True,
                               timeout=60, cwd="/", env=env, stdin=subprocess.DEVNULL)
            err = r.stderr.decode(errors="replace").strip()
        if r.returncode != 0 or r.stdout != b"hello from python\n":
            return "%s mode: a hello-world run fails (exit %d): %s" % (mode, r.returncode, err)
        return None

    def cleanup(self):
        kill_pids(session_processes(self.tag))
        wait_until(lambda: not session_processes(self.tag), 5)
        left = []
        if os.geteuid() == 0:
            # root's runs keep pre-made network namespaces (nsfs mounts) for the next run:
            # the suite removes them, and none may stay
            r = subprocess.run([str(self.bin), "cleanup"], capture_output=True, timeout=60)
            mounts = (_read("/proc/self/mountinfo") or b"").decode(errors="replace")
            left = [l for l in mounts.splitlines() if " /run/rusty-sandbox/netns/" in l]
            if r.returncode != 0:
                left.append("rusty-sandbox cleanup failed: %r" % r.stderr)
        shutil.rmtree(self.dir, ignore_errors=True)
        if left:
            raise AssertionError("pre-made network namespaces left mounted: %s" % left)


@pytest.fixture(scope="session")
def session(request):
    binary = os.environ.get("SBX_BIN") or str(REPO / "build" / "rusty-sandbox")
    if not os.path.isfile(binary) or not os.access(binary, os.X_OK):
        pytest.fail("rusty-sandbox binary not found at %r (set SBX_BIN)" % binary)
    s = Session(binary)
    request.config._sbx_session = s
    yield s
    s.cleanup()


# ---------------------------------------------------------------------------------------------
# one CLI invocation


class Result:
    def __init__(self, argv, returncode, stdout, stderr, elapsed):
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed
        self.out = stdout.decode("utf-8", errors="replace")
        self.err = stderr.decode("utf-8", errors="replace")

    @property
    def report(self):
        """The --json report: exactly one JSON object, on one line, valid UTF-8."""
        text = self.stdout.decode("utf-8")  # strict: the report must be valid UTF-8
        assert text.endswith("\n") and text.count("\n") == 1, \
            "--json must print one line, got %r" % text[:500]
        obj = json.loads(text)
        assert isinstance(obj, dict)
        return obj

    def __repr__(self):
        return "Result(rc=%r, argv=%r,\n stdout=%r,\n stderr=%r)" % (
            self.returncode, self.argv, self.stdout[:2000], self.stderr[:2000])


def error_lines(err):
    """Lines of stderr that are messages (not indented continuation hints)."""
    return [l for l in err.splitlines() if l and not l.startswith((" ", "\t"))]


class Sandbox:
    """The CLI as run in one mode."""

    def __init__(self, mode, session, scratch):
        self.mode = mode
        self.session = session
        self.scratch = scratch
        if mode == "root":
            self.prefix = []
            self.caller_uid = 0
        elif os.geteuid() == 0:
            self.prefix = list(SETPRIV)
            self.caller_uid = NOBODY
        else:
            self.prefix = []
            self.caller_uid = os.geteuid()
        self.bin = str(session.bin)
        self.base_dir = session.tmp / f"rusty-sandbox-{self.caller_uid}"
        self.run_opts = list(session.run_opts[mode])

    # paths

    def prog(self, name):
        p = self.session.programs / name
        assert p.is_file(), p
        return str(p)

    def write(self, name, data, mode=0o644):
        """A generated input file in the test's scratch dir, readable by the caller."""
        p = self.scratch / name
        if isinstance(data, str):
            data = data.encode()
        p.write_bytes(data)
        os.chmod(p, mode)
        return str(p)

    # running

    def env(self, extra=None):
        env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C.UTF-8",
            "TMPDIR": str(self.session.tmp),
            # the live run registry of this test alone (made 0700 by the CLI as the caller)
            "RUSTY_SANDBOX_RUNTIME_DIR": str(self.session.tmp / ("live-" + self.scratch.name)),
        }
        env.update(extra or {})
        return env

    def argv(self, args, plain=False):
        """The command line; `run` gets the mode's options (see the module docstring) unless
        plain."""
        args = [str(a) for a in args]
        if args[:1] == ["run"] and not plain:
            args[1:1] = self.run_opts
        return self.prefix + [self.bin] + args

    def as_caller(self, args):
        """argv to run a helper command as the CLI's caller."""
        return self.prefix + [str(a) for a in args]

    def run(self, *args, input=None, stdin=subprocess.DEVNULL, env=None, timeout=RUN_TIMEOUT,
            plain=False):
        argv = self.argv(args, plain)
        if input is not None:
            stdin = None
        t0 = time.monotonic()
        p = subprocess.run(argv, input=input, stdin=stdin, capture_output=True,
                           env=self.env(env), timeout=timeout, cwd="/")
        return Result(argv, p.returncode, p.stdout, p.stderr, time.monotonic() - t0)

    def run_json(self, *args, **kw):
        """run with --json (placed before any `--`)."""
        args = list(args)
        args.insert(args.index("--") if "--" in args else len(args), "--json")
        r = self.run(*args, **kw)
        return r, r.report

    def popen(self, *args, env=None, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
              stderr=subprocess.PIPE):
        """Start the CLI in its own session (so a group signal reaches only it)."""
        return subprocess.Popen(self.argv(args), stdin=stdin, stdout=stdout, stderr=stderr,
                                env=self.env(env), cwd="/", start_new_session=True)

    def run_dirs(self):
        if not self.base_dir.is_dir():
            return []
        return sorted(p for p in self.base_dir.iterdir() if p.name.startswith("run-"))


@pytest.fixture(params=MODES)
def sbx(request, session, scratch):
    mode = request.param
    reason = session.probe(mode)
    if reason:
        if MUST_WORK:
            pytest.fail("probe failed with SBX_TESTS_MUST_WORK=1: " + reason)
        pytest.skip(reason)
    return Sandbox(mode, session, scratch)


@pytest.fixture
def scratch(session):
    d = session.scratch / session.next_name("t")
    d.mkdir(mode=0o755)
    os.chmod(d, 0o755)
    return d


@pytest.fixture
def marker(session):
    """A unique string to put in a sandboxed program's argv so the host can find it."""
    return session.next_name("mark")


# ---------------------------------------------------------------------------------------------
# nothing left behind


@pytest.fixture(autouse=True)
def nothing_left_behind(session, request):
    cgroups_before = run_cgroups()
    yield
    problems = []
    # Processes: a finished run leaves none. A short grace covers the kernel finishing the
    # teardown of a pid namespace that a test has just killed on purpose.
    wait_until(lambda: not session_processes(session.tag), 2)
    procs = session_processes(session.tag)
    if procs:
        problems.append("processes left behind: %s" % "; ".join(
            "pid %d uid %s pool=%s: %s" % (pid, uid, pool_uid(uid), cmd[:200])
            for pid, (uid, cmd) in sorted(procs.items())))
        kill_pids(procs)
        wait_until(lambda: not session_processes(session.tag), 5)
    runs = session.workspace_entries()
    if runs:
        problems.append("workspace entries left behind: %s" % [str(p) for p in runs])
        for p in runs:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
    mounts = session.host_mounts()
    if mounts:
        problems.append("mounts left on the host: %s" % mounts)
    # Run cgroups are removed by the run (or, after a supervisor died, by the next run). Other
    # users' concurrent runs may have theirs for a while: only new ones that stay count.
    wait_until(lambda: not (run_cgroups() - cgroups_before), 2)
    cgroups = sorted(run_cgroups() - cgroups_before)
    if cgroups:
        problems.append("run cgroups left behind: %s" % cgroups)
        for d in cgroups:
            for sub in sorted((os.path.join(r, n) for r, ds, _ in os.walk(d) for n in ds),
                              key=len, reverse=True) + [d]:
                try:
                    os.rmdir(sub)
                except OSError:
                    pass
    if problems:
        pytest.fail("nothing-left-behind check failed after %s:\n  %s" % (
            request.node.nodeid, "\n  ".join(problems)), pytrace=False)


# ---------------------------------------------------------------------------------------------
# helpers for tests


def read_until(stream, needle, timeout):
    """Read from a pipe until `needle` (bytes) shows up or the deadline passes; returns what
    was read."""
    fd = stream.fileno()
    buf = b""
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    try:
        while needle not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
    finally:
        sel.close()
    return buf


def finish(proc, timeout=RUN_TIMEOUT):
    """Wait for a Popen'd CLI; kill it if it hangs. Returns (rc, stdout, stderr, seconds)."""
    t0 = time.monotonic()
    if proc.stdin is not None and proc.stdin.closed:
        proc.stdin = None  # communicate() would flush it
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail("the CLI did not finish within %ss: stdout=%r stderr=%r" % (
            timeout, out[-2000:], err[-2000:]))
    return proc.returncode, out, err, time.monotonic() - t0



def pytest_terminal_summary(terminalreporter):
    s = getattr(terminalreporter.config, "_sbx_session", None)
    for note in (s.notes if s else []):
        terminalreporter.write_line("rusty-sandbox: " + note)
