"""Leave files in the workspace for --keep to preserve."""
import os

with open("result.txt", "w") as f:
    f.write("written by the sandboxed program\n")
os.mkdir("sub")
with open("sub/data.bin", "wb") as f:
    f.write(bytes(range(256)))
print("wrote", sorted(os.listdir(".")))
