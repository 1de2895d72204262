"""The audit log's default when installed: root running the installed binary logs every run to
the build's system_audit_log; a user running the same binary, or root running a development
build, logs nothing; `audit_log = ""` turns it off. The test installs a build into a temporary
prefix (configured with -Dsystem_audit_log pointing into it) so no system path is touched."""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

from conftest import MUST_WORK, REPO, SETPRIV

pytestmark = pytest.mark.skipif(os.geteuid() != 0 and not MUST_WORK,
                                reason="installing needs a writable prefix made by root")


@pytest.fixture(scope="module")
def installed():
    base = pathlib.Path(tempfile.mkdtemp(prefix="sbx-installed-"))  # uid 65534 can reach it
    os.chmod(base, 0o755)
    prefix, log = base / "prefix", base / "log" / "audit.jsonl"
    build = base / "build"
    for cmd in (["meson", "setup", str(build), f"--prefix={prefix}", "-Dtests=disabled",
                 f"-Dsystem_audit_log={log}"],
                ["meson", "install", "-C", str(build), "--quiet"]):
        r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stdout + r.stderr
    shutil.rmtree(build)
    yield prefix / "bin" / "rusty-sandbox", log, base
    shutil.rmtree(base)


def run(cmd, cwd, **kw):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "TMPDIR": str(cwd),
                               "RUSTY_SANDBOX_RUNTIME_DIR": str(cwd / "registry")}, **kw)


def test_root_running_the_installed_binary_is_audited(installed):
    binary, log, base = installed
    tmp_path = base / "root"  # removed with the rest of the install
    tmp_path.mkdir()
    assert oct(os.stat(log.parent).st_mode & 0o777) == "0o700"  # made by meson install
    prog = tmp_path / "p.py"
    prog.write_text("print('audited')\n")
    r = run([str(binary), "run", str(prog)], tmp_path)
    assert r.returncode == 0, r
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert len(lines) == 1 and lines[0]["what"]["file"] == str(prog), lines
    assert lines[0]["who"]["uid"] == 0
    r = run([str(binary), "config"], tmp_path)
    assert f'audit_log = "{log}"  # default for root (installed binary)' in r.stdout, r.stdout

    conf = tmp_path / "off.toml"
    conf.write_text('[general]\naudit_log = ""\n')
    r = run([str(binary), "run", "--config", str(conf), str(prog)], tmp_path)
    assert r.returncode == 0, r
    assert len(log.read_text().splitlines()) == 1  # turned off: no new line


def test_a_user_running_it_is_not_audited_by_default(installed):
    binary, log, base = installed
    before = log.read_text() if log.exists() else ""
    tmp_path = base / "user"  # below a 0755 path uid 65534 can reach
    tmp_path.mkdir(mode=0o777)
    os.chmod(tmp_path, 0o777)
    prog = tmp_path / "p.py"
    prog.write_text("print('not audited')\n")
    os.chmod(prog, 0o644)
    r = run(SETPRIV + [str(binary), "run", "--allow-weaker-limits", str(prog)], tmp_path)
    assert r.returncode == 0, r
    assert "not audited" in r.stdout
    assert (log.read_text() if log.exists() else "") == before
    r = run(SETPRIV + [str(binary), "config"], tmp_path)
    assert "# audit_log is not set" in r.stdout, r.stdout
