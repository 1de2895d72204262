"""The network when it is switched on (`--network`, `[security] enable_network = true`): the
host's network, with Landlock (ABI 4) limiting TCP connects to `allowed_ports` (any when none
is listed) and binds to `allowed_bind_ports` (none when none is listed), and Landlock's scoping
(ABI 6) keeping the host's abstract unix sockets out of reach; raw sockets stay refused. Every
listener is on 127.0.0.1, opened by the test itself."""
import json
import socket

import pytest

from conftest import wait_until

CLIENT = """import json, socket, sys
out = {}
for port in sys.argv[1:]:
    try:
        s = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
        s.sendall(b"hello " + port.encode())
        s.close()
        out[port] = "connected"
    except OSError as e:
        out[port] = "%s %s" % (type(e).__name__, e.errno)
print(json.dumps(out))
"""

BINDER = """import json, socket, sys
out = {}
for port in sys.argv[1:]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", int(port)))
        s.listen(1)
        out[port] = "bound"
    except OSError as e:
        out[port] = "%s %s" % (type(e).__name__, e.errno)
    s.close()
print(json.dumps(out))
"""


@pytest.fixture
def listeners():
    made = []

    def make():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        s.setblocking(False)
        made.append(s)
        return s
    yield make
    for s in made:
        s.close()


def received(listener):
    """What one connection to `listener` sent, or None when nothing connected."""
    try:
        conn, _ = listener.accept()
    except BlockingIOError:
        return None
    conn.settimeout(5)
    data = conn.recv(100)
    conn.close()
    return data


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_network_on_reaches_the_host(sbx, listeners):
    lst = listeners()
    port = str(lst.getsockname()[1])
    prog = sbx.write("client.py", CLIENT)
    r, rep = sbx.run_json("run", "--network", prog, "--", port)
    assert rep["status"] == "ok", rep
    assert json.loads(rep["stdout"]) == {port: "connected"}, rep["stdout"]
    assert received(lst) == b"hello " + port.encode()
    e = rep["enforcement"]
    assert (e["network"], e["tcp_connect"], e["tcp_bind"]) == ("host", "any", "landlock:none"), e
    assert rep["limits"]["enable_network"] is True
    # network findings are informational when the network is on
    assert rep["findings"] and all(f["informational"] for f in rep["findings"]
                                   if f["category"] == "network"), rep["findings"]


def test_allowed_ports_limit_connects(sbx, listeners):
    ok, other = listeners(), listeners()
    p_ok, p_other = str(ok.getsockname()[1]), str(other.getsockname()[1])
    prog = sbx.write("client.py", CLIENT)
    r, rep = sbx.run_json("run", "--network", "--allow-port", p_ok, prog, "--", p_ok, p_other)
    assert rep["status"] == "ok", rep
    got = json.loads(rep["stdout"])
    assert got[p_ok] == "connected", got
    assert got[p_other] == "PermissionError 13", got  # EACCES from Landlock
    assert received(ok) == b"hello " + p_ok.encode()
    assert received(other) is None, "a connection to a port not allowed reached the host"
    assert rep["enforcement"]["tcp_connect"] == "landlock:" + p_ok


def test_allowed_ports_from_config(sbx, listeners):
    ok, other = listeners(), listeners()
    p_ok, p_other = ok.getsockname()[1], other.getsockname()[1]
    conf = sbx.write("net.toml", "[security]\nenable_network = true\nallowed_ports = [%d]\n"
                     % p_ok)
    prog = sbx.write("client.py", CLIENT)
    r, rep = sbx.run_json("run", "--config", conf, prog, "--", str(p_ok), str(p_other))
    got = json.loads(rep["stdout"])
    assert got == {str(p_ok): "connected", str(p_other): "PermissionError 13"}, got
    r = sbx.run("config", "--config", conf, "--json")
    assert json.loads(r.out)["security"]["allowed_ports"]["value"] == [p_ok], r.out


def test_binding_needs_an_allowed_bind_port(sbx):
    p1, p2 = str(free_port()), str(free_port())
    prog = sbx.write("binder.py", BINDER)
    r, rep = sbx.run_json("run", "--network", "--allow-bind-port", p1, prog, "--", p1, p2, "0")
    got = json.loads(rep["stdout"])
    assert got[p1] == "bound", got
    assert got[p2] == "PermissionError 13" and got["0"] == "PermissionError 13", got
    assert rep["enforcement"]["tcp_bind"] == "landlock:" + p1


def test_host_abstract_unix_socket_unreachable_with_network(sbx, session):
    """In the host's network namespace, abstract unix sockets (D-Bus, X11) are shared: only
    Landlock's scoping keeps the program from connecting to them."""
    name = session.next_name("abstract-net")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind("\0" + name)
        s.listen(1)
        s.setblocking(False)
        prog = sbx.write("unix.py", """import socket
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    c.connect("\\0%s")
    print("connected")
except OSError as e:
    print("refused", e.errno)
""" % name)
        r, rep = sbx.run_json("run", "--network", prog)
        assert rep["stdout"].startswith("refused"), rep["stdout"]
        with pytest.raises(BlockingIOError):
            s.accept()
    finally:
        s.close()


def test_raw_sockets_stay_refused_with_network(sbx):
    prog = sbx.write("raw.py", """import socket
for fam, kind in ((socket.AF_INET, socket.SOCK_RAW), (socket.AF_PACKET, socket.SOCK_RAW)):
    try:
        socket.socket(fam, kind)
        print("created")
    except OSError as e:
        print("refused", e.errno)
""")
    r, rep = sbx.run_json("run", "--network", prog)
    assert rep["stdout"].split("\n")[:2] == ["refused 1", "refused 1"], rep["stdout"]
    assert [e for e in rep["events"] if e["type"] == "blocked_syscall"], rep["events"]


@pytest.mark.parametrize("value,needle", [
    ('["80"]', "expected an array of TCP port numbers (1 to 65535)"),
    ("[0]", "expected an array of TCP port numbers (1 to 65535)"),
    ("[70000]", "expected an array of TCP port numbers (1 to 65535)"),
])
def test_allowed_ports_errors_name_the_key(sbx, value, needle):
    conf = sbx.write("bad.toml", "[security]\nallowed_ports = %s\n" % value)
    r = sbx.run("run", "--config", conf, sbx.prog("hello.py"))
    assert r.returncode == 64, r
    assert "bad.toml:2: security.allowed_ports" in r.err and needle in r.err, r.err


def test_allow_port_flag_errors(sbx):
    r = sbx.run("run", "--network", "--allow-port", "http", sbx.prog("hello.py"))
    assert r.returncode == 64 and "--allow-port: 'http' is not valid" in r.err, r.err
