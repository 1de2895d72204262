// Hello from inside rusty-sandbox: shows what the program can see.
const fs = require("fs");
const os = require("os");

console.log(`hello from Node.js ${process.version}`);
console.log(`uid ${process.getuid()} pid ${process.pid} host ${os.hostname()} cwd ${process.cwd()}`);
const pids = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).map(Number);
console.log(`processes visible: ${JSON.stringify(pids.sort((a, b) => a - b))}`);
try {
  console.log(`network interfaces: ${JSON.stringify(Object.keys(os.networkInterfaces()))}`);
} catch (e) {
  console.log(`network: none (asking the kernel for interfaces was refused: ${e.message})`);
}
