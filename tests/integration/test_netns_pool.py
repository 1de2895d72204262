"""Pre-made network namespaces (issue 3, item 5): root's runs join an empty namespace leased to
them alone, kept in /run/rusty-sandbox/netns; unprivileged runs make their own. Either way the
program cannot change its namespace, and two concurrent runs never share one."""
import json
import os
import subprocess

from conftest import read_until, finish

POOL = "/run/rusty-sandbox/netns"

NSINFO = r"""
import fcntl, json, os, socket, struct
ns = os.stat("/proc/self/ns/net").st_ino
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
flags = struct.unpack("16sH", fcntl.ioctl(s.fileno(), 0x8913, struct.pack("16sH", b"lo", 0)))[1]
# RTM_NEWLINK setting IFF_UP on lo, with an ack: the namespace must refuse it
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, socket.if_nametoindex("lo"), 1, 1)
nl.send(struct.pack("=IHHII", 16 + len(body), 16, 1 | 4, 1, 0) + body)
err = struct.unpack("=i", nl.recv(4096)[16:20])[0]
flags2 = struct.unpack("16sH", fcntl.ioctl(s.fileno(), 0x8913, struct.pack("16sH", b"lo", 0)))[1]
print(json.dumps({"ns": ns, "lo_up": bool(flags & 1), "lo_up_after": bool(flags2 & 1),
                  "setlink_errno": -err}))
"""

# Binds an abstract unix socket, proves it can reach it itself, then waits for a line.
HOLDER = r"""
import os, socket, sys
name = b"\0" + sys.argv[1].encode()
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(name)
srv.listen(1)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(name)
print("holder", os.stat("/proc/self/ns/net").st_ino, "self-connect ok", flush=True)
sys.stdin.readline()
"""

PROBER = r"""
import errno, os, socket, sys
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    c.connect(b"\0" + sys.argv[1].encode())
    res = "connected"
except OSError as e:
    res = errno.errorcode[e.errno]
print("prober", os.stat("/proc/self/ns/net").st_ino, res, flush=True)
"""


def slot_inodes():
    """inode of each mounted slot's namespace -> slot path."""
    out = {}
    if not os.path.isdir(POOL):
        return out
    for name in os.listdir(POOL):
        if name.startswith("slot-") and not name.endswith(".lock"):
            p = os.path.join(POOL, name)
            st = os.stat(p)
            if st.st_dev != os.stat(POOL).st_dev:  # an nsfs mount, not the plain file
                out[st.st_ino] = p
    return out


def pool_mounts():
    with open("/proc/self/mountinfo") as f:
        return [l for l in f if " %s/" % POOL in l]


def cleanup(sbx, *extra):
    r = sbx.run("cleanup", "--json", *extra)
    assert r.returncode == 0, r
    return json.loads(r.out)


def test_namespace_is_empty_and_cannot_be_changed(sbx):
    prog = sbx.write("nsinfo.py", NSINFO)
    r, rep = sbx.run_json("run", prog)
    assert r.returncode == 0, r
    info = json.loads(rep["stdout"])
    assert info["ns"] != os.stat("/proc/self/ns/net").st_ino  # not the host's
    assert info["lo_up"] is False and info["lo_up_after"] is False
    assert info["setlink_errno"] == 1  # EPERM: no capability over the namespace
    if sbx.mode == "root":
        assert rep["enforcement"]["network"] == "netns:pre-made"
        assert info["ns"] in slot_inodes(), (info, slot_inodes())
    else:
        assert rep["enforcement"]["network"] == "netns"
        assert info["ns"] not in slot_inodes()


def test_sequential_runs_reuse_a_slot_as_root(sbx):
    prog = sbx.write("nsinfo.py", NSINFO)
    seen = []
    for _ in range(3):
        r = sbx.run("run", prog, "--quiet")
        assert r.returncode == 0, r
        seen.append(json.loads(r.out)["ns"])
    if sbx.mode == "root":
        # nothing else runs: every run leases the first free slot, the same one
        assert len(set(seen)) == 1 and seen[0] in slot_inodes(), seen
    else:  # a namespace of its own each run (the kernel may reuse a freed one's inode number)
        host = os.stat("/proc/self/ns/net").st_ino
        assert not set(seen) & (set(slot_inodes()) | {host}), seen


def test_concurrent_runs_never_share_a_namespace(sbx, session):
    """A hostile pair: one run listens on an abstract unix socket, a concurrent one tries to
    reach it. Sharing a pooled namespace would let it (abstract names are per namespace)."""
    holder = sbx.write("holder.py", HOLDER)
    prober = sbx.write("prober.py", PROBER)
    name = session.next_name("abs")
    a = sbx.popen("run", holder, "--quiet", "--", name, stdin=subprocess.PIPE)
    try:
        line = read_until(a.stdout, b"self-connect ok", 20)
        assert b"self-connect ok" in line, line
        ns_a = int(line.split()[1])
        r = sbx.run("run", prober, "--quiet", "--", name)
        assert r.returncode == 0, r
        _, ns_b, res = r.out.split()
        assert int(ns_b) != ns_a
        assert res in ("ECONNREFUSED", "EPERM"), r.out
        if sbx.mode == "root":
            slots = slot_inodes()
            assert ns_a in slots and int(ns_b) in slots, (ns_a, ns_b, slots)
    finally:
        a.stdin.write(b"done\n")
        a.stdin.flush()
        finish(a)
    assert a.returncode == 0


def test_cleanup_removes_free_slots_and_leaves_held_ones(sbx, session):
    holder = sbx.write("holder.py", HOLDER)
    if sbx.mode != "root":
        before = pool_mounts()
        assert cleanup(sbx) == {"netns_removed": 0, "netns_busy": 0}
        r = sbx.run("cleanup")
        assert r.returncode == 0 and "only root's runs keep" in r.out, r
        assert pool_mounts() == before  # root's pool is not this user's to touch
        return
    cleanup(sbx)
    assert not pool_mounts()
    a = sbx.popen("run", holder, "--quiet", "--", session.next_name("abs"),
                  stdin=subprocess.PIPE)
    try:
        line = read_until(a.stdout, b"self-connect ok", 20)
        ns_a = int(line.split()[1])
        out = cleanup(sbx)
        assert out["netns_busy"] == 1 and out["netns_removed"] == 0, out
        assert ns_a in slot_inodes()  # the live run keeps its namespace
    finally:
        a.stdin.write(b"done\n")
        a.stdin.flush()
        finish(a)
    assert a.returncode == 0
    out = cleanup(sbx)
    assert out == {"netns_removed": 1, "netns_busy": 0}, out
    assert not pool_mounts() and not slot_inodes()
    # the next run makes the slot again
    r, rep = sbx.run_json("run", sbx.prog("hello.py"))
    assert r.returncode == 0 and rep["enforcement"]["network"] == "netns:pre-made", r
    assert len(pool_mounts()) == 1


def test_pool_off_in_config_makes_a_namespace_per_run(sbx):
    conf = sbx.write("nopool.toml", "[security]\nnetns_pool = false\n")
    prog = sbx.write("nsinfo.py", NSINFO)
    r, rep = sbx.run_json("run", prog, "--config", conf)
    assert r.returncode == 0, r
    assert rep["enforcement"]["network"] == "netns"
    assert json.loads(rep["stdout"])["ns"] not in slot_inodes()


def test_pool_that_is_not_roots_alone_is_not_used(sbx):
    """Someone loosened the pool directory: runs must not join what is in it."""
    if sbx.mode != "root":
        r, rep = sbx.run_json("run", sbx.prog("hello.py"))
        assert rep["enforcement"]["network"] == "netns", r
        return
    sbx.run("run", sbx.prog("hello.py"), "--quiet")  # the pool exists
    os.chmod(POOL, 0o755)
    try:
        prog = sbx.write("nsinfo.py", NSINFO)
        r, rep = sbx.run_json("run", prog)
        assert r.returncode == 0, r
        assert rep["enforcement"]["network"] == "netns"
        assert json.loads(rep["stdout"])["ns"] not in slot_inodes()
        d = sbx.run("doctor")
        assert "the pool in %s is unusable" % POOL in d.out, d
    finally:
        os.chmod(POOL, 0o700)


def test_planted_plain_file_in_a_slot_is_replaced(sbx):
    if sbx.mode != "root":  # unprivileged runs never read the pool
        r, rep = sbx.run_json("run", sbx.prog("hello.py"))
        assert r.returncode == 0 and rep["enforcement"]["network"] == "netns", r
        return
    cleanup(sbx)
    with open(os.path.join(POOL, "slot-0"), "w") as f:
        f.write("not a namespace\n")
    r, rep = sbx.run_json("run", sbx.write("nsinfo.py", NSINFO))
    assert r.returncode == 0, r
    assert rep["enforcement"]["network"] == "netns:pre-made"
    assert json.loads(rep["stdout"])["ns"] in slot_inodes()
    assert os.path.join(POOL, "slot-0") in slot_inodes().values()


def test_stale_mount_in_a_slot_is_covered_and_cleaned_up(sbx, scratch):
    """A slot whose mount is not a network namespace (a file bind-mounted there): the run mounts
    a real namespace over it, and cleanup removes both mounts."""
    if sbx.mode != "root":  # unprivileged runs never read the pool
        r, rep = sbx.run_json("run", sbx.prog("hello.py"))
        assert r.returncode == 0 and rep["enforcement"]["network"] == "netns", r
        return
    cleanup(sbx)
    slot = os.path.join(POOL, "slot-0")
    open(slot, "w").close()
    decoy = scratch / "decoy"
    decoy.write_text("not a namespace\n")
    subprocess.run(["mount", "--bind", str(decoy), slot], check=True)
    try:
        assert len(pool_mounts()) == 1
        r, rep = sbx.run_json("run", sbx.prog("hello.py"))
        assert r.returncode == 0 and rep["enforcement"]["network"] == "netns:pre-made", r
        assert slot in slot_inodes().values() and len(pool_mounts()) == 2
        assert cleanup(sbx)["netns_removed"] == 1
        assert not pool_mounts()
    finally:
        subprocess.run(["umount", "-R", slot], capture_output=True)


def test_many_concurrent_starts(sbx):
    """Eight runs started at once, three times: every one succeeds (none loses its cgroup to
    another's reaper), and no two running at once share a network namespace."""
    prog = sbx.write("hold.py", "import os, sys, time\n"
                                "print(os.stat('/proc/self/ns/net').st_ino, flush=True)\n"
                                "time.sleep(0.5)\n")
    for _ in range(3):
        procs = [sbx.popen("run", prog, "--quiet") for _ in range(8)]
        outs = [finish(p) for p in procs]
        assert all(rc == 0 for rc, _, _, _ in outs), [(rc, err) for rc, _, err, _ in outs]
        inodes = [int(out) for _, out, _, _ in outs]
        assert len(set(inodes)) == 8, inodes
        if sbx.mode == "root":
            assert set(inodes) <= set(slot_inodes()), (inodes, slot_inodes())


# Tries to leave something behind in its network namespace: a listening abstract socket held by
# a daemonised grandchild that would outlive the run if it could.
LINGERER = r"""
import os, socket, sys, time
name = b"\0" + sys.argv[1].encode()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(name)
        s.listen(1)
        time.sleep(60)
    os._exit(0)
time.sleep(0.3)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(name)
print("lingerer", os.stat("/proc/self/ns/net").st_ino, "listening", flush=True)
"""


def test_nothing_of_a_run_survives_into_the_next_in_its_slot(sbx, session):
    """Run A leaves a daemonised listener behind; run B, started after A ended, gets the same
    pooled namespace (root) or a new one (user), and finds nothing listening."""
    name = session.next_name("abs")
    r = sbx.run("run", sbx.write("lingerer.py", LINGERER), "--quiet", "--", name)
    assert r.returncode == 0 and "listening" in r.out, r
    ns_a = int(r.out.split()[1])
    r = sbx.run("run", sbx.write("prober.py", PROBER), "--quiet", "--", name)
    assert r.returncode == 0, r
    _, ns_b, res = r.out.split()
    if sbx.mode == "root":
        assert int(ns_b) == ns_a and ns_a in slot_inodes(), (ns_a, ns_b)  # the same slot
    assert res == "ECONNREFUSED", r.out  # the listener died with run A
