"""A file that reaches --max-file-size is reported with its full path inside the sandbox,
nested directories included; the write past the limit fails with EFBIG."""

NESTED = """import errno, os
os.makedirs("a/b", exist_ok=True)
fd = os.open("a/b/big", os.O_WRONLY | os.O_CREAT)
try:
    while True:
        os.write(fd, b"x" * 65536)
except OSError as e:
    print("stopped:", errno.errorcode[e.errno])
"""


def test_nested_file_named_in_full(sbx):
    prog = sbx.write("nested_big.py", NESTED)
    r, rep = sbx.run_json("run", prog, "--max-file-size", "256")
    assert r.returncode == 0 and rep["stdout"] == "stopped: EFBIG\n", rep
    ev = [e for e in rep["events"] if e["type"] == "file_size"]
    assert ev and ev[0]["detail"].startswith("/work/a/b/big reached max_file_size"), ev
