"""list-supported, --help, --version."""
import json
import os
import re
import subprocess

import pytest

from conftest import error_lines


def host_version(argv):
    out = subprocess.run(argv + ["--version"], capture_output=True, text=True, timeout=30)
    return (out.stdout + out.stderr).split()[-1]


@pytest.fixture(scope="module")
def versions():
    return {"python": host_version(["/usr/bin/python3"]),
            "javascript": host_version(["/usr/bin/node"])}


def test_list_supported_text(sbx, versions):
    r = sbx.run("list-supported")
    assert r.returncode == 0, r
    rows = {}
    for line in r.out.splitlines()[1:]:
        cols = line.split()
        rows[cols[0]] = cols
    assert r.out.splitlines()[0].split() == ["RUNTIME", "EXTENSIONS", "INTERPRETER", "VERSION"]
    assert {"python", "javascript"} <= set(rows), r
    py, js = rows["python"], rows["javascript"]
    assert ".py" in py and py[-2] == os.path.realpath("/usr/bin/python3") and \
        py[-1] == versions["python"], py
    assert ".js" in js and js[-2] == os.path.realpath("/usr/bin/node") and \
        js[-1] == versions["javascript"], js


def test_list_supported_json(sbx, versions):
    r = sbx.run("list-supported", "--json")
    assert r.returncode == 0, r
    rows = {o["runtime"]: o for o in json.loads(r.out)}
    assert rows["python"]["interpreter"] == os.path.realpath("/usr/bin/python3")
    assert rows["python"]["version"] == versions["python"]
    assert ".py" in rows["python"]["extensions"]
    assert rows["javascript"]["interpreter"] == os.path.realpath("/usr/bin/node")
    assert rows["javascript"]["version"] == versions["javascript"]
    assert {".js", ".mjs", ".cjs"} <= set(rows["javascript"]["extensions"])
    assert rows["python"]["error"] is None and rows["javascript"]["error"] is None


def test_report_version_matches_list(sbx, versions):
    _, rep = sbx.run_json("run", sbx.prog("hello.js"))
    assert rep["runtime"]["version"] == versions["javascript"]


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["run", "--help"], ["help-less"]],
                         ids=["--help", "-h", "run--help", "no-such-command"])
def test_help(sbx, argv):
    r = sbx.run(*argv)
    if argv == ["help-less"]:
        assert r.returncode == 64 and len(error_lines(r.err)) == 1, r
        return
    assert r.returncode == 0, r
    assert "Usage:" in r.out and "rusty-sandbox run FILE" in r.out, r
    for opt in ("--timeout", "--max-output", "--stdin", "--env", "--keep", "--json"):
        assert opt in r.out
    assert "124" in r.out and "127" in r.out  # the exit code table
    assert r.err == ""


def test_no_arguments_prints_usage(sbx):
    r = sbx.run()
    assert r.returncode == 64 and "Usage:" in r.out, r


def test_version(sbx):
    r = sbx.run("--version")
    assert r.returncode == 0 and r.err == "", r
    assert re.fullmatch(r"rusty-sandbox \d+\.\d+\.\d+\S*\n", r.out), r
