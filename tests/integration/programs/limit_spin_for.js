// argv: S. Spin on the main thread for S seconds of wall time, print the CPU time this process
// got (ms) and exit 0.
const end = performance.now() + Number(process.argv[2]) * 1000;
let n = 0;
while (performance.now() < end) n++;
const u = process.cpuUsage();
console.log("cpu_ms", Math.round((u.user + u.system) / 1000));
