"""Invalid UTF-8 (lone continuation bytes, a truncated sequence, an overlong form, a
surrogate and a NUL) on both streams."""
import sys

payload = b"ok \xff\xfe bad \xc3\x28 over \xc0\xaf surr \xed\xa0\x80 nul \x00 end\n"
sys.stdout.buffer.write(payload)
sys.stderr.buffer.write(payload)
