// argv: N. Spin on N worker_threads forever; each counts its rounds in a shared array. Every
// 50 ms the main thread prints one JSON line: {"process_ms": CPU time of the whole process
// (all threads), "rounds": [rounds of each worker]}. Only a CPU or wall limit stops it.
const { Worker } = require("worker_threads");
const n = Number(process.argv[2]);
const rounds = new Int32Array(new SharedArrayBuffer(4 * n));
const code = `
const { workerData } = require("worker_threads");
const rounds = new Int32Array(workerData.buf);
for (;;) {
  let x = 0;
  for (let j = 0; j < 100000; j++) x = (x + j) % 1000003;
  Atomics.add(rounds, workerData.i, 1);
}`;
for (let i = 0; i < n; i++) new Worker(code, { eval: true, workerData: { buf: rounds.buffer, i } });
setInterval(() => {
  const u = process.cpuUsage();
  console.log(JSON.stringify({ process_ms: Math.round((u.user + u.system) / 1000),
                               rounds: Array.from(rounds) }));
}, 50);
