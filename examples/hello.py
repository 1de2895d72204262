"""Hello from inside rusty-sandbox: shows what the program can see."""
import os
import socket

print("hello from Python", ".".join(map(str, __import__("sys").version_info[:3])))
print("uid", os.getuid(), "pid", os.getpid(), "host", socket.gethostname(), "cwd", os.getcwd())
print("processes visible:", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
print("network interfaces:", [name for _, name in socket.if_nameindex()])
