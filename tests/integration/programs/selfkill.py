"""Kill ourselves with the signal named in argv[1] (e.g. SIGSEGV, SIGKILL)."""
import os
import signal
import sys
import time

print("about to die", flush=True)
os.kill(os.getpid(), getattr(signal, sys.argv[1]))
time.sleep(10)
print("still alive")
