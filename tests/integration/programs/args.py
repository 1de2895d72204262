"""Print the program's arguments as JSON (ensure_ascii keeps the output 7-bit)."""
import json
import sys

print(json.dumps(sys.argv[1:]))
