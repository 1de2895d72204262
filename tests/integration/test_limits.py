"""Wall-clock limit and output cap: programs that never stop, programs that never stop talking."""
import re

import pytest

# Generous upper bound for a run with --timeout 0.5 (never a speed assertion: a loaded CI
# machine must not fail this; a hung or unlimited run would take 30 s or forever).
HANG_BOUND = 10


@pytest.mark.parametrize("prog,printed", [("spin.py", "spinning now\n"),
                                          ("spin.js", "waiting forever\n")])
def test_timeout_json(sbx, prog, printed):
    r, rep = sbx.run_json("run", sbx.prog(prog), "--timeout", "0.5", timeout=HANG_BOUND + 20)
    assert r.returncode == 124, r
    assert r.elapsed < HANG_BOUND, r.elapsed
    assert rep["status"] == "timeout"
    assert rep["exit_code"] is None
    assert rep["limits"]["timeout_s"] == 0.5
    assert rep["enforcement"]["timeout"] == "supervisor-timer"
    # output printed before the hang is kept
    assert rep["stdout"] == printed
    assert rep["wall_time_ms"] >= 500


@pytest.mark.parametrize("prog,printed", [("spin.py", "spinning now\n"),
                                          ("spin.js", "waiting forever\n")])
def test_timeout_live(sbx, prog, printed):
    r = sbx.run("run", "--timeout=0.5", sbx.prog(prog), timeout=HANG_BOUND + 20)
    assert r.returncode == 124, r
    assert r.elapsed < HANG_BOUND, r.elapsed
    assert r.out == printed, r
    assert "rusty-sandbox: timeout: wall-clock limit of 0.5s reached, killed" in r.err, r


def test_timeout_zero_means_none(sbx, marker):
    # --timeout 0 is "no limit": a program sleeping 1 s finishes normally
    r, rep = sbx.run_json("run", sbx.prog("sleeper.py"), "--timeout", "0", "--", marker, "1")
    assert r.returncode == 0 and rep["status"] == "ok", r
    assert rep["limits"]["timeout_s"] is None
    assert rep["stdout"].endswith("woke up\n")


LINES = 500_000  # 5,000,000 bytes + "END\n"


def flood_bytes(lines=LINES):
    return "".join("%09d\n" % i for i in range(lines)).encode() + b"END\n"


@pytest.fixture(scope="module")
def expected_flood():
    return flood_bytes()


@pytest.mark.parametrize("prog,stream", [("flood.py", "stdout"), ("flood.js", "stdout"),
                                         ("flood.py", "stderr")])
def test_output_cap_json(sbx, expected_flood, prog, stream):
    exp = expected_flood
    r, rep = sbx.run_json("run", sbx.prog(prog), "--max-output", "64", "--",
                          stream, str(LINES))
    assert r.returncode == 0, r
    assert rep["status"] == "ok"  # the program was allowed to finish
    kept = rep[stream].encode()  # ASCII: one byte per character
    head = rep[stream + "_head_bytes"]
    assert rep[stream + "_truncated"] is True
    assert rep[stream + "_bytes"] == len(exp)
    assert rep[stream + "_dropped_bytes"] == len(exp) - len(kept)
    assert 0 < len(kept) <= 64 * 1024
    assert 0 < head < len(kept)
    assert kept[:head] == exp[:head], "head must be the first bytes"
    assert kept[head:] == exp[len(exp) - (len(kept) - head):], "tail must be the last bytes"
    assert kept.startswith(b"000000000\n000000001\n")
    assert kept.endswith(b"END\n")
    other = "stderr" if stream == "stdout" else "stdout"
    assert rep[other] == "" and rep[other + "_truncated"] is False
    assert rep["limits"]["max_output_kb"] == 64


MARKER_RE = re.compile(
    rb"\n\[rusty-sandbox: (\d+) bytes of stdout dropped; the last (\d+) bytes follow\]\n")


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_output_cap_live(sbx, expected_flood, stream):
    exp = expected_flood
    r = sbx.run("run", sbx.prog("flood.py"), "--max-output", "64", "--quiet", "--",
                stream, str(LINES))
    assert r.returncode == 0, r
    data, other = (r.stdout, r.stderr) if stream == "stdout" else (r.stderr, r.stdout)
    marker_re = re.compile(MARKER_RE.pattern.replace(b"stdout", stream.encode()))
    m = list(marker_re.finditer(data))
    assert len(m) == 1, data[-300:]
    m = m[0]
    dropped, tail_len = int(m.group(1)), int(m.group(2))
    head, tail = data[:m.start()], data[m.end():]
    assert len(tail) == tail_len
    assert head and exp.startswith(head)
    assert tail.endswith(b"END\n") and exp.endswith(tail)
    assert len(head) + len(tail) <= 64 * 1024
    assert dropped == len(exp) - len(head) - len(tail)
    assert other == b""


def test_endless_output_with_timeout(sbx):
    """A program that never stops writing: the run ends at the wall limit, the kept output is
    bounded by the cap (in the report and on the CLI's own stdout), the counts are consistent."""
    r, rep = sbx.run_json("run", sbx.prog("flood_forever.py"), "--max-output", "64",
                          "--timeout", "0.5", timeout=HANG_BOUND + 20)
    assert r.returncode == 124 and rep["status"] == "timeout", r
    for s in ("stdout", "stderr"):
        kept = rep[s].encode()
        assert rep[s + "_truncated"] is True
        assert len(kept) <= 64 * 1024
        assert rep[s + "_dropped_bytes"] == rep[s + "_bytes"] - len(kept) > 0
    assert rep["stdout"].startswith("000000000 xxx")
    r = sbx.run("run", sbx.prog("flood_forever.py"), "--max-output", "64", "--timeout", "0.5",
                timeout=HANG_BOUND + 20)
    assert r.returncode == 124, r
    assert len(r.stdout) < 64 * 1024 + 200, len(r.stdout)
    assert len(MARKER_RE.findall(r.stdout)) == 1


def test_output_under_cap_not_truncated(sbx):
    exp = flood_bytes(1000)  # 10 kB under a 64 kB cap: all of it, no marker
    r = sbx.run("run", sbx.prog("flood.py"), "--max-output", "64", "--quiet", "--",
                "stdout", "1000")
    assert r.returncode == 0 and r.stdout == exp, r
    r, rep = sbx.run_json("run", sbx.prog("flood.py"), "--max-output", "64", "--",
                          "stdout", "1000")
    assert rep["stdout"].encode() == exp and rep["stdout_truncated"] is False
    assert rep["stdout_bytes"] == rep["stdout_head_bytes"] == len(exp)


def test_invalid_utf8_output(sbx):
    payload = b"ok \xff\xfe bad \xc3\x28 over \xc0\xaf surr \xed\xa0\x80 nul \x00 end\n"
    r, rep = sbx.run_json("run", sbx.prog("bad_utf8.py"))  # .report decodes strictly
    assert r.returncode == 0 and rep["status"] == "ok", r
    for stream in ("stdout", "stderr"):
        text = rep[stream]
        assert text.startswith("ok ") and text.endswith(" end\n"), text
        assert "\ufffd" in text
        assert "\x00" in text  # a NUL is valid UTF-8 and must survive
        assert rep[stream + "_bytes"] == len(payload)
    # live mode passes the bytes through untouched
    r = sbx.run("run", sbx.prog("bad_utf8.py"), "--quiet")
    assert r.returncode == 0 and r.stdout == payload and r.stderr == payload, r
