"""Write to stdout and stderr as fast as possible, forever."""
import sys

line = b"x" * 1023 + b"\n"
n = 0
while True:
    sys.stdout.buffer.write(b"%09d " % n + line)
    sys.stderr.buffer.write(line)
    n += 1
