"""rusty-sandbox doctor: every check listed with a status, and the truth about this host: as
root here every layer works (a warning for the cgroup v1 move); as uid 65534 there is no
writable cgroup, which is a failure with a fix, and exit 1."""
import json

CHECKS = ["kernel", "identity", "user namespaces", "cgroups", "landlock", "seccomp notification",
          "kernel interfaces", "python", "javascript"]


def test_doctor_json(sbx):
    r = sbx.run("doctor", "--json")
    checks = json.loads(r.out)
    names = [c["check"] for c in checks]
    for name in CHECKS:
        assert name in names, (name, names)
    by = {c["check"]: c for c in checks}
    for c in checks:
        assert c["status"] in ("ok", "warn", "fail"), c
        assert c["status"] == "ok" or c["fix"], "a warning or failure without a fix: %r" % c
    assert by["user namespaces"]["status"] == "ok", by["user namespaces"]
    assert by["landlock"]["status"] == "ok" and "ABI" in by["landlock"]["detail"]
    assert by["seccomp notification"]["status"] == "ok"
    assert by["python"]["status"] == "ok" and "/usr/bin/python3" in by["python"]["detail"]
    if sbx.caller_uid == 0:
        assert by["cgroups"]["status"] == "ok", by["cgroups"]
        assert r.returncode == 0, r
    else:  # this host: cgroup v1, nothing delegated to uid 65534
        assert by["cgroups"]["status"] == "fail", by["cgroups"]
        assert "--allow-weaker-limits" in by["cgroups"]["fix"], by["cgroups"]
        assert r.returncode == 1, r


def test_doctor_text(sbx):
    r = sbx.run("doctor")
    assert r.returncode in (0, 1), r
    lines = r.out.splitlines()
    for name in CHECKS:
        assert any(name in line for line in lines), (name, r.out)
    last = lines[-1]
    assert last.startswith("This host can run") if r.returncode == 0 else \
        last.startswith("Some runs will be refused"), r.out
