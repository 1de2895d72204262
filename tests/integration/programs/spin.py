"""Print, then burn CPU forever: only the wall-clock limit can end this."""
print("spinning now", flush=True)
while True:
    pass
