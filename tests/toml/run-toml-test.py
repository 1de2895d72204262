#!/usr/bin/python3
"""Run the toml-test conformance cases against toml-decoder.

Usage: run-toml-test.py DECODER TOML_TEST_DIR [-v]

valid/X.toml must decode (exit 0) to JSON that matches valid/X.json semantically, as the
suite's README says: integers and strings exactly, floats numerically (nan equals nan, and
-0 is told from 0), date-times as values (Z equals +00:00 for the same instant; fractional
seconds compare after trailing zeros are removed). invalid/X.toml must be rejected: exit
status > 0 with "line:col: message" on stderr. A signal (crash) or a timeout is a failure for
either kind. Files are fed as raw bytes on stdin. Prints "N passed, M failed"; exit 1 on any
failure.
"""
import datetime
import json
import math
import os
import re
import subprocess
import sys

TIMEOUT_S = 10
ERROR_LINE = re.compile(rb"^\d+:\d+: \S.*\n?$")
DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$")
TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(\.\d+)?$")


def frac(text):
    return (text or ".").lstrip(".").rstrip("0")


def datetime_key(kind, text):
    """A comparable value for a date-time string of the given toml-test type."""
    if kind == "date-local":
        return text
    if kind == "time-local":
        m = TIME.match(text)
        return m and (m.group(1), m.group(2), m.group(3), frac(m.group(4)))
    m = DATETIME.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    offset = m.group(8)
    if kind == "datetime-local":
        return (y, mo, d, h, mi, s, frac(m.group(7)), offset is None)
    if offset is None:
        return None
    off = 0
    if offset not in ("Z", "z"):
        off = (int(offset[1:3]) * 60 + int(offset[4:6])) * (-1 if offset[0] == "-" else 1)
    # Minutes since year 1 in UTC; seconds apart so a leap second (60) needs no calendar.
    minutes = datetime.date(y, mo, d).toordinal() * 1440 + h * 60 + mi - off
    return (minutes, s, frac(m.group(7)))


def same_float(a, b):
    fa, fb = float(a), float(b)
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    return fa == fb and math.copysign(1, fa) == math.copysign(1, fb)


def same_leaf(exp, got):
    kind, a, b = exp["type"], exp["value"], got["value"]
    if kind == "integer":
        return int(a) == int(b)
    if kind == "float":
        return same_float(a, b)
    if kind in ("string", "bool"):
        return a == b
    if kind in ("datetime", "datetime-local", "date-local", "time-local"):
        ka = datetime_key(kind, a)
        return ka is not None and ka == datetime_key(kind, b)
    return False


def is_leaf(v):
    return (isinstance(v, dict) and set(v) == {"type", "value"}
            and isinstance(v["type"], str) and isinstance(v["value"], str))


def compare(exp, got, path="$"):
    """None when equal, else a description of the first difference."""
    if is_leaf(exp):
        if not is_leaf(got) or got["type"] != exp["type"]:
            return f"{path}: expected {exp}, got {got}"
        return None if same_leaf(exp, got) else f"{path}: expected {exp}, got {got}"
    if isinstance(exp, dict):
        if not isinstance(got, dict) or is_leaf(got):
            return f"{path}: expected a table, got {got!r:.80}"
        if set(exp) != set(got):
            return f"{path}: keys differ: expected {sorted(exp)}, got {sorted(got)}"
        for k in exp:
            why = compare(exp[k], got[k], f"{path}.{k!r}")
            if why:
                return why
        return None
    if isinstance(exp, list):
        if not isinstance(got, list) or len(exp) != len(got):
            return f"{path}: expected an array of {len(exp)}, got {got!r:.80}"
        for i, (e, g) in enumerate(zip(exp, got)):
            why = compare(e, g, f"{path}[{i}]")
            if why:
                return why
        return None
    return f"{path}: unexpected {exp!r} in the expected JSON"


def run(decoder, path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        p = subprocess.run([decoder], input=data, capture_output=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, b"", b""
    return p.returncode, p.stdout, p.stderr


def check_valid(decoder, path):
    rc, out, err = run(decoder, path)
    if rc is None:
        return f"timed out after {TIMEOUT_S} s"
    if rc != 0:
        return f"exit status {rc}: {err.decode(errors='replace').strip()}"
    with open(path[:-5] + ".json", encoding="utf-8") as f:
        expected = json.load(f)
    try:
        got = json.loads(out)
    except ValueError as e:
        return f"decoder printed invalid JSON: {e}"
    return compare(expected, got)


def check_invalid(decoder, path):
    rc, _, err = run(decoder, path)
    if rc is None:
        return f"timed out after {TIMEOUT_S} s"
    if rc < 0:
        return f"killed by signal {-rc}"
    if rc == 0:
        return "accepted invalid input"
    if not ERROR_LINE.match(err):
        return f"exit {rc} but stderr is not 'line:col: message': {err[:200]!r}"
    return None


def cases(root, kind):
    for dirpath, _, names in os.walk(os.path.join(root, kind)):
        for name in sorted(names):
            if name.endswith(".toml"):
                yield os.path.join(dirpath, name)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    decoder, root, verbose = argv[1], argv[2], "-v" in argv[3:]
    counts = {"valid": [0, 0], "invalid": [0, 0]}
    for kind, check in (("valid", check_valid), ("invalid", check_invalid)):
        for path in sorted(cases(root, kind)):
            why = check(decoder, path)
            name = os.path.relpath(path, root)
            counts[kind][1 if why else 0] += 1
            if why:
                print(f"FAIL {name}: {why}")
            elif verbose:
                print(f"ok   {name}")
    passed = counts["valid"][0] + counts["invalid"][0]
    failed = counts["valid"][1] + counts["invalid"][1]
    print(f"valid: {counts['valid'][0]} passed, {counts['valid'][1]} failed; "
          f"invalid: {counts['invalid'][0]} passed, {counts['invalid'][1]} failed")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
