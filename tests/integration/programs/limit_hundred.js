// argv: buffer|array. Hold 100 MB, touched, then report and exit 0. buffer: one
// Buffer.alloc(100 MB, 1); array: a plain JS array grown by 100 arrays of 131072 doubles
// (1 MB each, on the JS heap).
const MB = 1 << 20;
let sum = 0;
let held;
if (process.argv[2] === "buffer") {
  held = Buffer.alloc(100 * MB, 1);
  for (let i = 0; i < held.length; i += MB) sum += held[i];
} else {
  held = [];
  for (let i = 0; i < 100; i++) {
    held.push(new Array(MB / 8).fill(i + 0.5)); // packed doubles, 8 bytes each
    sum += held[i][0] > 0 ? 1 : 0;
  }
}
setTimeout(() => console.log(`held 100 MB ${sum}`), 50);
