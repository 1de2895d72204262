#!/usr/bin/env python3
"""
rusty-sandbox benchmark (DESIGN.md section 7). Standard library only.

Measures, against the bare interpreter and against bubblewrap with comparable isolation:
  1. startup overhead: wall time of `python3 pass.py` and `node empty.js`, variants alternated
     run by run, median / p10 / p90 and the median overhead over bare;
  2. throughput: runs/s of `python3 pass.py` with 2 concurrent workers;
  3. stage breakdown: the `timings` array of `rusty-sandbox run pass.py --json`;
  4. WebAssembly: examples/hello.wat assembled to hello.wasm, end to end in the sandbox against
     bare `node -e 0` (and the same WASI host under plain node, to split host from sandbox), and
     a compute-heavy module (tests/data/wasm/wasi-test.c `compute`, built with clang
     --target=wasm32-wasi) in the sandbox against the same host script under plain node;
and prints them beside the budget of DESIGN section 7. It is a measurement, not a test: the exit
status is 0 even when over budget, and non-zero only when a variant cannot run at all.

    bench.py --bin build/rusty-sandbox [--runs 60] [--seconds 5] [--json FILE] [--as-user]

See bench/README.md for the method and how to read the output.
"""

import argparse
import json
import math
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

# DESIGN.md section 7.
BUDGET_OVERHEAD_MS = 1.5
BUDGET_THROUGHPUT = 180.0
BUDGET_SUPERVISOR_KIB = 4096  # supervisor resident memory under 4 MiB
DESIGN_BARE_MS = {"python": 11.0, "node": 30.0}  # measured there with -c pass / -e 0
DESIGN_BWRAP_OVERHEAD_MS = 6.0
DESIGN_BARE_THROUGHPUT = 203.0
DESIGN_BWRAP_THROUGHPUT = 122.0

CLEAN_PATH = "/usr/bin:/bin"  # the whole host environment of every run: env -i PATH=... (+TMPDIR)
NOBODY = 65534
RUN_TIMEOUT_S = 60  # a single run that takes longer than this is a hang, not a measurement

LANGS = {
    # lang: (interpreter command, file name, file content)
    "python": ("python3", "pass.py", "pass\n"),
    "node": ("node", "empty.js", ""),
}

# /etc files rusty-sandbox binds read-only (src/platform/linux/mounts.c); bwrap gets the same.
BWRAP_ETC = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
             "/etc/alternatives", "/etc/nsswitch.conf"]
BWRAP_TOP_DIRS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]

T_START = time.monotonic()


def progress(msg):
    print(f"[bench {time.monotonic() - T_START:6.1f}s] {msg}", file=sys.stderr, flush=True)


def fstype(path):
    """Filesystem type of path, from /proc/self/mounts (longest matching mount point)."""
    best, kind = "", "?"
    try:
        real = os.path.realpath(path)
        with open("/proc/self/mounts") as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3:
                    continue
                mnt = parts[1].replace("\\040", " ")
                inside = real == mnt or real.startswith(mnt.rstrip("/") + "/")
                if inside and len(mnt) >= len(best):
                    best, kind = mnt, parts[2]
    except OSError:
        pass
    return kind


def host_busy(seconds=0.5):
    """Fraction of CPU time not idle over a short sample of /proc/stat (None if unreadable)."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + (v[4] if len(v) > 4 else 0)  # total, idle + iowait
    try:
        t0, i0 = sample()
        time.sleep(seconds)
        t1, i1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1.0 - (i1 - i0) / (t1 - t0) if t1 > t0 else None


class Interrupted(Exception):
    pass


def on_sigterm(signum, frame):
    raise Interrupted(signum)


# ---------------------------------------------------------------------------------------------
# statistics

def percentile(xs, q):
    """Linear interpolation between closest ranks (numpy's default)."""
    if not xs:
        return None
    s = sorted(xs)
    pos = (len(s) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def summary(xs):
    if not xs:
        return {"n": 0, "median": None, "p10": None, "p90": None, "mean": None, "stdev": None,
                "min": None, "max": None}
    return {
        "n": len(xs),
        "median": statistics.median(xs),
        "p10": percentile(xs, 0.10),
        "p90": percentile(xs, 0.90),
        "mean": statistics.fmean(xs),
        "stdev": statistics.stdev(xs) if len(xs) > 1 else 0.0,
        "min": min(xs),
        "max": max(xs),
    }


def fmt(x, nd=2, sign=False):
    if x is None:
        return "-"
    return f"{x:+.{nd}f}" if sign else f"{x:.{nd}f}"


def table(headers, rows, align=None):
    """Plain-text table; align is a string of 'l'/'r' per column."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    align = align or "l" + "r" * (len(headers) - 1)
    out = []
    for n, r in enumerate(cells):
        out.append("  ".join(c.ljust(w) if a == "l" else c.rjust(w)
                             for c, w, a in zip(r, widths, align)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# running things

class Watchdog:
    """Kills a run that hangs. subprocess.run(timeout=...) cannot be used for timing: with a
    timeout its wait() polls with growing sleeps (0.5, 1, 2, 4 ... ms), which quantises the
    measured wall time; without one it blocks in waitpid() and wakes exactly at the exit."""

    def __init__(self):
        self.lock = threading.Lock()
        self.live = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop.wait(1.0):
            now = time.monotonic()
            with self.lock:
                overdue = [p for p, deadline in self.live.items() if deadline < now]
            for p in overdue:
                try:
                    p.kill()
                except OSError:
                    pass

    def add(self, p):
        with self.lock:
            self.live[p] = time.monotonic() + RUN_TIMEOUT_S

    def remove(self, p):
        with self.lock:
            self.live.pop(p, None)

    def close(self):
        """Kill whatever still runs (only after an interruption) and stop the thread."""
        self.stop.set()
        with self.lock:
            left = list(self.live)
        for p in left:
            try:
                p.kill()
                p.wait()
            except OSError:
                pass


WATCHDOG = None


def run_proc(argv, cwd, env, capture):
    """Run argv to completion; returns (returncode, stdout, stderr, wall ns). The clock runs
    from just before the spawn to just after the reap."""
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    WATCHDOG.add(p)
    try:
        so, se = p.communicate() if capture else (None, None)
        rc = p.wait()
        ns = time.perf_counter_ns() - t0
    except BaseException:
        p.kill()
        p.wait()
        raise
    finally:
        WATCHDOG.remove(p)
    return rc, so, se, ns


class Variant:
    def __init__(self, key, argv, cwd, env):
        self.key, self.argv, self.cwd, self.env = key, argv, cwd, env

    def timed(self):
        """One run, stdout/stderr to /dev/null. Returns (ok, wall ns)."""
        rc, _, _, ns = run_proc(self.argv, self.cwd, self.env, False)
        return rc == 0, ns

    def capture(self):
        """One run with stdout and stderr captured. Returns (returncode, stdout, stderr, ns)."""
        return run_proc(self.argv, self.cwd, self.env, True)


def quiet_output(argv, env=None):
    try:
        p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=20)
        return p.stdout.decode(errors="replace").strip()
    except (OSError, subprocess.TimeoutExpired):
        return None


class Bench:
    def __init__(self, args):
        self.args = args
        self.notes = []        # printed at the end: skipped rows and other caveats
        self.failures = []     # variants that could not run at all (-> exit 1)
        self.broken = set()    # (lang, variant) found broken: not run again
        self.sbx_args = shlex.split(args.sbx_args)
        if args.as_user and "--allow-weaker-limits" not in self.sbx_args:
            # An unprivileged user needs a delegated cgroup v2 subtree for cgroup limits; where
            # there is none (cgroup v1 hosts) the run is refused without this flag.
            self.sbx_args.append("--allow-weaker-limits")
            self.notes.append("--as-user: rusty-sandbox runs with --allow-weaker-limits (rlimits "
                              "where no delegated cgroup exists; the enforcement map says which)")
        self.results = {"meta": {}, "startup": {}, "throughput": {}, "stages": {}, "wasm": {}}
        self.root = None

    # -- setup ---------------------------------------------------------------------------------

    def setup(self):
        a = self.args
        self.prefix = []
        if a.as_user:
            setpriv = shutil.which("setpriv", path=CLEAN_PATH)
            if not setpriv:
                sys.exit("bench: --as-user needs setpriv (util-linux)")
            self.prefix = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        run_uid = NOBODY if a.as_user else os.geteuid()
        run_gid = NOBODY if a.as_user else os.getegid()

        self.root = tempfile.mkdtemp(prefix="sbx-bench-", dir=a.tmpdir)
        os.chmod(self.root, 0o755)  # as-user: the unprivileged user must reach its files
        self.files = os.path.join(self.root, "files")       # cwd of the bare/sandbox runs
        self.bwrap_ws = os.path.join(self.root, "bwrap-work")  # bwrap's writable /work
        self.sbx_tmp = os.path.join(self.root, "tmp")        # TMPDIR: the sandbox's state dir
        os.mkdir(self.files, 0o755)
        for d in (self.bwrap_ws, self.sbx_tmp):
            os.mkdir(d, 0o700)
            os.chown(d, run_uid, run_gid)
        for _, name, content in LANGS.values():
            for d in (self.files, self.bwrap_ws):
                p = os.path.join(d, name)
                with open(p, "w") as f:
                    f.write(content)
                os.chmod(p, 0o644)
                if d == self.bwrap_ws:
                    os.chown(p, run_uid, run_gid)
        if a.as_user:
            bindir = os.path.join(self.root, "bin")
            os.mkdir(bindir, 0o755)
            self.sbx_bin = os.path.join(bindir, "rusty-sandbox")
            shutil.copy2(self.bin, self.sbx_bin)
            os.chmod(self.sbx_bin, 0o755)
            if self.floor:
                floor = os.path.join(bindir, "sbx-bench-floor")
                shutil.copy2(self.floor, floor)
                os.chmod(floor, 0o755)
                self.floor = floor
        else:
            self.sbx_bin = self.bin
        # The sandbox keeps state (version cache, run dirs) under $TMPDIR/rusty-sandbox-UID:
        # pointing TMPDIR into our temp dir keeps it away from other users' runs and lets the
        # cleanup remove it. Every variant gets the same environment.
        self.env = {"PATH": CLEAN_PATH, "TMPDIR": self.sbx_tmp}

    def cleanup(self):
        if self.root and os.path.isdir(self.root):
            shutil.rmtree(self.root, ignore_errors=True)
            if os.path.exists(self.root):
                print(f"bench: could not remove {self.root}", file=sys.stderr)
        self.root = None

    def bwrap_argv(self, interp, name):
        argv = [self.bwrap, "--unshare-all", "--die-with-parent", "--new-session",
                "--ro-bind", "/usr", "/usr"]
        for d in BWRAP_TOP_DIRS:
            if os.path.islink(d):
                argv += ["--symlink", os.readlink(d), d]
            elif os.path.isdir(d):
                argv += ["--ro-bind", d, d]
        for f in BWRAP_ETC:
            if os.path.exists(f):
                argv += ["--ro-bind", f, f]
        argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                 "--bind", self.bwrap_ws, "/work", "--chdir", "/work",
                 "--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
                 "--setenv", "HOME", "/work", "--setenv", "LANG", "C.UTF-8",
                 interp, name]
        return argv

    def probe(self):
        """Find the tools; decide which rows can run. Fills self.langs and self.bwrap."""
        a = self.args
        self.bin = os.path.abspath(a.bin)
        if not (os.path.isfile(self.bin) and os.access(self.bin, os.X_OK)):
            sys.exit(f"bench: {a.bin}: no such executable (build it first: "
                     f"meson setup build && ninja -C build)")
        if a.as_user and os.geteuid() != 0:
            sys.exit("bench: --as-user switches to uid 65534 with setpriv and needs root")
        self.langs = []
        for lang, (interp, _, _) in LANGS.items():
            if lang not in a.langs:
                continue
            path = shutil.which(interp, path=CLEAN_PATH)
            if path:
                self.langs.append(lang)
            else:
                self.notes.append(f"{lang}: '{interp}' not found in {CLEAN_PATH}; rows skipped")
        if "python" not in self.langs:
            sys.exit("bench: python3 is needed (throughput and stage breakdown use it)")
        self.bwrap = shutil.which("bwrap", path=CLEAN_PATH)
        if not self.bwrap:
            self.notes.append("bubblewrap: bwrap not installed; bwrap rows skipped "
                              "(apt-get install bubblewrap)")
        self.floor = os.path.abspath(a.floor) if a.floor else \
            os.path.join(os.path.dirname(self.bin), "sbx-bench-floor")
        if not (os.path.isfile(self.floor) and os.access(self.floor, os.X_OK)):
            self.notes.append(f"ns-floor: {self.floor} not found (ninja -C build "
                              f"sbx-bench-floor); ns-floor rows skipped")
            self.floor = None

    def probe_bwrap(self):
        if not self.bwrap:
            return
        argv = self.prefix + [self.bwrap, "--unshare-all", "--die-with-parent",
                              "--ro-bind", "/", "/", "true"]
        p = subprocess.run(argv, env=self.env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20)
        if p.returncode != 0:
            self.notes.append("bubblewrap: cannot create namespaces here; bwrap rows skipped: "
                              + p.stderr.decode(errors="replace").strip())
            self.bwrap = None

    def meta(self):
        m = self.results["meta"]
        m["date"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        m["kernel"] = platform.release()
        m["cpus"] = os.cpu_count()
        m["loadavg_start"] = os.getloadavg()
        m["as_user"] = self.args.as_user
        m["run_uid"] = NOBODY if self.args.as_user else os.geteuid()
        m["bin"] = self.bin
        m["runs"] = self.args.runs
        m["warmup"] = self.args.warmup
        m["seconds"] = self.args.seconds
        m["workers"] = self.args.workers
        m["environment"] = {"PATH": CLEAN_PATH, "TMPDIR": self.sbx_tmp}
        m["tmpdir_fstype"] = fstype(self.sbx_tmp)
        m["prefix"] = self.prefix
        m["sbx_args"] = self.sbx_args
        git = quiet_output(["git", "-C", os.path.dirname(self.bin), "rev-parse", "HEAD"])
        m["git_commit"] = git if git and len(git) == 40 else None
        clean = {"PATH": CLEAN_PATH}
        m["python"] = quiet_output(["python3", "--version"], clean)
        m["node"] = quiet_output(["node", "--version"], clean) if "node" in self.langs else None
        m["bwrap"] = quiet_output([self.bwrap, "--version"], clean) if self.bwrap else None
        m["budget"] = {"overhead_ms": BUDGET_OVERHEAD_MS, "throughput_runs_s": BUDGET_THROUGHPUT,
                       "supervisor_kib": BUDGET_SUPERVISOR_KIB}
        m["host_busy_start"] = host_busy()
        if m["host_busy_start"] is not None and m["host_busy_start"] > 0.25:
            self.notes.append(f"other work kept the CPUs {100 * m['host_busy_start']:.0f}% busy "
                              f"just before the bench started: expect noisier numbers")

    def variants(self, lang, sandbox_flag="--quiet"):
        interp, name, _ = LANGS[lang]
        vs = [Variant("bare", self.prefix + [interp, name], self.files, self.env),
              Variant("rusty-sandbox", self.prefix + [self.sbx_bin, "run", name, sandbox_flag]
                      + self.sbx_args, self.files, self.env)]
        if self.bwrap:
            vs.append(Variant("bwrap", self.prefix + self.bwrap_argv(interp, name),
                              self.files, self.env))
        if self.floor:
            # Root's sandbox runs join a pre-made network namespace; an unprivileged user's
            # make one, and so does the floor then.
            netns = ["--new-netns"] if self.args.as_user else []
            vs.append(Variant("ns-floor", self.prefix + [self.floor] + netns
                              + [shutil.which(interp, path=CLEAN_PATH), name],
                              self.files, self.env))
        return vs

    def preflight(self, lang, vs):
        """Run each variant once with its stderr captured; drop (and report) the broken ones."""
        ok = []
        for v in vs:
            if (lang, v.key) in self.broken:
                continue
            rc, _, err, _ = v.capture()
            if rc == 0:
                ok.append(v)
                continue
            msg = err.decode(errors="replace").strip() or "(no stderr)"
            print(f"bench: {lang}/{v.key} fails to run (exit {rc}):\n  $ {' '.join(v.argv)}\n"
                  + "\n".join("  | " + line for line in msg.splitlines()), file=sys.stderr)
            self.failures.append(f"{lang}/{v.key}: exit {rc}: {msg.splitlines()[-1]}")
            self.broken.add((lang, v.key))
        return ok

    # -- 1. startup ----------------------------------------------------------------------------

    def startup(self, lang):
        a = self.args
        vs = self.preflight(lang, self.variants(lang))
        if not vs:
            return
        progress(f"startup/{lang}: {a.warmup} warm-up rounds of {', '.join(v.key for v in vs)}")
        for _ in range(a.warmup):
            for v in vs:
                v.timed()
        samples = {v.key: [None] * a.runs for v in vs}
        failed = {v.key: 0 for v in vs}
        step = max(1, a.runs // 4)
        for i in range(a.runs):  # ABCABC...: every round runs each variant once
            for v in vs:
                ok, ns = v.timed()
                if ok:
                    samples[v.key][i] = ns / 1e6
                else:
                    failed[v.key] += 1
            if (i + 1) % step == 0 or i + 1 == a.runs:
                so_far = {k: [x for x in s[:i + 1] if x is not None] for k, s in samples.items()}
                med = ", ".join(f"{k} {fmt(statistics.median(xs)) if xs else '-'}"
                                for k, xs in so_far.items())
                progress(f"startup/{lang}: {i + 1}/{a.runs} rounds (median ms so far: {med})")
        res = {}
        bare = samples.get("bare")
        bare_med = statistics.median([x for x in bare if x is not None]) if bare and any(
            x is not None for x in bare) else None
        for v in vs:
            xs = [x for x in samples[v.key] if x is not None]
            st = summary(xs)
            st["failed_runs"] = failed[v.key]
            st["samples_ms"] = samples[v.key]
            st["argv"] = v.argv
            if bare_med is not None and st["median"] is not None:
                st["overhead_ms"] = st["median"] - bare_med
                paired = [x - b for x, b in zip(samples[v.key], bare)
                          if x is not None and b is not None]
                st["paired_overhead_ms"] = statistics.median(paired) if paired else None
            else:
                st["overhead_ms"] = st["paired_overhead_ms"] = None
            if failed[v.key]:
                self.notes.append(f"startup/{lang}/{v.key}: {failed[v.key]} of {a.runs} timed runs "
                                  f"failed and are left out of the statistics")
            res[v.key] = st
        self.results["startup"][lang] = res

    # -- 2. throughput -------------------------------------------------------------------------

    def burst(self, v, seconds, workers):
        """`workers` threads run v back to back; none starts a run after `seconds`. Returns
        (completed runs, failed runs, elapsed ns until the last run ended)."""
        stop = threading.Event()
        counts, fails, ends = [0] * workers, [0] * workers, [0] * workers
        start = time.perf_counter_ns()
        deadline = start + int(seconds * 1e9)

        def work(i):
            while not stop.is_set() and time.perf_counter_ns() < deadline:
                ok, _ = v.timed()
                if ok:
                    counts[i] += 1
                else:
                    fails[i] += 1
                ends[i] = time.perf_counter_ns()

        threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(workers)]
        for t in threads:
            t.start()
        try:
            for t in threads:
                while t.is_alive():
                    t.join(0.2)
        finally:
            stop.set()
            for t in threads:
                t.join()
        end = max(ends) if any(ends) else time.perf_counter_ns()
        return sum(counts), sum(fails), end - start

    def throughput(self):
        a = self.args
        vs = self.preflight("python", self.variants("python"))
        if not vs:
            return
        # The variants take turns in 1-second slices (ABCABC...), so a change of host load
        # during the bench hits all of them alike.
        n_slices = max(1, round(a.seconds))
        slice_s = a.seconds / n_slices
        acc = {v.key: {"runs": 0, "failed_runs": 0, "elapsed_s": 0.0, "slices": []} for v in vs}
        progress(f"throughput: {a.workers} workers, {a.seconds:g} s per variant in "
                 f"{n_slices} alternating slices")
        for s in range(n_slices):
            for v in vs:
                runs, fails, ns = self.burst(v, slice_s, a.workers)
                r = acc[v.key]
                r["runs"] += runs
                r["failed_runs"] += fails
                r["elapsed_s"] += ns / 1e9
                r["slices"].append({"runs": runs, "failed_runs": fails, "elapsed_s": ns / 1e9})
            rates = ", ".join(f"{k} {r['runs'] / r['elapsed_s']:.0f}/s"
                              for k, r in acc.items() if r["elapsed_s"])
            progress(f"throughput: slice {s + 1}/{n_slices}: {rates}")
        for v in vs:
            r = acc[v.key]
            r["runs_per_s"] = r["runs"] / r["elapsed_s"] if r["elapsed_s"] else None
            r["argv"] = v.argv
            if r["failed_runs"]:
                self.notes.append(f"throughput/{v.key}: {r['failed_runs']} runs failed and are "
                                  f"not counted")
        self.results["throughput"] = acc

    # -- 3. stage breakdown --------------------------------------------------------------------

    def stages(self, lang):
        a = self.args
        interp, name, _ = LANGS[lang]
        v = Variant("rusty-sandbox", self.prefix + [self.sbx_bin, "run", name, "--json"]
                    + self.sbx_args, self.files, self.env)
        progress(f"stages/{lang}: {a.stage_runs} runs of `rusty-sandbox run {name} --json` "
                 f"(+2 warm-up)")
        runs = []
        for i in range(a.stage_runs + 2):
            rc, out, err, ns = v.capture()
            try:
                rep = json.loads(out)
            except ValueError:
                rep = None
            if rc != 0 or not isinstance(rep, dict) or rep.get("status") != "ok" or \
                    not rep.get("timings"):
                msg = err.decode(errors="replace").strip() or out.decode(errors="replace")[:500]
                print(f"bench: stages/{lang}: `{' '.join(v.argv)}` failed (exit {rc}):\n"
                      + "\n".join("  | " + line for line in msg.splitlines()), file=sys.stderr)
                self.failures.append(f"stages/{lang}: exit {rc}: no usable report")
                return
            if i >= 2:
                runs.append((rep, ns / 1e6))
        order, at = [], {}
        delta_order, deltas = [], {}  # "prev -> stage": [ms], in each run's array order
        outside, walls, reported_wall, exec_exit = [], [], [], []
        for rep, wall in runs:
            tl = rep["timings"]
            prev = None
            for t in tl:
                if t["stage"] not in at:
                    order.append(t["stage"])
                    at[t["stage"]] = []
                at[t["stage"]].append(t["at_ms"])
                key = f"{prev['stage'] if prev else 't0'} -> {t['stage']}"
                if key not in deltas:
                    delta_order.append(key)
                    deltas[key] = []
                deltas[key].append(t["at_ms"] - (prev["at_ms"] if prev else 0.0))
                prev = t
            walls.append(wall)
            outside.append(wall - tl[-1]["at_ms"])
            if rep.get("wall_time_ms") is not None:
                reported_wall.append(rep["wall_time_ms"])
            by = {t["stage"]: t["at_ms"] for t in tl}
            if "exec" in by and "exit" in by:
                exec_exit.append(by["exit"] - by["exec"])
        first = runs[0][0]
        self.results["stages"][lang] = {
            "runs": len(runs),
            "argv": v.argv,
            "stages": [{"stage": s, **summary(at[s]), "samples_ms": at[s]} for s in order],
            "deltas": [{"from_to": k, **summary(deltas[k]), "samples_ms": deltas[k]}
                       for k in delta_order],
            "external_wall_ms": summary(walls),
            "report_wall_time_ms": summary(reported_wall),
            "outside_sbx_run_ms": summary(outside),
            "exec_to_exit_ms": summary(exec_exit),
            "enforcement": first.get("enforcement"),
            "runtime": first.get("runtime"),
        }

    # -- output --------------------------------------------------------------------------------

    # -- supervisor memory ---------------------------------------------------------------------

    def memory(self, rounds=5):
        """Peak resident memory (VmHWM) of the rusty-sandbox process, the supervisor, read from
        /proc while its program sleeps (setpriv execs it, so the pid is the same)."""
        prog = os.path.join(self.files, "sleep.py")
        with open(prog, "w") as f:
            f.write("import time\ntime.sleep(0.4)\n")
        os.chmod(prog, 0o644)
        argv = self.prefix + [self.sbx_bin, "run", "sleep.py", "--quiet"] + self.sbx_args
        progress(f"memory: {rounds} runs of `rusty-sandbox run sleep.py`, VmHWM at 0.3 s")
        kib = []
        for _ in range(rounds):
            p = subprocess.Popen(argv, cwd=self.files, env=self.env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            WATCHDOG.add(p)
            try:
                time.sleep(0.3)
                try:
                    with open(f"/proc/{p.pid}/status") as f:
                        for line in f:
                            if line.startswith("VmHWM:"):
                                kib.append(int(line.split()[1]))
                except OSError:
                    pass
                rc = p.wait()
            finally:
                WATCHDOG.remove(p)
            if rc != 0:
                self.notes.append(f"memory: a run exited {rc}; not counted")
                kib = kib[:-1] if len(kib) > 0 else kib
        self.results["memory"] = {"supervisor_vmhwm_kib": kib,
                                  "median_kib": statistics.median(kib) if kib else None}

    def floor_rows(self, R):
        """Rows comparing rusty-sandbox with ns-floor: what the kernel and one more exec cost
        before a sandbox does any work of its own, and what is left of the budget."""
        rows = []
        for lang, res in R["startup"].items():
            fl, sb = res.get("ns-floor"), res.get("rusty-sandbox")
            if fl and sb and fl.get("overhead_ms") is not None and \
                    sb.get("overhead_ms") is not None:
                rows.append([f"startup overhead, {LANGS[lang][0]}",
                             fmt(fl["overhead_ms"], sign=True) + " ms",
                             fmt(sb["overhead_ms"], sign=True) + " ms",
                             fmt(sb["overhead_ms"] - fl["overhead_ms"], sign=True) + " ms",
                             f"<= {BUDGET_OVERHEAD_MS} ms in all"])
        tp = R["throughput"]
        bare = tp.get("bare", {}).get("runs_per_s")
        fl = tp.get("ns-floor", {}).get("runs_per_s")
        sb = tp.get("rusty-sandbox", {}).get("runs_per_s")
        if bare and fl and sb:
            # CPU time per run on all workers' cores: 1/rate each; the difference is per run.
            ms = lambda r: 1000.0 * self.args.workers / r
            rows.append(["throughput (CPU ms per run over bare)",
                         f"{fl:.1f}/s ({100 * fl / bare:.0f}%, +{ms(fl) - ms(bare):.2f} ms)",
                         f"{sb:.1f}/s ({100 * sb / bare:.0f}%, +{ms(sb) - ms(bare):.2f} ms)",
                         fmt(ms(sb) - ms(fl), sign=True) + " ms",
                         f">= {100 * BUDGET_THROUGHPUT / DESIGN_BARE_THROUGHPUT:.0f}% of bare"])
        return rows

    def verdict_overhead(self, x):
        if x is None:
            return "-"
        return "within budget" if x <= BUDGET_OVERHEAD_MS else "OVER budget"

    def verdict_throughput(self, x):
        if x is None:
            return "-"
        return "within budget" if x >= BUDGET_THROUGHPUT else "OVER budget (below the minimum)"

    def report(self):
        R = self.results
        m = R["meta"]
        out = []
        who = f"uid {NOBODY} via setpriv (every variant)" if self.args.as_user else \
            f"uid {os.geteuid()}" + (" (root)" if os.geteuid() == 0 else "")
        out.append("")
        out.append(f"rusty-sandbox benchmark: {m['bin']}" + (f" @ {m['git_commit'][:12]}"
                                                              if m.get("git_commit") else ""))
        out.append(f"host: Linux {m['kernel']}, {m['cpus']} CPUs, load {m['loadavg_start'][0]:.2f}"
                   f" -> {m['loadavg_end'][0]:.2f}; runs as {who}")
        out.append(f"environment of every run: env -i PATH={CLEAN_PATH} TMPDIR={self.sbx_tmp} "
                   f"({m['tmpdir_fstype']}; the sandbox's workspace root)")
        out.append(f"versions: {m['python']}, node {m['node'] or '-'}, {m['bwrap'] or 'no bwrap'}")
        out.append("rusty-sandbox runs as `rusty-sandbox run FILE --quiet|--json"
                   + "".join(" " + shlex.quote(x) for x in self.sbx_args) + "`")

        out.append("")
        out.append(f"1. Startup wall time, ms ({self.args.runs} alternated runs each, "
                   f"{self.args.warmup} warm-up rounds; overhead = median - median of bare)")
        rows = []
        for lang, res in R["startup"].items():
            interp, name, _ = LANGS[lang]
            for key, st in res.items():
                if key == "bare":
                    ref = f"DESIGN bare ~{DESIGN_BARE_MS[lang]:g} ms (-c/-e)"
                elif key == "bwrap":
                    ref = f"peer: DESIGN bwrap +{DESIGN_BWRAP_OVERHEAD_MS:g} ms"
                elif key == "ns-floor":
                    ref = "floor: a command + fresh namespaces only"
                else:
                    ref = (f"budget <= {BUDGET_OVERHEAD_MS} ms: "
                           + self.verdict_overhead(st.get("overhead_ms")))
                rows.append([f"{interp} {name}", key, fmt(st["median"]), fmt(st["p10"]),
                             fmt(st["p90"]),
                             "" if key == "bare" else fmt(st.get("overhead_ms"), sign=True),
                             "" if key == "bare" else fmt(st.get("paired_overhead_ms"), sign=True),
                             ref])
        out.append(table(["program", "variant", "median", "p10", "p90", "overhead",
                          "paired", "reference"], rows, "llrrrrrl"))
        out.append("   (paired = median of the per-round differences to the bare run of the "
                   "same round)")

        tp = R["throughput"]
        if tp:
            out.append("")
            out.append(f"2. Throughput of `python3 pass.py`, {self.args.workers} concurrent "
                       f"workers, {self.args.seconds:g} s per variant")
            bare = tp.get("bare", {}).get("runs_per_s")
            rows = []
            for key, r in tp.items():
                pct = f"{100 * r['runs_per_s'] / bare:.0f}%" if bare and r["runs_per_s"] else "-"
                if key == "bare":
                    ref = f"DESIGN bare {DESIGN_BARE_THROUGHPUT:g}/s"
                elif key == "bwrap":
                    ref = f"peer: DESIGN bwrap {DESIGN_BWRAP_THROUGHPUT:g}/s"
                elif key == "ns-floor":
                    ref = "floor: a command + fresh namespaces only"
                else:
                    ref = (f"budget >= {BUDGET_THROUGHPUT:g}/s: "
                           + self.verdict_throughput(r["runs_per_s"]))
                rates = [x["runs"] / x["elapsed_s"] for x in r["slices"] if x["elapsed_s"]]
                spread = f"{min(rates):.0f}-{max(rates):.0f}" if rates else "-"
                rows.append([key, r["runs"], f"{r['elapsed_s']:.2f}", fmt(r["runs_per_s"], 1),
                             spread, pct, ref])
            out.append(table(["variant", "runs", "seconds", "runs/s", "slices", "of bare",
                              "reference"], rows, "lrrrrrl"))
            out.append("   (slices = lowest-highest runs/s of the alternating 1-second slices)")

        stg = R["stages"]
        if stg:
            langs = list(stg)
            cmds = ", ".join(f"`rusty-sandbox run {LANGS[l][1]} --json`" for l in langs)
            n = min(st["runs"] for st in stg.values())
            out.append("")
            out.append(f"3. Stage breakdown of {cmds} ({n} runs each; the report's timings, ms "
                       f"since sbx_run started; medians of each entry and of each per-run delta)")
            order = []
            for st in stg.values():
                order += [s["stage"] for s in st["stages"] if s["stage"] not in order]
            rows = []
            for name in order:
                row = [name]
                for l in langs:
                    s = next((x for x in stg[l]["stages"] if x["stage"] == name), None)
                    row += [fmt(s["median"], 3) if s else "-", fmt(s["p90"], 3) if s else "-"]
                rows.append(row)
            hdr = ["stage"]
            for l in langs:
                hdr += [f"{l} at_ms", "p90"]
            out.append(table(hdr, rows, "l" + "r" * (len(hdr) - 1)))
            out.append("")
            dorder = []
            for st in stg.values():
                dorder += [d["from_to"] for d in st["deltas"] if d["from_to"] not in dorder]
            rows, negative = [], False
            for key in dorder:
                row = [key]
                for l in langs:
                    d = next((x for x in stg[l]["deltas"] if x["from_to"] == key), None)
                    if d and d["median"] is not None and d["median"] < 0:
                        negative = True
                    row += [fmt(d["median"], 3, sign=True) if d else "-",
                            fmt(d["p90"], 3, sign=True) if d else "-"]
                rows.append(row)
            hdr = ["delta"]
            for l in langs:
                hdr += [f"{l} median", "p90"]
            out.append(table(hdr, rows, "l" + "r" * (len(hdr) - 1)))
            if negative:
                out.append("   a negative delta means two stamps taken by different processes "
                           "(supervisor, init) arrive out of order in the array")
            out.append("")
            setpriv = ", and the setpriv exec" if self.prefix else ""
            for l in langs:
                st = stg[l]
                bare = R["startup"].get(l, {}).get("bare", {}).get("median")
                out.append(f"   {l}: whole command {fmt(st['external_wall_ms']['median'], 3)} ms "
                           f"(measured outside); outside sbx_run (CLI exec, dynamic linking, "
                           f"options, JSON printing, exit{setpriv}) "
                           f"{fmt(st['outside_sbx_run_ms']['median'], 3)} ms; exec -> exit "
                           f"{fmt(st['exec_to_exit_ms']['median'], 3)} ms"
                           + (f" vs bare {fmt(bare, 3)} ms (incl. fork+exec)" if bare else ""))
            enf = next(iter(stg.values())).get("enforcement") or {}
            missing = [k for k, val in enf.items() if val in ("none", "unavailable")]
            if missing:
                out.append(f"   NOT enforced by this build (report's enforcement map): "
                           f"{', '.join(missing)}. The budget is for full default isolation, "
                           f"so their cost is not in these numbers yet.")

        out.append("")
        out.append("Budget (DESIGN.md section 7)")
        rows = []
        for lang, res in R["startup"].items():
            sb = res.get("rusty-sandbox")
            if sb:
                rows.append([f"startup overhead over bare, {LANGS[lang][0]} (median)",
                             fmt(sb.get("overhead_ms"), sign=True) + " ms",
                             f"<= {BUDGET_OVERHEAD_MS} ms",
                             self.verdict_overhead(sb.get("overhead_ms"))])
        if tp.get("rusty-sandbox"):
            r = tp["rusty-sandbox"]["runs_per_s"]
            rows.append([f"throughput python3, {self.args.workers} workers",
                         fmt(r, 1) + " runs/s", f">= {BUDGET_THROUGHPUT:g} runs/s",
                         self.verdict_throughput(r)])
        floor = self.floor_rows(R)
        mem = R.get("memory", {}).get("median_kib")
        if mem is not None:
            rows.append(["supervisor resident memory (VmHWM, median)", f"{mem / 1024:.2f} MiB",
                         f"< {BUDGET_SUPERVISOR_KIB // 1024} MiB",
                         "within budget" if mem < BUDGET_SUPERVISOR_KIB else "OVER budget"])
        if rows:
            out.append(table(["budget item", "measured", "budget", "verdict"], rows, "lrrl"))
        else:
            out.append("  (no rusty-sandbox numbers to compare)")
        if floor:
            out.append("")
            out.append("Where the budget stands against the floor (ns-floor: sbx-bench-floor, a "
                       "separate command that makes the run's fresh namespaces with one clone3 "
                       "and nothing else)")
            out.append(table(["item", "ns-floor", "rusty-sandbox", "sandbox's own work",
                              "budget"], floor, "lrrrr"))

        self.report_wasm(out)

        if self.notes or self.failures:
            out.append("")
            out.append("Notes:")
            for n in self.failures:
                out.append(f"  - FAILED: {n}")
            for n in self.notes:
                out.append(f"  - {n}")
        print("\n".join(out), flush=True)

    # -- 4. WebAssembly ------------------------------------------------------------------------

    def wasm_build(self):
        """hello.wasm and compute.wasm in self.files (trusted inputs from this repository, so
        building them on the host is fine). Returns False, with a note, when tools are missing."""
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.wasi_host = os.path.join(repo, "src", "runtimes", "wasm", "wasi-host.js")
        wat2wasm = shutil.which("wat2wasm", path=CLEAN_PATH)
        clang = shutil.which("clang", path=CLEAN_PATH)
        node = shutil.which("node", path=CLEAN_PATH)
        if not (wat2wasm and clang and node):
            self.notes.append("wasm: needs wat2wasm (wabt), clang (wasm32-wasi) and node; skipped")
            return False
        hello = os.path.join(self.files, "hello.wasm")
        compute = os.path.join(self.files, "compute.wasm")
        for argv in ([wat2wasm, os.path.join(repo, "examples", "hello.wat"), "-o", hello],
                     [clang, "--target=wasm32-wasi", "-O2", "-s", "-o", compute,
                      os.path.join(repo, "tests", "data", "wasm", "wasi-test.c")]):
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
            if p.returncode != 0:
                self.notes.append(f"wasm: {' '.join(argv)} failed; skipped: "
                                  + p.stderr.decode(errors="replace").strip()[-300:])
                return False
        for f in (hello, compute):
            os.chmod(f, 0o644)
        return True

    def plain_host(self, module, args):
        """argv of the node engine's WASI host on `module` outside the sandbox (the workspace
        preopen becomes self.files)."""
        cfg = json.dumps({"name": module, "env": [], "max_pages": 0, "growth": True,
                          "preopens": [{"guest": "/", "host": self.files, "ro": False},
                                       {"guest": ".", "host": self.files, "ro": False}]})
        with open(self.wasi_host) as f:
            script = f.read()
        return self.prefix + ["node", "-e", script, "--", cfg,
                              os.path.join(self.files, module)] + args

    def alternate(self, vs, runs, label):
        """Each variant once per round, `runs` rounds after one warm-up; summaries by key."""
        for v in vs:
            v.timed()
        samples = {v.key: [] for v in vs}
        for i in range(runs):
            for v in vs:
                ok, ns = v.timed()
                if ok:
                    samples[v.key].append(ns / 1e6)
            if (i + 1) % max(1, runs // 4) == 0:
                progress(f"{label}: {i + 1}/{runs} rounds")
        return {v.key: dict(summary(samples[v.key]), argv=v.argv[:3] + ["..."]
                            if "-e" in v.argv and len(v.argv) > 4 else v.argv)
                for v in vs}

    def wasm(self):
        a = self.args
        if a.wasm_runs <= 0 or not self.wasm_build():
            return
        sbx = self.prefix + [self.sbx_bin, "run"]
        vs = [Variant("node -e 0", self.prefix + ["node", "-e", "0"], self.files, self.env),
              Variant("host, plain node", self.plain_host("hello.wasm", []), self.files,
                      self.env),
              Variant("rusty-sandbox", sbx + ["hello.wasm", "--quiet"] + self.sbx_args,
                      self.files, self.env)]
        vs = self.preflight("wasm", vs)
        if len(vs) < 3:
            return
        progress(f"wasm/hello: {a.wasm_runs} alternated rounds")
        self.results["wasm"]["hello"] = self.alternate(vs, a.wasm_runs, "wasm/hello")
        n = str(a.wasm_compute_n)
        vs = [Variant("host, plain node", self.plain_host("compute.wasm", ["compute", n]),
                      self.files, self.env),
              Variant("rusty-sandbox", sbx + ["compute.wasm", "--quiet"] + self.sbx_args
                      + ["--", "compute", n], self.files, self.env)]
        vs = self.preflight("wasm-compute", vs)
        if len(vs) < 2:
            return
        runs = max(3, a.wasm_runs // 4)
        progress(f"wasm/compute {n}: {runs} alternated rounds")
        self.results["wasm"]["compute"] = self.alternate(vs, runs, "wasm/compute")
        self.results["wasm"]["compute_n"] = a.wasm_compute_n

    def report_wasm(self, out):
        w = self.results.get("wasm") or {}
        if not w.get("hello"):
            return
        out.append("")
        out.append("4. WebAssembly (node engine), wall ms")
        rows = []
        bare = w["hello"]["node -e 0"]["median"]
        for key, st in w["hello"].items():
            rows.append(["hello.wasm" if key != "node -e 0" else "node -e 0", key,
                         fmt(st["median"]), fmt(st["p10"]), fmt(st["p90"]),
                         fmt(st["median"] - bare, sign=True) if key != "node -e 0" else "-"])
        comp = w.get("compute") or {}
        plain = comp.get("host, plain node", {}).get("median")
        for key, st in comp.items():
            rows.append([f"compute {w['compute_n']}", key, fmt(st["median"]), fmt(st["p10"]),
                         fmt(st["p90"]),
                         fmt(st["median"] - plain, sign=True) if key != "host, plain node"
                         else "-"])
        out.append(table(["module", "variant", "median", "p10", "p90", "vs reference"], rows,
                         "llrrrr"))
        out.append("  reference: `node -e 0` for hello rows, the same host under plain node for "
                   "compute rows")

    # -- main ----------------------------------------------------------------------------------

    def run(self):
        a = self.args
        self.probe()
        self.setup()
        self.probe_bwrap()
        self.meta()
        progress(f"temp dir {self.root}; running as "
                 + (f"uid {NOBODY} (setpriv)" if a.as_user else f"uid {os.geteuid()}"))
        for lang in self.langs:
            self.startup(lang)
        if a.seconds > 0:
            self.throughput()
        if a.stage_runs > 0:
            self.results["stages"] = {}
            for lang in self.langs:
                self.stages(lang)
        if "python" in self.langs:
            self.memory()
        self.wasm()
        self.results["meta"]["loadavg_end"] = os.getloadavg()
        self.results["meta"]["host_busy_end"] = host_busy()
        self.results["notes"] = self.notes
        self.results["failures"] = self.failures
        self.report()
        if a.json:
            with open(a.json, "w") as f:
                json.dump(self.results, f, indent=1)
                f.write("\n")
            progress(f"raw numbers written to {a.json}")
        return 1 if self.failures else 0


def main():
    ap = argparse.ArgumentParser(description="Benchmark rusty-sandbox against the bare "
                                 "interpreter and bubblewrap (DESIGN.md section 7).")
    ap.add_argument("--bin", default="build/rusty-sandbox", help="the rusty-sandbox binary")
    ap.add_argument("--runs", type=int, default=60, help="timed runs per startup variant (60)")
    ap.add_argument("--warmup", type=int, default=5, help="warm-up rounds before timing (5)")
    ap.add_argument("--seconds", type=float, default=5.0,
                    help="throughput seconds per variant (5; 0 skips the throughput part)")
    ap.add_argument("--workers", type=int, default=2, help="throughput workers (2)")
    ap.add_argument("--stage-runs", type=int, default=20,
                    help="runs for the stage breakdown (20; 0 skips it)")
    ap.add_argument("--langs", default="python,node",
                    help="startup languages, comma-separated (python,node)")
    ap.add_argument("--tmpdir", metavar="DIR",
                    help="where the bench's temp dir goes, and with it the sandbox's TMPDIR "
                         "(workspace root); default: the system temp dir (/tmp)")
    ap.add_argument("--json", metavar="FILE", help="write the raw numbers to FILE")
    ap.add_argument("--wasm-runs", type=int, default=20,
                    help="WebAssembly hello rounds (20; 0 skips section 4)")
    ap.add_argument("--wasm-compute-n", type=int, default=3000000,
                    help="size of the compute module's sieve (3000000)")
    ap.add_argument("--sbx-args", default="--cpu-limit 10 --cpus 2",
                    help="extra options for every rusty-sandbox run, on top of the default "
                         "policy (memory, processes, file size, open files, output, tmp and "
                         "workspace caps); the default sets every remaining limit too "
                         "('--cpu-limit 10 --cpus 2'); '' for the defaults alone")
    ap.add_argument("--floor", metavar="BIN",
                    help="the sbx-bench-floor binary (default: next to --bin)")
    ap.add_argument("--as-user", action="store_true",
                    help=f"run every variant as uid {NOBODY} via setpriv (needs root)")
    a = ap.parse_args()
    a.langs = [x.strip() for x in a.langs.split(",") if x.strip()]
    if a.runs < 1 or a.warmup < 0 or a.seconds < 0 or a.workers < 1 or a.stage_runs < 0:
        ap.error("--runs and --workers must be >= 1; --warmup, --seconds, --stage-runs >= 0")
    unknown = set(a.langs) - set(LANGS)
    if unknown:
        ap.error(f"--langs: unknown {', '.join(sorted(unknown))} (known: {', '.join(LANGS)})")

    global WATCHDOG
    signal.signal(signal.SIGTERM, on_sigterm)
    WATCHDOG = Watchdog()
    b = Bench(a)
    try:
        return b.run()
    except KeyboardInterrupt:
        print("\nbench: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    except Interrupted as e:
        print(f"\nbench: terminated by signal {e.args[0]}", file=sys.stderr)
        return 128 + e.args[0]
    finally:
        WATCHDOG.close()
        b.cleanup()


if __name__ == "__main__":
    sys.exit(main())
