// argv: [MIB]. What real Node.js programs do: worker_threads, child_process (execSync, exec,
// spawn of node itself), fs promises, timers, a unix socket server, then MIB MiB on stdout.
const { Worker } = require('worker_threads');
const cp = require('child_process');
const fs = require('fs');
const net = require('net');

async function main() {
  const res = {};
  res.execSync = cp.execSync('echo hi').toString().trim();
  res.worker = await new Promise((ok, fail) => {
    const w = new Worker('require("worker_threads").parentPort.postMessage(6 * 7)', { eval: true });
    w.on('message', ok);
    w.on('error', fail);
  });
  res.exec = await new Promise(
    (ok) => cp.exec('ls /usr/bin | head -1', (e) => ok(e ? e.message : 'ok')));
  res.node = cp.spawnSync(process.execPath, ['-e', 'console.log(1 + 1)']).stdout.toString().trim();
  await fs.promises.writeFile('/work/x.txt', 'y');
  res.read = (await fs.promises.readFile('/work/x.txt')).toString();
  res.timer = await new Promise((ok) => setTimeout(() => ok('fired'), 10));
  res.unix = await new Promise((ok) => {
    const srv = net.createServer().listen('/tmp/s.sock', () => srv.close(() => ok('ok')));
  });
  const mib = Number(process.argv[2] || 0);
  if (mib) {
    const chunk = Buffer.alloc(1 << 20, 'x');
    for (let i = 0; i < mib; i++) {
      if (!process.stdout.write(chunk))
        await new Promise((ok) => process.stdout.once('drain', ok));
    }
  } else {
    console.log(JSON.stringify(res));
  }
}
main();
