# PY-OBF-003: walks interpreter internals
().__class__.__bases__[0].__subclasses__()  # expect: PY-OBF-003, PY-OBF-003
f.__globals__["os"]  # expect: PY-OBF-003
func.__code__.co_code  # expect: PY-OBF-003, PY-OBF-003
import sys
frame = sys._getframe(1)  # expect: PY-OBF-003
frame.f_back.f_globals  # expect: PY-OBF-003, PY-OBF-003
# negatives
obj.__class__.__name__
x.__dict__
