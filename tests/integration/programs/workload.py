"""argv: [MIB]. What real Python programs do: threads, asyncio (with a subprocess), subprocess
of /bin/sh, a process pool, files in /work and /tmp, then MIB MiB on stdout (default 0)."""
import asyncio
import json
import multiprocessing
import subprocess
import sys
import tempfile
import threading


def square(n):
    return n * n


async def main():
    p = await asyncio.create_subprocess_exec("/bin/sh", "-c", "echo async",
                                             stdout=asyncio.subprocess.PIPE)
    out, _ = await p.communicate()
    results = await asyncio.gather(*(asyncio.sleep(0.01, result=i) for i in range(10)))
    return out.decode().strip(), sum(results)


seen = []
threads = [threading.Thread(target=seen.append, args=(i,)) for i in range(16)]
for t in threads:
    t.start()
for t in threads:
    t.join()
res = {"threads": len(seen), "asyncio": asyncio.run(main())}
res["subprocess"] = subprocess.run(["/bin/sh", "-c", "echo hi"], capture_output=True,
                                   text=True).stdout.strip()
with multiprocessing.Pool(2) as pool:
    res["pool"] = sum(pool.map(square, range(10)))
with tempfile.NamedTemporaryFile(dir="/tmp") as f:
    f.write(b"x")
with open("/work/out.txt", "w") as f:
    res["work"] = f.write("ok")
mib = int(sys.argv[1]) if len(sys.argv) > 1 else 0
if mib:
    chunk = b"x" * (1 << 20)
    for _ in range(mib):
        sys.stdout.buffer.write(chunk)
    sys.stdout.buffer.flush()
else:
    print(json.dumps(res))
