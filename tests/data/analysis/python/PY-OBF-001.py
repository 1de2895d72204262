# PY-OBF-001: looks up an attribute by a name computed at run time
getattr(obj, name)  # expect: PY-OBF-001
setattr(obj, key, value)  # expect: PY-OBF-001
# negatives: literal names
getattr(obj, "size", 0)
setattr(self, "x", 1)
