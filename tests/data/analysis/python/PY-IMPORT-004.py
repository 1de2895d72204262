# PY-IMPORT-004: deserialises data that can run code
import pickle
import marshal
import shelve
obj = pickle.loads(data)  # expect: PY-IMPORT-004
pickle.load(fh)  # expect: PY-IMPORT-004
marshal.loads(blob)  # expect: PY-IMPORT-004
shelve.open("db")  # expect: PY-IMPORT-004
# negatives: writing pickles, json
pickle.dumps(obj)
json.loads(text)
