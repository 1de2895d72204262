"""Supervisor CPU cost of telemetry sampling: task-clock of the CLI process alone
(perf stat --no-inherit: its children, the sandbox, excluded) for a program that sleeps,
with and without sampling; the difference between a 0 s and an N s run is the cost while
the run is alive."""
import os, statistics, subprocess, sys, tempfile
binary, secs = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 10
d = tempfile.mkdtemp(prefix="sbx-cost-", dir=sys.argv[3] if len(sys.argv) > 3 else "/dev/shm")
prog = os.path.join(d, "sleep.py")
open(prog, "w").write("import sys, time\ntime.sleep(float(sys.argv[1]))\n")
noreg = os.path.join(d, "noreg.toml")
open(noreg, "w").write("[telemetry]\nlive_registry = false\n")
def run(extra, env_extra, s):
    env = dict(os.environ, **env_extra)
    out = subprocess.run(["perf", "stat", "--no-inherit", "-x,", "-e", "task-clock", binary,
                          "run", prog, "--quiet"] + extra + ["--", str(s)], env=env,
                         capture_output=True, text=True).stderr
    return float([l for l in out.splitlines() if "task-clock" in l][0].split(",")[0])
reg = {"RUSTY_SANDBOX_RUNTIME_DIR": os.path.join(d, "live")}
for label, extra, env in [
    ("off (no stream, no registry)", ["--config", noreg], {}),
    ("registry (default)", [], reg),
    ("registry + events file", ["--telemetry", os.path.join(d, "ev.jsonl")], reg),
]:
    short = statistics.median(run(extra, env, 0) for _ in range(3))
    long_ = statistics.median(run(extra, env, secs) for _ in range(3))
    per_s = (long_ - short) / secs
    print("%-30s start-up %.1f ms; while running %.2f ms CPU per second = %.3f%% of a core"
          % (label, short, per_s, per_s / 10.0))
