// Open /dev/null until open fails; print {"opened": n, "error": code} as JSON, exit 0.
const fs = require("fs");
const fds = [];
let error = null;
while (fds.length < 100000) {
  try {
    fds.push(fs.openSync("/dev/null", "r"));
  } catch (e) {
    error = e.code;
    break;
  }
}
console.log(JSON.stringify({ opened: fds.length, error, highest: Math.max(...fds) }));
