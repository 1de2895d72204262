"""argv: HOST_DIR. Leave a workspace that is hard to clean: symlinks to a host directory and
file (a cleanup that follows them would destroy host data), directories without permissions,
a FIFO, a deep tree."""
import os
import sys

host = sys.argv[1]
os.symlink(host, "/work/link-to-host-dir")
os.symlink(host + "/victim.txt", "/work/link-to-host-file")
os.symlink(host, "/tmp/link-in-tmp")
os.makedirs("/work/locked/deep/er")
with open("/work/locked/deep/er/file", "w") as f:
    f.write("x")
os.symlink(host, "/work/locked/deep/er/link")
os.chmod("/work/locked/deep/er", 0)
os.chmod("/work/locked/deep", 0)
os.chmod("/work/locked", 0)
os.mkfifo("/work/fifo")
d = "/work/tree"
for i in range(200):
    d += "/d"
os.makedirs(d)
os.chmod("/work", 0o500)
print("left a mess")
