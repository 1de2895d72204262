# A module-level definition shadows a builtin; the real builtin later is still seen.
def open(path):
    return path


open("/etc/passwd")


def outer():
    def eval(x):
        return x

    return eval("1")  # expect: PY-EVAL-002
