"""argv: MB. Allocate (and touch) MB megabytes, one at a time."""
import sys

blocks = []
for i in range(int(sys.argv[1])):
    blocks.append(b"x" * (1 << 20))
print("allocated", len(blocks), "MB")
