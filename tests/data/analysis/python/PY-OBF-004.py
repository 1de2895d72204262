# PY-OBF-004: executes decoded or assembled code
import base64
import zlib
import codecs
exec(base64.b64decode("aW1wb3J0IG9z"))  # expect: PY-OBF-004
eval(zlib.decompress(blob))  # expect: PY-OBF-004
exec(codecs.decode("vzcbeg bf", "rot13"))  # expect: PY-OBF-004
eval("".join(chr(c) for c in [111, 115]))  # expect: PY-OBF-004
exec("metsys.so"[::-1])  # expect: PY-OBF-004
payload = base64.b64decode(data)
exec(payload)  # expect: PY-OBF-004
compile(bytes.fromhex(h), "x", "exec")  # expect: PY-OBF-004
# negatives: decoding without executing
text = base64.b64decode(data).decode()
print(zlib.decompress(blob))
