"""Hello from inside rusty-sandbox: shows what the program can see."""
import os
import socket
import sys

print("hello from Python", ".".join(map(str, sys.version_info[:3])))
print("uid", os.getuid(), "pid", os.getpid(), "host", socket.gethostname(), "cwd", os.getcwd())
print("processes visible:", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
try:
    print("network interfaces:", [name for _, name in socket.if_nameindex()])
except OSError as e:
    print("network: none (asking the kernel for interfaces was refused:", e.strerror + ")")
