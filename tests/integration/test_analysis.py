"""Static analysis end to end: `rusty-sandbox check` (output format, exit codes, --json, the
config's [analysis] keys), `run` in block, warn and off modes, the audit log's findings, and the
OS layer containing what analysis would have blocked when analysis is off (analysis is a policy
aid, not the boundary)."""
import base64
import json
import os
import re
import socket

import pytest

LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>info|low|medium|high|"
                  r"critical|error): (?P<msg>.+) \[(?P<rule>[A-Z]+(-[A-Z]+-\d{3})?|syntax)\]")

EVIL = """import os
print("eval")  # a string: no finding
os.system("echo hi")
"""

CLEAN = """import json
def main():
    data = {"a": 1}
    print(json.dumps(data))
    model = object()
main()
"""

NETWORK_ONLY = """import socket
s = socket.socket()
"""


def check_lines(out):
    return [LINE.match(l).groupdict() for l in out.splitlines() if LINE.match(l)]


def test_check_clean_file_exits_0(sbx):
    f = sbx.write("clean.py", CLEAN)
    r = sbx.run("check", f)
    assert r.returncode == 0, r
    assert r.out == "", r


def test_check_format_and_exit_1(sbx):
    f = sbx.write("evil.py", EVIL)
    r = sbx.run("check", f)
    assert r.returncode == 1, r
    lines = r.out.splitlines()
    assert len(lines) == 1, r
    m = LINE.match(lines[0])
    assert m, lines[0]
    assert m["file"] == f and m["line"] == "3" and m["col"] == "1", m.groupdict()
    assert m["sev"] == "critical" and m["rule"] == "PY-EXEC-001", m.groupdict()
    assert "os.system" in m["msg"]


def test_check_syntax_error_exits_2_and_still_reports(sbx):
    f = sbx.write("broken.py", "import os\nos.system('x')\ndef f(:\n    pass\n")
    r = sbx.run("check", f)
    assert r.returncode == 2, r
    found = check_lines(r.out)
    assert [x["rule"] for x in found] == ["PY-EXEC-001", "syntax"], r
    assert found[1]["line"] == "3" and found[1]["sev"] == "error"


def test_check_unreadable_and_unsupported_exit_2(sbx):
    good = sbx.write("ok.py", CLEAN)
    r = sbx.run("check", good, str(sbx.scratch / "missing.py"))
    assert r.returncode == 2, r
    assert "missing.py" in r.err and "cannot read" in r.err, r
    txt = sbx.write("notes.txt", "eval(x)\n")
    r = sbx.run("check", txt)
    assert r.returncode == 2 and "no analyser" in r.err, r
    r = sbx.run("check")
    assert r.returncode == 64 and "no file given" in r.err, r


def test_check_worst_exit_code_of_several_files(sbx):
    clean = sbx.write("a.py", CLEAN)
    evil = sbx.write("b.py", EVIL)
    r = sbx.run("check", clean, evil)
    assert r.returncode == 1, r
    assert [x["file"] for x in check_lines(r.out)] == [evil]


def test_check_json(sbx):
    evil = sbx.write("evil.py", EVIL)
    r = sbx.run("check", "--json", evil, str(sbx.scratch / "nope.py"))
    assert r.returncode == 2, r
    out = json.loads(r.out)
    assert len(out) == 2
    assert out[0]["file"] == evil and out[0]["language"] == "python"
    assert out[0]["blocks"] is True and out[0]["syntax_error"] is None
    (f,) = out[0]["findings"]
    assert f["rule"] == "PY-EXEC-001" and f["category"] == "command_execution"
    assert f["severity"] == "critical" and (f["line"], f["column"]) == (3, 1)
    assert f["detail"] == "os.system" and f["hint"] and f["message"]
    assert f["informational"] is False and f["allowed"] is False
    assert "error" in out[1] and "nope.py" in out[1]["file"]


def test_check_block_severity_flag(sbx):
    f = sbx.write("net.py", NETWORK_ONLY)
    assert sbx.run("check", f).returncode == 1  # PY-NET-002 is high
    r = sbx.run("check", "--block-severity", "critical", f)
    assert r.returncode == 0, r
    assert len(check_lines(r.out)) == 2, r  # still reported
    r = sbx.run("check", "--block-severity", "severe", f)
    assert r.returncode == 64 and "--block-severity" in r.err, r


def test_config_allow_rules(sbx):
    f = sbx.write("evil.py", EVIL)
    conf = sbx.write("c.toml", '[analysis]\nallow_rules = ["PY-EXEC-001"]\n')
    r = sbx.run("check", "--config", conf, f)
    assert r.returncode == 0, r
    assert "(allowed by allow_rules)" in r.out, r
    bad = sbx.write("bad.toml", '[analysis]\nmode = "block"\nallow_rules = ["PY-EXEC-999"]\n')
    r = sbx.run("check", "--config", bad, f)
    assert r.returncode == 64, r
    assert "bad.toml:3" in r.err and "PY-EXEC-999" in r.err, r
    bad = sbx.write("bad2.toml", '[analysis]\nmode = "loud"\n')
    r = sbx.run("check", "--config", bad, f)
    assert r.returncode == 64 and "bad2.toml:2" in r.err and "analysis.mode" in r.err, r


def test_run_block_refuses(sbx):
    prog = sbx.write("evil.py", "import os\nprint('ran')\nos.system('echo hi')\n")
    r = sbx.run("run", "--analysis", "block", prog)
    assert r.returncode == 126, r
    assert "ran" not in r.out, r
    assert "PY-EXEC-001" in r.err and "blocked" in r.err, r
    r, rep = sbx.run_json("run", "--analysis", "block", prog)
    assert r.returncode == 126, r
    assert rep["status"] == "blocked" and rep["exit_code"] is None, rep
    assert rep["stdout"] == "", rep
    assert [f["rule"] for f in rep["findings"]] == ["PY-EXEC-001"]
    assert rep["analysis"]["mode"] == "block" and rep["analysis"]["blocks"] is True
    assert sbx.run_dirs() == []


def test_run_block_lets_clean_and_allowed_programs_run(sbx):
    prog = sbx.write("clean.py", CLEAN)
    r = sbx.run("run", "--analysis", "block", prog)
    assert r.returncode == 0 and '{"a": 1}' in r.out, r
    net = sbx.write("net.py", "import socket\ntry:\n    socket.socket()\nexcept OSError:\n"
                    "    pass\nprint('ran')\n")
    r = sbx.run("run", "--analysis", "block", "--block-severity", "critical", net)
    assert r.returncode == 0 and "ran" in r.out, r
    conf = sbx.write("c.toml", '[analysis]\nmode = "block"\nallow_rules = ["PY-NET-002"]\n')
    r = sbx.run("run", "--config", conf, net)
    assert r.returncode == 0 and "ran" in r.out, r
    assert "(allowed by allow_rules)" in r.err, r


def test_run_warn_runs_and_reports(sbx):
    prog = sbx.write("warn.py", "import subprocess\nprint('ran')\n")
    r = sbx.run("run", prog)  # warn is the default
    assert r.returncode == 0 and "ran" in r.out, r
    assert re.search(r"warn\.py:1:8: medium: .* \[PY-IMPORT-001\]", r.err), r
    r, rep = sbx.run_json("run", prog)
    assert rep["status"] == "ok", rep
    assert rep["analysis"]["mode"] == "warn" and rep["analysis"]["language"] == "python"
    assert rep["analysis"]["elapsed_us"] >= 0
    assert [f["rule"] for f in rep["findings"]] == ["PY-IMPORT-001"]
    assert "analysed" in [t["stage"] for t in rep["timings"]]


def test_run_off_does_not_analyse(sbx):
    prog = sbx.write("off.py", "import subprocess\nprint('ran')\n")
    r, rep = sbx.run_json("run", "--analysis", "off", prog)
    assert r.returncode == 0 and rep["status"] == "ok", r
    assert rep["findings"] == [] and rep["analysis"]["mode"] == "off"
    assert rep["analysis"]["language"] is None
    r = sbx.run("run", "--analysis", "off", prog)
    assert "PY-IMPORT-001" not in r.err, r
    r = sbx.run("run", "--analysis", "maybe", prog)
    assert r.returncode == 64 and "--analysis" in r.err, r


def test_audit_log_records_findings_of_a_blocked_run(sbx):
    d = sbx.scratch / "audit"
    d.mkdir()
    os.chmod(d, 0o777)
    log = str(d / "log.jsonl")
    prog = sbx.write("evil.py", EVIL)
    r = sbx.run("run", "--analysis", "block", "--audit-log", log, prog)
    assert r.returncode == 126, r
    with open(log) as f:
        (line,) = [json.loads(x) for x in f.read().splitlines()]
    assert line["status"] == "blocked"
    assert [x["rule"] for x in line["findings"]] == ["PY-EXEC-001"]


# --- the OS layer contains what analysis would have blocked, with analysis off -------------


def test_os_layer_contains_host_binary_exec(sbx):
    marker = sbx.scratch / "host-ran"
    script = sbx.write("host-only.sh", "#!/bin/sh\ntouch %s\n" % marker, mode=0o755)
    os.chmod(sbx.scratch, 0o777)
    prog = sbx.write("exec.py", "import os\nrc = os.system(%r)\nprint('rc', rc)\n" % script)
    r = sbx.run("run", "--analysis", "off", prog)
    assert r.returncode == 0, r
    m = re.search(r"rc (\d+)", r.out)
    assert m and int(m.group(1)) != 0, r  # the host path does not exist inside
    assert not marker.exists()
    assert os.access(script, os.X_OK)  # it would have worked on the host


def test_os_layer_contains_reading_etc_shadow(sbx):
    prog = sbx.write("shadow.py", """
try:
    data = open('/etc/shadow').read()
    print('read', len(data))
except OSError as e:
    print('denied', type(e).__name__)
""")
    r = sbx.run("run", "--analysis", "off", prog)
    assert r.returncode == 0, r
    assert "denied" in r.out and "read" not in r.out, r
    r = sbx.run("check", prog)
    assert "PY-FS-001" in r.out, r  # what analysis would have said


def test_os_layer_contains_socket_connect(sbx):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(0.5)
    port = srv.getsockname()[1]
    prog = sbx.write("net.py", """
import socket
try:
    socket.create_connection(('127.0.0.1', %d), timeout=2)
    print('connected')
except OSError as e:
    print('refused', type(e).__name__)
""" % port)
    try:
        r = sbx.run("run", "--analysis", "off", prog)
        assert r.returncode == 0, r
        assert "refused" in r.out and "connected" not in r.out, r
        with pytest.raises(OSError):  # nothing reached the host listener
            srv.accept()
    finally:
        srv.close()
    r = sbx.run("check", prog)
    assert "PY-NET-002" in r.out, r


def test_os_layer_contains_obfuscated_and_native_python(sbx):
    """Decoded code executed (PY-OBF-004) and ctypes (PY-IMPORT-002): with analysis off the
    decoded os.system of a host-only script finds nothing to run and ptrace is refused by
    seccomp (a blocked_syscall event)."""
    marker = sbx.scratch / "host-ran-obf"
    script = sbx.write("host-only-obf.sh", "#!/bin/sh\ntouch %s\n" % marker, mode=0o755)
    os.chmod(sbx.scratch, 0o777)
    payload = base64.b64encode(("import os\nprint('rc', os.system(%r))\n" % script).encode())
    prog = sbx.write("obf.py", """import base64, ctypes
exec(base64.b64decode(%r))
libc = ctypes.CDLL(None)
print('ptrace', libc.ptrace(16, 1, 0, 0))
""" % payload.decode())
    r, rep = sbx.run_json("run", "--analysis", "off", prog)
    assert rep["status"] == "ok" and rep["findings"] == [], rep
    m = re.search(r"rc (\d+)", rep["stdout"])
    assert m and int(m.group(1)) != 0 and not marker.exists(), rep["stdout"]
    assert "ptrace -1" in rep["stdout"], rep["stdout"]
    assert any(e["type"] == "blocked_syscall" and "ptrace" in e["detail"]
               for e in rep["events"]), rep["events"]
    r = sbx.run("check", prog)
    assert "PY-OBF-004" in r.out and "PY-IMPORT-002" in r.out, r


def test_os_layer_contains_javascript(sbx):
    """The JavaScript families with analysis off: child_process (also through eval of decoded
    code), fs outside the allowed paths and a TCP connect are each contained by the sandbox."""
    marker = sbx.scratch / "host-ran-js"
    script = sbx.write("host-only-js.sh", "#!/bin/sh\ntouch %s\n" % marker, mode=0o755)
    os.chmod(sbx.scratch, 0o777)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(0.5)
    port = srv.getsockname()[1]
    code = base64.b64encode(("require('child_process').execSync(%s)" %
                             json.dumps(script)).encode()).decode()
    prog = sbx.write("contained.js", """const cp = require('child_process');
const fs = require('fs');
const net = require('net');
function attempt(name, fn) {
  try { fn(); console.log(name, 'worked'); } catch (e) { console.log(name, 'failed', e.code); }
}
attempt('exec', () => cp.execSync(%s));
attempt('evalexec', () => eval(Buffer.from('%s', 'base64').toString()));
attempt('shadow', () => fs.readFileSync('/etc/shadow'));
attempt('write', () => fs.writeFileSync('/usr/lib/sbx-planted', 'x'));
const s = net.connect(%d, '127.0.0.1');
s.on('connect', () => { console.log('net worked'); s.destroy(); });
s.on('error', (e) => console.log('net failed', e.code));
""" % (json.dumps(script), code, port))
    try:
        r, rep = sbx.run_json("run", "--analysis", "off", prog)
        with pytest.raises(OSError):  # nothing reached the host listener
            srv.accept()
    finally:
        srv.close()
    out = rep["stdout"]
    assert rep["status"] == "ok", rep
    for name in ("exec", "evalexec", "shadow", "write", "net"):
        assert "%s failed" % name in out and "%s worked" % name not in out, out
    assert not marker.exists() and not os.path.exists("/usr/lib/sbx-planted")
    r = sbx.run("check", prog)
    for rule in ("JS-EXEC-001", "JS-OBF-002", "JS-FS-002", "JS-FS-001", "JS-NET-001"):
        assert rule in r.out, (rule, r.out)
