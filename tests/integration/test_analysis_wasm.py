"""WebAssembly static analysis end to end through `rusty-sandbox check`: modules assembled by
wat2wasm from tests/data/wasm/*.wat, findings at line 1 with column = byte offset + 1 of the
import entry or memory type, the [runtimes.wasm] max_memory_pages cap, malformed modules as
errors that name the offset. `check` comes with the analysis work (analysis-py branch): a build
without it skips these tests, saying so."""
import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "wasm"
WAT2WASM_FLAGS = ["--enable-threads", "--enable-multi-memory", "--enable-memory64",
                  "--enable-exceptions", "--enable-extended-const"]
LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>info|low|medium|high|"
                  r"critical|error): (?P<msg>.+) \[(?P<rule>[A-Z]+-[A-Z]+-\d{3})\]$")


@pytest.fixture
def wasm(sbx):
    """Assemble tests/data/wasm/STEM.wat into the test's scratch dir; returns the path."""
    if sbx.run("check", "--help").returncode != 0:
        pytest.skip("this build has no `rusty-sandbox check` (the analysis work adds it)")
    assert shutil.which("wat2wasm"), "wat2wasm (wabt) is a declared dependency"

    def build(stem):
        out = sbx.scratch / (stem + ".wasm")
        subprocess.run(["wat2wasm", *WAT2WASM_FLAGS, str(DATA / (stem + ".wat")), "-o",
                        str(out)], check=True)
        os.chmod(out, 0o644)
        return str(out)
    return build


def findings(out):
    return [LINE.match(l).groupdict() for l in out.splitlines() if LINE.match(l)]


def test_check_wasi_families(sbx, wasm):
    f = wasm("wasi-families")
    r = sbx.run("check", f)
    assert r.returncode == 1, r  # WASM-NET-001 and WASM-HOST-001 are high
    found = findings(r.out)
    assert sorted(x["rule"] for x in found) == sorted([
        "WASM-NET-001", "WASM-NET-001", "WASM-FS-001", "WASM-FS-002", "WASM-FS-003",
        "WASM-EXEC-001", "WASM-HOST-001"]), r
    assert all(x["file"] == f and x["line"] == "1" for x in found), r
    # The column is the import entry's offset + 1: its module name's length byte.
    data = pathlib.Path(f).read_bytes()
    entry = data.index(b"\x16wasi_snapshot_preview1\x0bsock_accept")
    (net,) = [x for x in found if "sock_accept" in x["msg"]]
    assert net["col"] == str(entry + 1) and net["sev"] == "high", net
    (host,) = [x for x in found if x["rule"] == "WASM-HOST-001"]
    assert "env.host_callback (func)" in host["msg"], host


def test_check_clean_module_exits_0(sbx, wasm):
    r = sbx.run("check", wasm("hello-wasi"))
    assert r.returncode == 0 and r.out == "", r


def test_check_memory_cap_from_config(sbx, wasm):
    f = wasm("memory-large")
    assert sbx.run("check", f).returncode == 0  # no cap: 300 pages are fine
    conf = sbx.write("c.toml", "[runtimes.wasm]\nmax_memory_pages = 256\n")
    r = sbx.run("check", "--json", "--config", conf, f)
    assert r.returncode == 1, r
    (a,) = json.loads(r.out)
    assert a["language"] == "wasm" and a["blocks"] is True, a
    (m,) = a["findings"]
    assert m["rule"] == "WASM-MEM-001" and m["category"] == "resource", m
    assert m["severity"] == "high" and m["line"] == 1, m
    assert m["detail"] == "memory 0: 300 initial pages (18.75 MiB) > max_memory_pages 256", m


def test_check_malformed_module_names_the_offset(sbx, wasm):
    good = wasm("hello-wasi")
    bad = sbx.write("bad.wasm", b"\0asm\1\0\0\0\2\x09\1")
    r = sbx.run("check", good, bad)
    assert r.returncode == 2, r
    assert ("offset 0x8: the import section's size (9 bytes) runs past the end of the module"
            in r.out + r.err), r
    trunc = sbx.write("trunc.wasm", pathlib.Path(good).read_bytes()[:40])
    r = sbx.run("check", trunc)
    assert r.returncode == 2 and "offset 0x" in r.out + r.err, r
    r = sbx.run("check", sbx.write("text.wasm", b"MZ\x90\0"))
    assert r.returncode == 2 and "not a WebAssembly module (bad magic)" in r.out + r.err, r
