// argv: fast|slow. A memory bomb: allocate and touch memory without end. fast: 32 MB Buffers
// filled with 1 (outside the JS heap); slow: the JS heap itself, 256 kB arrays of doubles
// with a 1 ms pause between them. Prints the MB held every 16 MB. Never finishes by itself:
// a memory limit must stop it (an OOM kill, or, under RLIMIT_DATA, a failed allocation:
// RangeError or "heap out of memory").
const fast = process.argv[2] === "fast";
const chunk = fast ? 32 << 20 : 256 << 10;
const held = [];
let total = 0;
let last = 0;
function note() {
  if (total - last >= 16 << 20) {
    last = total;
    console.log(`held ${total >> 20} MB`);
  }
}
if (fast) {
  for (;;) {
    held.push(Buffer.alloc(chunk, 1));
    total += chunk;
    note();
  }
} else {
  (function step() {
    held.push(new Array(chunk / 8).fill(total + 0.5)); // packed doubles: 8 bytes each
    total += chunk;
    note();
    setTimeout(step, 1);
  })();
}
