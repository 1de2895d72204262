// argv: MB. Write MB megabytes to stdout in 1 MB writes (lines of 1023 "x" and a newline),
// exit 0.
const fs = require("fs");
const block = Buffer.alloc(1 << 20, "x");
for (let i = 1023; i < block.length; i += 1024) block[i] = 10;
const mb = Number(process.argv[2]);
for (let i = 0; i < mb; i++) {
  let off = 0;
  while (off < block.length) {
    try {
      off += fs.writeSync(1, block, off);
    } catch (e) {
      if (e.code !== "EAGAIN") throw e; // a non-blocking pipe: wait for the reader
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}
