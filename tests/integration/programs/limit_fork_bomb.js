// A process bomb with a stopping rule: spawn `sleep 60` children until 30 spawns have failed,
// then report as JSON and exit 0 (the sandbox's init kills the sleepers).
const { spawn } = require("child_process");
let started = 0, eagain = 0, failed = 0;
const other = [];
function fail(e) {
  failed++;
  if (e.code === "EAGAIN" || e.errno === -11) eagain++;
  else other.push(String(e.code || e.message));
}
function report() {
  console.log(JSON.stringify({ spawned: started, eagain, other }));
  process.exit(0);
}
function round(n) {
  if (failed >= 30 || n >= 300) return setTimeout(report, 20);
  let child;
  try {
    child = spawn("sleep", ["60"], { stdio: "ignore" });
  } catch (e) {
    fail(e);
    return setTimeout(() => round(n + 1), 2);
  }
  child.on("error", fail);
  child.on("spawn", () => started++);
  setTimeout(() => round(n + 1), 2);
}
round(0);
