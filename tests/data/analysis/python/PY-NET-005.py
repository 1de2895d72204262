# PY-NET-005: opens an asyncio network connection or server
import asyncio
async def main():
    reader, writer = await asyncio.open_connection("127.0.0.1", 8888)  # expect: PY-NET-005
    await asyncio.start_server(handle, "0.0.0.0", 80)  # expect: PY-NET-005
    await asyncio.sleep(1)
# negatives
asyncio.run(main())
