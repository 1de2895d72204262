def inner():
    raise ValueError("boom-from-python")


print("before the exception", flush=True)
inner()
