# PY-IMPORT-002: loads native code
import ctypes  # expect: PY-IMPORT-002
from cffi import FFI  # expect: PY-IMPORT-002
libc = ctypes.CDLL("libc.so.6")  # expect: PY-IMPORT-002
ffi = FFI()  # expect: PY-IMPORT-002
# negatives
import ctypes_helpers
types = "ctypes"
