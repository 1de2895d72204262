// A thread bomb: start worker_threads (each waits forever) until 10 have failed to start, then
// report {"online": n, "failed": n, "errors": {"CODE: message": count}} as JSON and exit 0.
const { Worker } = require("worker_threads");
let online = 0, failed = 0, tried = 0;
const errors = {};
function failure(e) {
  failed++;
  const k = `${e.code}: ${e.message}`;
  errors[k] = (errors[k] || 0) + 1;
}
function report() {
  console.log(JSON.stringify({ online, failed, errors }));
  process.exit(0);
}
function next() {
  if (failed >= 10 || tried >= 200) return setTimeout(report, 50);
  tried++;
  let w;
  try {
    w = new Worker("setInterval(() => {}, 1000)", { eval: true });
  } catch (e) {
    failure(e);
    return setTimeout(next, 5);
  }
  let settled = false;
  w.on("online", () => { if (!settled) { settled = true; online++; next(); } });
  w.on("error", (e) => { if (!settled) { settled = true; failure(e); setTimeout(next, 5); } });
}
next();
