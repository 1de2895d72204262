"""Write argv[2] lines "%09d\n" (10 bytes each) then "END\n" to the stream named in argv[1].
The test rebuilds the same bytes to check head, tail and counts exactly."""
import sys

stream = sys.stdout if sys.argv[1] == "stdout" else sys.stderr
lines = int(sys.argv[2])
out = stream.buffer
chunk = 10000
for start in range(0, lines, chunk):
    out.write("".join("%09d\n" % i for i in range(start, min(lines, start + chunk))).encode())
out.write(b"END\n")
out.flush()
