"""Configuration: TOML files in layers (rusty-sandbox.toml(5)).

Every key set in a file and read back through `rusty-sandbox config` (JSON, and the TOML output
parsed with tomllib), every flag that sets a key, every error path with its exact message and
exit code, precedence across the five layers (defaults < system file < user file < --config <
flags), examples/config.toml running both examples, allowed_paths, the vendored packages and
modules directories, log_level and the Node.js descriptor minimum.

The system file is always redirected with RUSTY_SANDBOX_SYSTEM_CONFIG (to a file that does not
exist unless a test writes it) and HOME/XDG_CONFIG_HOME are unset unless a test sets them, so the
host's /etc and ~/.config never leak in.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import tomllib

import pytest

from conftest import REPO, RUN_TIMEOUT, Result, error_lines

USAGE, NOINPUT, TIMEOUT = 64, 66, 124
DATA = REPO / "tests" / "data" / "config"
EXAMPLES = REPO / "examples"

SECTIONS = "general, resource_limits, security, analysis, telemetry, runtimes.python, " \
           "runtimes.javascript, runtimes.wasm"
REFUSED = "cannot be shown inside the sandbox (it is / or part of /proc, /dev, /sys or /work)"

# Built-in defaults (None: not set, the TOML output says so in a comment).
DEFAULTS = {
    "general.working_dir": None,
    "general.tmp_dir": None,
    "general.log_level": "info",
    "resource_limits.memory_limit_mb": 512,
    "resource_limits.cpu_time_limit_s": 0.0,
    "resource_limits.timeout_s": 30.0,
    "resource_limits.max_processes": 128,
    "resource_limits.max_file_size_kb": 65536,
    "resource_limits.max_open_files": 256,
    "resource_limits.cpus": 0.0,
    "resource_limits.max_output_kb": 1024,
    "resource_limits.output_limit_action": "truncate",
    "resource_limits.tmp_size_mb": 64,
    "resource_limits.workspace_size_mb": 64,
    "resource_limits.fallback": "none",
    "resource_limits.cgroup_parent": None,
    "security.enable_network": False,
    "security.netns_pool": True,
    "security.allowed_ports": [],
    "security.allowed_bind_ports": [],
    "security.allowed_paths": [],
    "security.on_violation": "log",
    "general.audit_log": None,
    "runtimes.python.interpreter": None,
    "runtimes.python.packages_path": None,
    "runtimes.javascript.interpreter": None,
    "runtimes.javascript.modules_path": None,
    "runtimes.wasm.enable_memory_growth": True,
    "runtimes.wasm.max_memory_pages": None,
    "runtimes.wasm.engine": "auto",
    "runtimes.wasm.interpreter": None,
    "telemetry.events_file": None,
    "telemetry.metrics_file": None,
    "telemetry.sample_interval_ms": 100,
    "telemetry.syslog": False,
    "telemetry.live_registry": True,
    "runtimes.wasm.fuel": None,
    "analysis.mode": "warn",
    "analysis.block_severity": "high",
    "analysis.allow_rules": [],
}


# ---------------------------------------------------------------------------------------------
# helpers


def base_env(sbx, extra=None):
    env = {"RUSTY_SANDBOX_SYSTEM_CONFIG": str(sbx.scratch / "no-system-config.toml")}
    env.update(extra or {})
    return env


def cli(sbx, *args, env=None):
    return sbx.run(*args, env=base_env(sbx, env))


def run_in(sbx, cwd, *args, env=None):
    """The CLI with a working directory other than / (for relative paths on the command line)."""
    argv = sbx.argv(args)
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       env=sbx.env(base_env(sbx, env)), timeout=RUN_TIMEOUT, cwd=cwd)
    return Result(argv, p.returncode, p.stdout, p.stderr, 0.0)


def flatten_json(obj, prefix=""):
    """{"section": {"key": {"value": V, "origin": O}}} -> {"section.key": (V, O)}."""
    out = {}
    for name, v in obj.items():
        assert isinstance(v, dict), (name, v)
        if set(v) == {"value", "origin"}:
            out[prefix + name] = (v["value"], v["origin"])
        else:
            out.update(flatten_json(v, prefix + name + "."))
    return out


def flatten_toml(doc, prefix=""):
    out = {}
    for name, v in doc.items():
        if isinstance(v, dict):
            out.update(flatten_toml(v, prefix + name + "."))
        else:
            out[prefix + name] = v
    return out


def config_json(sbx, *args, env=None, stderr=""):
    r = cli(sbx, "config", "--json", *args, env=env)
    assert r.returncode == 0, r
    if stderr is not None:
        assert r.err == stderr, r
    return flatten_json(json.loads(r.out))


def config_toml(sbx, *args, env=None):
    """The TOML output: (values parsed by tomllib, origin comment of each set key, names of the
    keys commented out as not set)."""
    r = cli(sbx, "config", *args, env=env)
    assert r.returncode == 0, r
    return parse_dump(r.out)


def parse_dump(text):
    values = flatten_toml(tomllib.loads(text))  # must be valid TOML
    origins, unset, section = {}, set(), None
    for line in text.splitlines():
        m = re.fullmatch(r"\[([a-z_.]+)\]", line)
        if m:
            section = m.group(1)
            continue
        m = re.fullmatch(r"([a-z_]+) = (.*)  # (.*)", line)
        if m:
            origins["%s.%s" % (section, m.group(1))] = m.group(3)
            continue
        m = re.match(r"# ([a-z_]+) is not set \(", line)
        if m:
            unset.add("%s.%s" % (section, m.group(1)))
    return values, origins, unset


def write(path, text, mode=0o644):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)
    return str(path)


def line_of(text, section, key):
    """1-based line of `key = ...` under [section] in text."""
    cur = None
    for n, line in enumerate(text.splitlines(), 1):
        m = re.fullmatch(r"\s*\[([^\]]+)\]\s*", line)
        if m:
            cur = m.group(1).strip()
        elif cur == section and re.match(r"\s*%s\s*=" % re.escape(key), line):
            return n
    raise AssertionError("no %s.%s in %r" % (section, key, text))


def one_error(r, code):
    assert r.returncode == code, r
    assert r.stdout == b"", r
    lines = error_lines(r.err)
    assert len(lines) == 1 and r.err.count("\n") == 1, \
        "want one message line on stderr, got %r" % r.err
    assert lines[0].startswith("rusty-sandbox: "), lines
    return lines[0][len("rusty-sandbox: "):]


def flag_keys(sbx):
    """{flag: config key} of every flag that sets a key, from the option table (--help-roff
    prints it for the man page)."""
    r = sbx.run("--help-roff")
    assert r.returncode == 0, r
    out = {}
    for m in re.finditer(r"^\.B \\-\\-([a-z-]+).*\n(.*)$", r.out, re.M):
        k = re.search(r"Config key: \\fB([a-z_.]+)\\fR", m.group(2))
        if k:
            out["--" + m.group(1)] = k.group(1)
    assert out, r.out
    return out


def table_keys(sbx):
    """Every key of the config's key table, from --help-toml-roff (the man page's list)."""
    r = sbx.run("--help-toml-roff")
    assert r.returncode == 0, r
    keys, section = [], None
    for line in r.out.splitlines():
        if line.startswith(".SS ["):
            section = line[5:-1]
        elif line.startswith(".B "):
            keys.append("%s.%s" % (section, line[3:]))
    return keys


def give_to_caller(sbx, path):
    """Let the CLI's caller create entries in `path` (working_dir, tmp_dir parents)."""
    os.chown(path, sbx.caller_uid, sbx.caller_uid)


def run_entries(root):
    """run-* entries left in a working dir's rusty-sandbox-<uid> dirs."""
    root = pathlib.Path(root)
    return sorted(str(p) for p in root.glob("rusty-sandbox-*/run-*"))


# ---------------------------------------------------------------------------------------------
# 1. every key read back


def test_defaults_read_back(sbx):
    """No file: every key is its default, origin "default"; the key list is the key table's."""
    got = config_json(sbx)
    assert sorted(got) == sorted(table_keys(sbx)) == sorted(DEFAULTS)
    for key, want in DEFAULTS.items():
        assert got[key] == (want, "default"), key
    values, origins, unset = config_toml(sbx)
    assert values == {k: v for k, v in DEFAULTS.items() if v is not None}
    assert origins == {k: "default" for k, v in DEFAULTS.items() if v is not None}
    assert unset == {k for k, v in DEFAULTS.items() if v is None}


def all_keys_setup(sbx):
    """tests/data/config/all_keys.toml copied to <scratch>/conf/config.toml with the directories
    it names; returns (path, text, expected values)."""
    conf = sbx.scratch / "conf"
    text = (DATA / "all_keys.toml").read_text()
    cfg = write(conf / "config.toml", text)
    for d in ("shared", "out", "wd", "pkgs", "mods"):
        (conf / d).mkdir(mode=0o755)
    d = os.path.realpath(conf)
    want = {
        "general.working_dir": d + "/wd",
        "general.tmp_dir": d + "/scratch/tmp",
        "general.log_level": "debug",
        "resource_limits.memory_limit_mb": 300,
        "resource_limits.cpu_time_limit_s": 2.5,
        "resource_limits.timeout_s": 7.25,
        "resource_limits.max_processes": 33,
        "resource_limits.max_file_size_kb": 4096,
        "resource_limits.max_open_files": 64,
        "resource_limits.cpus": 1.5,
        "resource_limits.max_output_kb": 77,
        "resource_limits.output_limit_action": "kill",
        "resource_limits.tmp_size_mb": 16,
        "resource_limits.workspace_size_mb": 24,
        "resource_limits.fallback": "rlimit",
        "resource_limits.cgroup_parent": "/sbx-config-test",
        "security.enable_network": False,
        "security.netns_pool": False,
        "security.allowed_ports": [443, 8080],
        "security.allowed_bind_ports": [8000],
        "security.allowed_paths": [d + "/shared", d + "/out:rw", "/tmp", d + "/wd",
                                   d + "/../conf/shared"],
        "security.on_violation": "kill",
        "general.audit_log": d + "/audit.jsonl",
        "runtimes.python.interpreter": "/usr/bin/python3",
        "runtimes.python.packages_path": d + "/pkgs",
        "runtimes.javascript.interpreter": "/usr/bin/node",
        "runtimes.javascript.modules_path": d + "/mods",
        "runtimes.wasm.enable_memory_growth": False,
        "runtimes.wasm.max_memory_pages": 256,
        "runtimes.wasm.engine": "wasmtime",
        "runtimes.wasm.interpreter": d + "/bin/wasmtime",
        "telemetry.events_file": d + "/events.jsonl",
        "telemetry.metrics_file": d + "/out/metrics.prom",
        "telemetry.sample_interval_ms": 250,
        "telemetry.syslog": True,
        "telemetry.live_registry": False,
        "runtimes.wasm.fuel": 1000000,
        "analysis.mode": "block",
        "analysis.block_severity": "critical",
        "analysis.allow_rules": ["PY-NET-001", "PY-EXEC-003"],
    }
    return cfg, text, want


def same_path(a, b):
    suffix = ":rw" if b.endswith(":rw") else ""
    assert a.endswith(suffix), (a, b)
    a, b = a[:len(a) - len(suffix)], b[:len(b) - len(suffix)]
    return os.path.isabs(a) and os.path.normpath(a) == os.path.normpath(b)


def check_values(got, want):
    for key, w in want.items():
        g = got[key]
        if key == "security.allowed_paths":
            assert len(g) == len(w) and all(same_path(x, y) for x, y in zip(g, w)), (g, w)
        elif isinstance(w, str) and w.startswith("/"):
            assert same_path(g, w), (key, g, w)
        else:
            assert g == w and type(g) is type(w), (key, g, w)


def test_every_key_read_back(sbx):
    """Every key of the table set in one file: value and origin FILE:LINE through --json and
    through the TOML output; relative paths resolved against the file's directory (not the
    CLI's cwd, which is /); the wasm keys are stored."""
    cfg, text, want = all_keys_setup(sbx)
    assert sorted(want) == sorted(table_keys(sbx)), "the data file must set every key"
    got = config_json(sbx, "--config", cfg)
    assert sorted(got) == sorted(want)
    check_values({k: v for k, (v, _) in got.items()}, want)
    for key, (_, origin) in got.items():
        section, name = key.rsplit(".", 1)
        assert origin == "%s:%d" % (cfg, line_of(text, section, name)), key
    values, origins, unset = config_toml(sbx, "--config", cfg)
    assert not unset
    assert sorted(values) == sorted(want)
    check_values(values, want)
    assert values == {k: v for k, (v, _) in got.items()}, "TOML and JSON outputs disagree"
    assert origins == {k: o for k, (_, o) in got.items()}


def test_relative_config_path_and_relative_values(sbx):
    """--config given relative to the cwd: origins name it as given, relative values resolve
    against the file's directory, not the cwd."""
    conf = sbx.scratch / "rel" / "conf"
    text = ("[general]\nworking_dir = \"work/here\"\ntmp_dir = \"./t\"\n"
            "[runtimes.python]\npackages_path = \"../vendored\"\n")
    write(conf / "c.toml", text)
    (conf.parent / "vendored").mkdir()
    cwd = sbx.scratch / "rel"
    got = {k: v for k, v in flatten_json(json.loads(
        run_in(sbx, cwd, "config", "--json", "--config", "conf/c.toml").out)).items()}
    d = os.path.realpath(conf)
    assert got["general.working_dir"] == (d + "/work/here", "conf/c.toml:2")
    assert got["general.tmp_dir"] == (d + "/t", "conf/c.toml:3")
    v, o = got["runtimes.python.packages_path"]
    assert o == "conf/c.toml:5" and same_path(v, str(conf.parent / "vendored")), (v, o)


def test_flags_set_their_keys(sbx):
    """Every flag that sets a config key, read back through `config`: origin "--flag"."""
    values = {
        "--timeout": ("9.5", 9.5),
        "--memory-limit": ("100", 100),
        "--cpu-limit": ("3", 3.0),
        "--cpus": ("0.5", 0.5),
        "--max-processes": ("40", 40),
        "--max-file-size": ("2048", 2048),
        "--max-open-files": ("100", 100),
        "--max-output": ("64", 64),
        "--output-limit-action": ("kill", "kill"),
        "--allow-weaker-limits": (None, "rlimit"),
        "--cgroup-parent": ("/sbx-flag-test", "/sbx-flag-test"),
        "--on-violation": ("kill", "kill"),
        "--audit-log": ("/tmp/sbx-flag-audit.jsonl", "/tmp/sbx-flag-audit.jsonl"),
        "--tmp-size": ("8", 8),
        "--workspace-size": ("12", 12),
        "--telemetry": ("-", "-"),
        "--metrics-file": ("/tmp/sbx-flag-metrics.prom", "/tmp/sbx-flag-metrics.prom"),
        "--wasm-engine": ("node", "node"),
        "--max-memory-pages": ("64", 64),
        "--no-memory-growth": (None, False),
        "--fuel": ("1000", 1000),
        "--analysis": ("off", "off"),
        "--block-severity": ("medium", "medium"),
        "--network": (None, True),
        "--allow-port": ("8443", [8443]),
        "--allow-bind-port": ("9000", [9000]),
    }
    mapping = flag_keys(sbx)
    assert sorted(mapping) == sorted(values), "a flag that sets a key is not covered here"
    args = []
    for flag, (arg, _) in values.items():
        if arg is None:
            args.append(flag)
        elif flag == "--cpus":
            args.append("--cpus=" + arg)  # the --flag=VALUE spelling too
        else:
            args += [flag, arg]
    got = config_json(sbx, *args)
    values_toml, origins, _ = config_toml(sbx, *args)
    for flag, (_, want) in values.items():
        key = mapping[flag]
        assert got[key] == (want, flag), (flag, got[key])
        assert values_toml[key] == want and origins[key] == flag, flag
    others = set(DEFAULTS) - set(mapping.values())
    assert all(got[k][1] == "default" for k in others)


def test_toml_output_escapes_and_numbers(sbx):
    """The TOML output stays valid TOML with awkward strings and numbers, and reads back to the
    same values as the JSON output."""
    conf = sbx.scratch / "esc"
    text = ('[general]\nworking_dir = "we\\"ird\\\\dir\\t\u00e9 # not a comment"\n'
            '[resource_limits]\ntimeout_s = 1e-5\ncpus = 0.1\ncpu_time_limit_s = 604800\n'
            'max_file_size_kb = 1099511627776\nmemory_limit_mb = 0\n'
            'cgroup_parent = "/a b/\\u0001c"\n')
    cfg = write(conf / "c.toml", text)
    got = config_json(sbx, "--config", cfg)
    assert got["general.working_dir"][0] == os.path.realpath(conf) + \
        '/we"ird\\dir\t\u00e9 # not a comment'
    assert got["resource_limits.timeout_s"][0] == 1e-5
    assert got["resource_limits.cpus"][0] == 0.1
    assert got["resource_limits.max_file_size_kb"][0] == 1099511627776
    assert got["resource_limits.cgroup_parent"][0] == "/a b/\x01c"
    values, origins, _ = config_toml(sbx, "--config", cfg)
    assert values == {k: v for k, (v, _) in got.items() if v is not None}
    assert origins["general.working_dir"] == cfg + ":2"


def test_toml_output_valid_with_newline_in_config_path(sbx):
    """A config path is a file name: any byte but NUL. The origin comment must not break the
    TOML output."""
    cfg = write(sbx.scratch / "new\nline" / "c.toml", '[general]\nlog_level = "warn"\n')
    got = config_json(sbx, "--config", cfg)
    assert got["general.log_level"] == ("warn", cfg + ":2")
    r = cli(sbx, "config", "--config", cfg)
    assert r.returncode == 0, r
    values, _, _ = parse_dump(r.out)  # raises if the output is not valid TOML
    assert values["general.log_level"] == "warn"


# ---------------------------------------------------------------------------------------------
# 2. errors


# (id, TOML after two comment lines, "LINE" or "LINE:COLUMN", message after "FILE:WHERE: ").
# @DIR@ is the config file's directory.
FILE_ERRORS = [
    ("string-for-number", '[resource_limits]\ntimeout_s = "abc"', "4",
     'resource_limits.timeout_s: expected a number from 0 to 604800, got the string "abc"'),
    ("float-for-integer", "[resource_limits]\nmax_processes = 1.5", "4",
     "resource_limits.max_processes: expected a whole number from 0 to 4194304, got 1.5"),
    ("array-for-string", '[resource_limits]\ncgroup_parent = ["/x"]', "4",
     "resource_limits.cgroup_parent: expected a string, got an array"),
    ("array-for-path", '[general]\nworking_dir = ["a"]', "4",
     "general.working_dir: expected a path (a string), got an array"),
    ("array-for-enum", '[general]\nlog_level = ["info"]', "4",
     'general.log_level: expected one of "error", "warn", "info", "debug", got an array'),
    ("table-for-enum", "[general]\nlog_level.x = 1", "4",
     'general.log_level: expected one of "error", "warn", "info", "debug", got a table'),
    ("bool-for-number", "[resource_limits]\ntimeout_s = true", "4",
     "resource_limits.timeout_s: expected a number from 0 to 604800, got true"),
    ("string-for-bool", '[security]\nenable_network = "false"', "4",
     'security.enable_network: expected true or false, got the string "false"'),
    ("string-for-path-list", '[security]\nallowed_paths = "/tmp"', "4",
     'security.allowed_paths: expected an array of paths (strings), got the string "/tmp"'),
    ("number-in-path-list", '[security]\nallowed_paths = ["/tmp", 1]', "4",
     "security.allowed_paths: expected an array of paths (strings), got 1"),
    ("negative-integer", "[resource_limits]\nmemory_limit_mb = -5", "4",
     "resource_limits.memory_limit_mb: expected a whole number from 0 to 16777216, got -5"),
    ("negative-number", "[resource_limits]\ntimeout_s = -1", "4",
     "resource_limits.timeout_s: expected a number from 0 to 604800, got -1"),
    ("too-big-integer", "[resource_limits]\nmax_processes = 99999999999", "4",
     "resource_limits.max_processes: expected a whole number from 0 to 4194304, got 99999999999"),
    ("too-big-number", "[resource_limits]\ntimeout_s = 604801", "4",
     "resource_limits.timeout_s: expected a number from 0 to 604800, got 604801"),
    ("too-big-pages", "[runtimes.wasm]\nmax_memory_pages = 65537", "4",
     "runtimes.wasm.max_memory_pages: expected a whole number from 1 to 65536, got 65537"),
    ("zero-tmp-size", "[resource_limits]\ntmp_size_mb = 0", "4",
     "resource_limits.tmp_size_mb: expected a whole number from 1 to 1048576, got 0"),
    ("nan", "[resource_limits]\ncpu_time_limit_s = nan", "4",
     "resource_limits.cpu_time_limit_s: expected a number from 0 to 604800, got nan"),
    ("memory-2", "[resource_limits]\nmemory_limit_mb = 2", "4",
     "resource_limits.memory_limit_mb: must be at least 4 (MiB), or 0 for no limit"),
    ("cpus-0.001", "[resource_limits]\ncpus = 0.001", "4",
     "resource_limits.cpus: must be at least 0.01, or 0 for no cap"),
    ("max-open-files-4", "[resource_limits]\nmax_open_files = 4", "4",
     "resource_limits.max_open_files: must be at least 8, or 0 to keep the default"),
    ("bad-output-action", '[resource_limits]\noutput_limit_action = "explode"', "4",
     'resource_limits.output_limit_action: expected one of "truncate", "kill", '
     'got the string "explode"'),
    ("bad-log-level", '[general]\nlog_level = "INFO"', "4",
     'general.log_level: expected one of "error", "warn", "info", "debug", got the string "INFO"'),
    ("bad-fallback", '[resource_limits]\nfallback = "cgroup"', "4",
     'resource_limits.fallback: expected one of "none", "rlimit", got the string "cgroup"'),
    ("bad-engine", '[runtimes.wasm]\nengine = "v8"', "4",
     'runtimes.wasm.engine: expected one of "auto", "node", "wasmtime", "wasmer", "wasmedge", '
     '"iwasm", "wasm3", got the string "v8"'),
    ("port-string", '[security]\nallowed_ports = ["80"]', "4",
     "security.allowed_ports: expected an array of TCP port numbers (1 to 65535), got the "
     'string "80"'),
    ("unknown-key", "[resource_limits]\nmemory_limit_mb = 100\n\ntimeout = 5", "6",
     "unknown key 'timeout' in [resource_limits]; did you mean 'timeout_s'?"),
    ("unknown-key-typo", '[runtimes.python]\ninterpretr = "/usr/bin/python3"', "4",
     "unknown key 'interpretr' in [runtimes.python]; did you mean 'interpreter'?"),
    ("unknown-key-no-suggestion", "[general]\nfrobnicate = 1", "4",
     "unknown key 'frobnicate' in [general]"),
    ("unknown-section", "[resource_limit]\ntimeout_s = 5", "3",
     "unknown section [resource_limit]; did you mean [resource_limits]? (known: %s)" % SECTIONS),
    ("unknown-runtime", '[runtimes.pyton]\ninterpreter = "/usr/bin/python3"', "3",
     "unknown section [runtimes.pyton]; did you mean [runtimes.python]? (known: %s)" % SECTIONS),
    ("unknown-section-no-suggestion", "[general]\n[network]", "4",
     "unknown section [network] (known: %s)" % SECTIONS),
    ("duplicate-key", '[general]\nlog_level = "info"\nlog_level = "warn"', "5:1",
     "duplicate key 'log_level': already defined as a string at line 4, column 1"),
    ("duplicate-table", '[general]\n[general]', "4:2",
     "cannot define table 'general': already defined as a table (by a [header]) at line 3, "
     "column 2"),
    ("invalid-missing-value", "[general]\nlog_level = ", "4:13", "expected a value after '='"),
    ("invalid-bare-word", "[general]\nlog_level = info", "4:13",
     "invalid value 'info': not a number, boolean or date-time"),
    ("invalid-unterminated-string", '[general]\nlog_level = "info', "4:13",
     "unterminated string (a basic string must end on its line)"),
    ("invalid-header", "[general", "3:9", "expected ']' to close the table header, found end "
     "of line"),
    ("invalid-trailing", '[general]\nlog_level = "info" x', "4:20",
     "expected a newline after the value, found 'x'"),
    ("allowed-path-missing", '[security]\nallowed_paths = ["/tmp", "./nonexistent"]', "4",
     "security.allowed_paths: '@DIR@/nonexistent': No such file or directory"),
    ("allowed-path-missing-absolute", '[security]\nallowed_paths = ["/nonexistent-sbx-dir"]',
     "4", "security.allowed_paths: '/nonexistent-sbx-dir': No such file or directory"),
    ("allowed-path-proc", '[security]\nallowed_paths = ["/proc"]', "4",
     "security.allowed_paths: '/proc' " + REFUSED),
    ("allowed-path-proc-self", '[security]\nallowed_paths = ["/proc/self"]', "4",
     "security.allowed_paths: '/proc/self' " + REFUSED),
    ("allowed-path-root", '[security]\nallowed_paths = ["/"]', "4",
     "security.allowed_paths: '/' " + REFUSED),
    ("allowed-path-root-slashes", '[security]\nallowed_paths = ["//"]', "4",
     "security.allowed_paths: '/' " + REFUSED),
    ("allowed-path-dev", '[security]\nallowed_paths = ["/dev"]', "4",
     "security.allowed_paths: '/dev' " + REFUSED),
    ("allowed-path-sys", '[security]\nallowed_paths = ["/sys:rw"]', "4",
     "security.allowed_paths: '/sys' " + REFUSED),
    ("allowed-path-work", '[security]\nallowed_paths = ["/work"]', "4",
     "security.allowed_paths: '/work' " + REFUSED),
]


def error_config(sbx, text, name="c.toml"):
    d = sbx.scratch / "err"
    cfg = write(d / name, "# a configuration with one mistake\n\n" + text + "\n")
    return cfg, os.path.realpath(d)


@pytest.mark.parametrize("case", FILE_ERRORS, ids=[c[0] for c in FILE_ERRORS])
def test_file_error(sbx, case):
    _, text, where, message = case
    cfg, d = error_config(sbx, text)
    msg = one_error(cli(sbx, "config", "--config", cfg), USAGE)
    assert msg == "%s:%s: %s" % (cfg, where, message.replace("@DIR@", d))


def test_file_error_refuses_run(sbx):
    """`run` loads the same configuration: the same message, nothing runs."""
    cfg, _ = error_config(sbx, "[resource_limits]\nmemory_limit_mb = 2")
    msg = one_error(cli(sbx, "run", "--config", cfg, sbx.prog("hello.py")), USAGE)
    assert msg == cfg + ":4: resource_limits.memory_limit_mb: must be at least 4 (MiB), " \
                        "or 0 for no limit"


def test_float_for_integer_is_shown_as_float(sbx):
    """memory_limit_mb = 5.0 is refused (a float), and the message must not show it as the
    whole number 5 it asks for."""
    cfg, _ = error_config(sbx, "[resource_limits]\nmemory_limit_mb = 5.0")
    msg = one_error(cli(sbx, "config", "--config", cfg), USAGE)
    prefix = cfg + ":4: resource_limits.memory_limit_mb: expected a whole number from 0 to " \
                   "16777216, got "
    assert msg.startswith(prefix), msg
    got = msg[len(prefix):]
    assert "5.0" in got or "float" in got, "the float 5.0 is shown as %r" % got


def test_key_outside_section_names_the_section(sbx):
    """A key before any [section]: file:line, the key, and the section it belongs in."""
    cfg, _ = error_config(sbx, "timeout_s = 5\n[general]")
    msg = one_error(cli(sbx, "config", "--config", cfg), USAGE)
    assert msg.startswith(cfg + ":3: key 'timeout_s' outside any section"), msg
    assert "[resource_limits]" in msg, "the message does not say where timeout_s goes: " + msg


def test_key_in_wrong_section_names_its_section(sbx):
    """A known key under the wrong [section] says where it belongs."""
    cfg, _ = error_config(sbx, "[general]\ntimeout_s = 5")
    msg = one_error(cli(sbx, "config", "--config", cfg), USAGE)
    assert msg.startswith(cfg + ":4: unknown key 'timeout_s' in [general]"), msg
    assert "[resource_limits]" in msg, "the message does not say where timeout_s goes: " + msg


def test_truncated_key_gets_a_suggestion(sbx):
    """"packages" in [runtimes.python] is packages_path cut short: suggest it."""
    cfg, _ = error_config(sbx, '[runtimes.python]\npackages = "./vendor"')
    msg = one_error(cli(sbx, "config", "--config", cfg), USAGE)
    assert msg == cfg + ":4: unknown key 'packages' in [runtimes.python]; did you mean " \
                        "'packages_path'?"


def test_cgroup_parent_error_names_file_line_and_key(sbx):
    """A cgroup_parent the policy refuses (relative, or with ..): the message names file:line
    and the key like every other config error; given as a flag, it names the flag."""
    cfg, _ = error_config(sbx, '[resource_limits]\ncgroup_parent = "sbx/../x"')
    msg = one_error(cli(sbx, "config", "--config", cfg), USAGE)
    assert cfg + ":4" in msg and "resource_limits.cgroup_parent" in msg, msg
    msg = one_error(cli(sbx, "config", "--cgroup-parent", "relative"), USAGE)
    assert "--cgroup-parent" in msg and "relative" in msg, msg


@pytest.mark.parametrize("alias", ["symlink-to-root", "symlink-to-proc", "dotdot-proc",
                                   "dotdot-root", "double-slash-proc"])
def test_allowed_paths_alias_of_refused_path(sbx, alias):
    """/ and /proc are refused whatever they are called: through a symlink, "..", or "//"."""
    d = sbx.scratch / "alias"
    d.mkdir()
    path, real = {
        "symlink-to-root": (str(d / "root-link"), "/"),
        "symlink-to-proc": (str(d / "proc-link"), "/proc"),
        "dotdot-proc": ("/etc/../proc", "/proc"),
        "dotdot-root": ("/usr/..", "/"),
        "double-slash-proc": ("//proc", "/proc"),
    }[alias]
    if alias.startswith("symlink"):
        os.symlink(real, path)
    cfg = write(d / "c.toml", '[security]\nallowed_paths = ["%s"]\n' % path)
    r = cli(sbx, "config", "--config", cfg)
    msg = one_error(r, USAGE)
    assert msg.startswith(cfg + ":2: security.allowed_paths: '"), msg
    assert msg.endswith(REFUSED), msg


def test_config_file_missing(sbx):
    path = str(sbx.scratch / "missing.toml")
    for cmd in ("config", "run"):
        args = [cmd, "--config", path] + ([sbx.prog("hello.py")] if cmd == "run" else [])
        msg = one_error(cli(sbx, *args), NOINPUT)
        assert msg == "config file '%s' cannot be read: No such file or directory" % path


def test_config_file_is_directory(sbx):
    d = sbx.scratch / "conf.toml"
    d.mkdir(mode=0o755)
    msg = one_error(cli(sbx, "config", "--config", str(d)), NOINPUT)
    assert msg == "config file '%s' is not a regular file" % d


def test_config_file_unreadable(sbx):
    """0600 owned by root: uid 65534 cannot read it (66, Permission denied); root reads it."""
    cfg = write(sbx.scratch / "private.toml", '[general]\nlog_level = "warn"\n', mode=0o600)
    os.chown(cfg, 0, 0)
    r = cli(sbx, "config", "--json", "--config", cfg)
    if sbx.caller_uid == 0:
        assert r.returncode == 0, r
        assert flatten_json(json.loads(r.out))["general.log_level"] == ("warn", cfg + ":2")
    else:
        msg = one_error(r, NOINPUT)
        assert msg == "config file '%s' cannot be read: Permission denied" % cfg


def test_errors_in_system_and_user_files_name_them(sbx):
    sys_cfg = write(sbx.scratch / "system.toml", "[general]\n\nlog_levl = \"warn\"\n")
    r = cli(sbx, "config", env={"RUSTY_SANDBOX_SYSTEM_CONFIG": sys_cfg})
    assert one_error(r, USAGE) == \
        "%s:3: unknown key 'log_levl' in [general]; did you mean 'log_level'?" % sys_cfg
    xdg = sbx.scratch / "xdg"
    user_cfg = write(xdg / "rusty-sandbox" / "config.toml", "[resource_limits]\ncpus = 0.001\n")
    r = cli(sbx, "config", env={"XDG_CONFIG_HOME": str(xdg)})
    assert one_error(r, USAGE) == \
        "%s:2: resource_limits.cpus: must be at least 0.01, or 0 for no cap" % user_cfg
    d = sbx.scratch / "sysdir"
    d.mkdir()
    r = cli(sbx, "config", env={"RUSTY_SANDBOX_SYSTEM_CONFIG": str(d)})
    assert one_error(r, NOINPUT) == "config file '%s' is not a regular file" % d


# (flag, value, message after "rusty-sandbox: ")
FLAG_ERRORS = [
    ("--timeout", "abc", "--timeout: 'abc' is not valid: expected a number from 0 to 604800"),
    ("--timeout", "-1", "--timeout: '-1' is not valid: expected a number from 0 to 604800"),
    ("--timeout", "604801", "--timeout: expected a number from 0 to 604800, got 604801"),
    ("--memory-limit", "2", "--memory-limit: must be at least 4 (MiB), or 0 for no limit"),
    ("--memory-limit", "1.5",
     "--memory-limit: '1.5' is not valid: expected a whole number from 0 to 16777216"),
    ("--cpus", "0.001", "--cpus: must be at least 0.01, or 0 for no cap"),
    ("--max-open-files", "4", "--max-open-files: must be at least 8, or 0 to keep the default"),
    ("--max-processes", "99999999999",
     "--max-processes: expected a whole number from 0 to 4194304, got 99999999999"),
    ("--output-limit-action", "explode",
     '--output-limit-action: expected one of "truncate", "kill", got the string "explode"'),
    ("--tmp-size", "0", "--tmp-size: expected a whole number from 1 to 1048576, got 0"),
]


@pytest.mark.parametrize("case", FLAG_ERRORS, ids=["%s=%s" % c[:2] for c in FLAG_ERRORS])
def test_flag_error(sbx, case):
    flag, value, message = case
    assert one_error(cli(sbx, "config", flag, value), USAGE) == message
    assert one_error(cli(sbx, "run", sbx.prog("hello.py"), flag, value), USAGE) == message


# ---------------------------------------------------------------------------------------------
# 3. precedence


def test_precedence_five_layers(sbx):
    """defaults < system file < user file < --config < flags: timeout_s set differently in each
    layer, and keys set only up to some layer keep that layer's value."""
    sys_text = ("[resource_limits]\ntimeout_s = 11\nmax_processes = 21\nmax_output_kb = 31\n"
                "tmp_size_mb = 41\n")
    user_text = ("# user\n[resource_limits]\ntimeout_s = 12\nmax_processes = 22\n"
                 "max_output_kb = 32\n")
    file_text = "[resource_limits]\n\ntimeout_s = 13\nmax_processes = 23\n"
    sys_cfg = write(sbx.scratch / "etc" / "config.toml", sys_text)
    xdg = sbx.scratch / "xdg"
    user_cfg = write(xdg / "rusty-sandbox" / "config.toml", user_text)
    file_cfg = write(sbx.scratch / "file.toml", file_text)
    sys_env = {"RUSTY_SANDBOX_SYSTEM_CONFIG": sys_cfg}
    both_env = dict(sys_env, XDG_CONFIG_HOME=str(xdg))
    at = lambda path, text, key: "%s:%d" % (path, line_of(text, "resource_limits", key))
    T = "resource_limits.timeout_s"

    assert config_json(sbx)[T] == (30.0, "default")
    assert config_json(sbx, env=sys_env)[T] == (11.0, at(sys_cfg, sys_text, "timeout_s"))
    assert config_json(sbx, env=both_env)[T] == (12.0, at(user_cfg, user_text, "timeout_s"))
    got = config_json(sbx, "--config", file_cfg, env=both_env)
    assert got[T] == (13.0, at(file_cfg, file_text, "timeout_s"))
    got = config_json(sbx, "--config", file_cfg, "--timeout", "14", env=both_env)
    assert got[T] == (14.0, "--timeout")
    # The flag wins wherever it stands on the command line.
    got2 = config_json(sbx, "--timeout", "14", "--config", file_cfg, env=both_env)
    assert got2 == got
    # Each key from the highest layer that sets it.
    assert got["resource_limits.max_processes"] == (23, at(file_cfg, file_text, "max_processes"))
    assert got["resource_limits.max_output_kb"] == (32, at(user_cfg, user_text, "max_output_kb"))
    assert got["resource_limits.tmp_size_mb"] == (41, at(sys_cfg, sys_text, "tmp_size_mb"))
    assert got["resource_limits.memory_limit_mb"] == (512, "default")
    # The TOML output says the same.
    values, origins, _ = config_toml(sbx, "--config", file_cfg, "--timeout", "14", env=both_env)
    assert values == {k: v for k, (v, _) in got.items() if v is not None}
    assert origins == {k: o for k, (v, o) in got.items() if v is not None}


def test_user_file_under_home_without_xdg(sbx):
    """Without XDG_CONFIG_HOME (or with a relative one, which the XDG spec says to ignore) the
    user file is ~/.config/rusty-sandbox/config.toml."""
    home = sbx.scratch / "home"
    user_cfg = write(home / ".config" / "rusty-sandbox" / "config.toml",
                     "[resource_limits]\nmax_processes = 77\n")
    for extra in ({}, {"XDG_CONFIG_HOME": "relative/xdg"}):
        got = config_json(sbx, env=dict(extra, HOME=str(home)))
        assert got["resource_limits.max_processes"] == (77, user_cfg + ":2"), extra


def test_precedence_acts_on_a_run(sbx):
    """timeout_s from the user file stops the program; a --config file and then a flag
    override it and the program finishes."""
    prog = write(sbx.scratch / "nap.py", "import time\nprint('start', flush=True)\n"
                                         "time.sleep(1.0)\nprint('done')\n")
    xdg = sbx.scratch / "xdg"
    write(xdg / "rusty-sandbox" / "config.toml", "[resource_limits]\ntimeout_s = 0.4\n")
    env = {"XDG_CONFIG_HOME": str(xdg)}
    r, rep = sbx.run_json("run", prog, env=base_env(sbx, env))
    assert r.returncode == TIMEOUT, r
    assert rep["status"] == "timeout" and rep["stdout"] == "start\n", rep
    assert rep["limits"]["timeout_s"] == 0.4
    assert rep["wall_time_ms"] >= 350, rep["wall_time_ms"]
    r, rep = sbx.run_json("run", prog, "--timeout", "20", env=base_env(sbx, env))
    assert r.returncode == 0, r
    assert rep["status"] == "ok" and rep["stdout"] == "start\ndone\n", rep
    assert rep["limits"]["timeout_s"] == 20


def test_file_limits_reach_the_run(sbx):
    """Limits from a file are the run's limits (the report's "limits" map)."""
    cfg = write(sbx.scratch / "limits.toml",
                "[resource_limits]\nmemory_limit_mb = 300\ncpu_time_limit_s = 2.5\n"
                "timeout_s = 7.25\nmax_processes = 33\nmax_file_size_kb = 4096\n"
                "max_open_files = 64\ncpus = 1.5\nmax_output_kb = 77\n"
                'output_limit_action = "kill"\ntmp_size_mb = 16\nworkspace_size_mb = 24\n')
    r, rep = sbx.run_json("run", "--config", cfg, sbx.prog("hello.py"), env=base_env(sbx))
    assert r.returncode == 0, r
    assert rep["limits"] == {
        "timeout_s": 7.25, "max_output_kb": 77, "tmp_size_kb": 16384,
        "workspace_size_kb": 24576, "enable_network": False, "memory_limit_mb": 300,
        "cpu_time_limit_s": 2.5, "cpus": 1.5, "max_processes": 33, "max_file_size_kb": 4096,
        "max_open_files": 64, "output_limit_action": "kill", "on_violation": "log"}


# ---------------------------------------------------------------------------------------------
# 4. examples/config.toml


@pytest.fixture
def examples_copy(sbx):
    """<tmp>/repo/examples: a copy of the repository's example config and programs, owned by
    the CLI's caller (the runs create examples/workspace and examples/tmp in it). Removed after
    the test."""
    root = sbx.scratch / "repo"
    ex = root / "examples"
    ex.mkdir(parents=True)
    for name in ("config.toml", "hello.py", "hello.js"):
        shutil.copyfile(EXAMPLES / name, ex / name)
        os.chmod(ex / name, 0o644)
    give_to_caller(sbx, ex)
    yield root
    left = run_entries(ex / "workspace") + run_entries(ex / "tmp")
    shutil.rmtree(root)
    assert not left, "run directories left behind: %s" % left


def example_warnings(root):
    text = (root / "examples" / "config.toml").read_text()
    d = os.path.realpath(root / "examples")
    return [
        "rusty-sandbox: warning: examples/config.toml:%d: runtimes.python.packages_path: "
        "'%s/python_packages' is not a directory; skipped"
        % (line_of(text, "runtimes.python", "packages_path"), d),
        "rusty-sandbox: warning: examples/config.toml:%d: runtimes.javascript.modules_path: "
        "'%s/node_modules' is not a directory; skipped"
        % (line_of(text, "runtimes.javascript", "modules_path"), d),
    ]


def test_example_config_is_the_product_example():
    """examples/config.toml holds the example of the product description, key for key."""
    doc = tomllib.loads((EXAMPLES / "config.toml").read_text())
    assert doc == {
        "general": {"working_dir": "./workspace", "tmp_dir": "./tmp", "log_level": "info"},
        "resource_limits": {"memory_limit_mb": 512, "cpu_time_limit_s": 5, "timeout_s": 10,
                            "max_processes": 10, "max_file_size_kb": 5120,
                            "max_open_files": 20},
        "security": {"enable_network": False, "allowed_paths": ["/tmp", "./workspace"]},
        "runtimes": {
            "python": {"interpreter": "/usr/bin/python3", "packages_path": "./python_packages"},
            "javascript": {"interpreter": "/usr/bin/node", "modules_path": "./node_modules"},
            "wasm": {"enable_memory_growth": True, "max_memory_pages": 100},
        },
    }


@pytest.mark.parametrize("lang", ["py", "js"])
def test_example_config_runs_hello(sbx, examples_copy, lang):
    """`rusty-sandbox run --config examples/config.toml examples/hello.LANG` from the top of
    the tree: runs, with one warning for its own runtime's vendored directory that does not
    exist (the other runtime's missing directory is not this run's concern)."""
    root = examples_copy
    r = run_in(sbx, root, "run", "--config", "examples/config.toml", "examples/hello." + lang)
    assert r.returncode == 0, r
    first = r.out.splitlines()[0]
    assert first.startswith("hello from Python 3." if lang == "py" else "hello from Node.js v"), r
    assert "cwd /work" in r.out and ("network interfaces: [" in r.out or "network: none" in r.out), r
    # Static analysis findings (warn mode: hello.py imports socket) come before the run.
    lines = [x for x in r.err.splitlines() if not re.match(r"examples/hello\.\w+:\d+:\d+: ", x)]
    own = example_warnings(root)[0 if lang == "py" else 1]
    assert lines[:1] == [own], r
    assert len(lines) >= 2 and lines[1].startswith("rusty-sandbox: ok: exit 0;"), r
    # Then only events (e.g. the blocked netlink socket the examples try for interfaces).
    assert all(x.startswith("rusty-sandbox: event ") for x in lines[2:]), r
    # The relative working_dir and tmp_dir were made next to the config file.
    assert (root / "examples" / "workspace").is_dir() and (root / "examples" / "tmp").is_dir()


@pytest.mark.parametrize("lang", ["py", "js"])
def test_example_config_vendored_dirs(sbx, examples_copy, lang):
    """With python_packages/ and node_modules/ present: on PYTHONPATH / NODE_PATH, importable,
    read-only inside even where the host permissions would allow writing; no warnings."""
    ex = examples_copy / "examples"
    pkgs, mods = ex / "python_packages", ex / "node_modules"
    (mods / "m").mkdir(parents=True)
    pkgs.mkdir()
    write(pkgs / "mod.py", "X = 42\n", mode=0o666)
    write(mods / "m" / "index.js", "module.exports = { x: 43 };\n", mode=0o666)
    for p in (pkgs, mods, mods / "m"):
        os.chmod(p, 0o777)
    if lang == "py":
        src = """
import errno, json, os, mod
out = {"x": mod.X, "file": mod.__file__, "path": os.environ.get("PYTHONPATH")}
for name, p in (("new", os.path.dirname(mod.__file__) + "/new.py"), ("append", mod.__file__)):
    try:
        with open(p, "a") as f:
            f.write("tampered")
        out[name] = "written"
    except OSError as e:
        out[name] = errno.errorcode[e.errno]
print(json.dumps(out))
"""
    else:
        src = """
const fs = require("fs"), path = require("path");
const m = require("m"), file = require.resolve("m");
const out = { x: m.x, file, path: process.env.NODE_PATH };
for (const [name, p] of [["new", path.dirname(file) + "/new.js"], ["append", file]]) {
  try { fs.appendFileSync(p, "tampered"); out[name] = "written"; } catch (e) { out[name] = e.code; }
}
console.log(JSON.stringify(out));
"""
    prog = write(sbx.scratch / ("vendored." + lang), src)
    r = run_in(sbx, examples_copy, "run", "--quiet", "--config", "examples/config.toml", prog)
    assert r.returncode == 0, r
    assert r.err == "", r
    got = json.loads(r.out)
    d = os.path.realpath(ex)
    if lang == "py":
        assert got["x"] == 42 and got["path"] == d + "/python_packages", got
        assert got["file"] == d + "/python_packages/mod.py", got
    else:
        assert got["x"] == 43 and got["path"] == d + "/node_modules", got
        assert got["file"] == d + "/node_modules/m/index.js", got
    assert got["new"] == "EROFS" and got["append"] == "EROFS", got
    assert sorted(os.listdir(pkgs)) == ["mod.py"] and (pkgs / "mod.py").read_text() == "X = 42\n"
    assert sorted(os.listdir(mods / "m")) == ["index.js"]
    assert (mods / "m" / "index.js").read_text() == "module.exports = { x: 43 };\n"


# ---------------------------------------------------------------------------------------------
# 5. allowed_paths


ALLOWED_PROBE = """
import errno, json, os, sys
ro, rw, wd_host, host_tmp_file, private_name = sys.argv[1:6]
out = {}
def attempt(name, fn):
    try:
        out[name] = fn()
    except OSError as e:
        out[name] = errno.errorcode[e.errno]
def write(p, text):
    with open(p, "w") as f:
        f.write(text)
    return "written"
attempt("ro_read", lambda: open(ro + "/f.txt").read())
attempt("ro_write", lambda: write(ro + "/new.txt", "x"))
attempt("ro_list", lambda: sorted(os.listdir(ro)))
attempt("rw_read", lambda: open(rw + "/host.txt").read())
attempt("rw_write", lambda: write(rw + "/new.txt", "from the sandbox"))
out["wd_host_visible"] = os.path.exists(wd_host)
out["work"] = sorted(os.listdir("/work"))
out["host_tmp_file_visible"] = os.path.exists(host_tmp_file)
attempt("tmp_write", lambda: write("/tmp/" + private_name, "private"))
print(json.dumps(out))
"""


def test_allowed_paths(sbx, session):
    """A host dir listed plainly is visible read-only at the same path; "DIR:rw" is writable and
    the write lands on the host; "/tmp" and the working dir in the list mean the sandbox's
    private ones (host files there stay invisible, writes stay inside)."""
    conf = sbx.scratch / "ap"
    ro, rw, wd = conf / "shared", conf / "out", conf / "wd"
    for p in (ro, rw, wd):
        p.mkdir(parents=True)
    os.chmod(ro, 0o777)  # host permissions would allow writing: the mount must not
    write(ro / "f.txt", "read me", mode=0o666)
    os.chmod(rw, 0o777)
    write(rw / "host.txt", "from the host")
    write(wd / "host-only.txt", "must not show")
    give_to_caller(sbx, wd)
    cfg = write(conf / "c.toml", '[general]\nworking_dir = "./wd"\n[security]\n'
                                 'allowed_paths = ["./shared", "./out:rw", "/tmp", "./wd"]\n')
    host_tmp_file = pathlib.Path("/tmp") / (session.tag + "-config-host-file")
    private_name = session.tag + "-config-private"
    prog = write(sbx.scratch / "allowed.py", ALLOWED_PROBE)
    try:
        host_tmp_file.write_text("host /tmp")
        r = cli(sbx, "run", "--quiet", "--config", cfg, prog, "--", str(ro), str(rw), str(wd),
                str(host_tmp_file), private_name)
        assert r.returncode == 0, r
        got = json.loads(r.out)
        assert not (pathlib.Path("/tmp") / private_name).exists(), "/tmp write reached the host"
    finally:
        host_tmp_file.unlink(missing_ok=True)
        (pathlib.Path("/tmp") / private_name).unlink(missing_ok=True)
    assert got["ro_read"] == "read me" and got["ro_list"] == ["f.txt"], got
    assert got["ro_write"] == "EROFS", got
    assert got["rw_read"] == "from the host" and got["rw_write"] == "written", got
    assert (rw / "new.txt").read_text() == "from the sandbox"
    assert not (ro / "new.txt").exists()
    assert got["wd_host_visible"] is False and "host-only.txt" not in got["work"], got
    assert got["work"] == ["allowed.py"], got
    assert got["host_tmp_file_visible"] is False and got["tmp_write"] == "written", got
    assert run_entries(wd) == []


# ---------------------------------------------------------------------------------------------
# 6. log_level and the Node.js descriptor minimum


@pytest.mark.parametrize("level", ["error", "warn", "info", "debug"])
def test_log_level(sbx, level):
    """error: nothing of ours on stderr; warn: warnings; info (and debug): warnings and the
    summary line. The program's own output is never touched."""
    d = sbx.scratch / "ll"
    text = '[general]\nlog_level = "%s"\n[runtimes.python]\npackages_path = "./missing"\n' % level
    cfg = write(d / "c.toml", text)
    prog = write(sbx.scratch / "both.py",
                 "import sys\nprint('out')\nprint('err', file=sys.stderr)\n")
    r = cli(sbx, "run", "--config", cfg, prog)
    assert r.returncode == 0 and r.out == "out\n", r
    lines = r.err.splitlines()
    assert "err" in lines, r
    ours = [l for l in lines if l != "err"]
    warning = "rusty-sandbox: warning: %s:4: runtimes.python.packages_path: '%s/missing' is " \
              "not a directory; skipped" % (cfg, os.path.realpath(d))
    if level == "error":
        assert ours == [], r
    elif level == "warn":
        assert ours == [warning], r
    else:
        assert len(ours) == 2 and ours[0] == warning, r
        assert ours[1].startswith("rusty-sandbox: ok: exit 0;"), r


def test_log_level_error_still_prints_errors(sbx):
    cfg = write(sbx.scratch / "quiet.toml", '[general]\nlog_level = "error"\n')
    path = str(sbx.scratch / "absent.py")
    msg = one_error(cli(sbx, "run", "--config", cfg, path), NOINPUT)
    assert path in msg and "No such file" in msg, msg


def test_node_needs_twenty_descriptors(sbx):
    """max_open_files below 20 refuses a .js run with a message that says 20; python runs with
    it; 20 is enough for node."""
    cfg = write(sbx.scratch / "fds.toml", "[resource_limits]\nmax_open_files = 19\n")
    for args in (["--config", cfg], ["--max-open-files", "19"]):
        msg = one_error(cli(sbx, "run", *args, sbx.prog("hello.js")), USAGE)
        assert "19" in msg and "at least 20" in msg and "javascript" in msg, msg
    r = cli(sbx, "run", "--quiet", "--config", cfg, sbx.prog("hello.py"))
    assert r.returncode == 0 and r.out == "hello from python\n", r
    r = cli(sbx, "run", "--quiet", "--max-open-files", "20", sbx.prog("hello.js"))
    assert r.returncode == 0 and r.out == "hello from javascript\n", r
