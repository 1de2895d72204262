// argv: DIR MB [HOLD]. Write MB megabytes to DIR/fill in 1 MB writes until one fails; print
// {"error": code, "errno": number, "written": bytes, "size": file size} as JSON, then keep the file for HOLD
// seconds (so the host can be looked at while the disk is full) and exit 0.
const fs = require("fs");
const path = require("path").join(process.argv[2], "fill");
const want = Number(process.argv[3]) * 1048576;
const hold = Number(process.argv[4] || 0);
const block = Buffer.alloc(1048576, 120);
let written = 0, error = null, errno = null;
const fd = fs.openSync(path, "w");
try {
  while (written < want) written += fs.writeSync(fd, block);
} catch (e) {
  error = e.code;
  errno = e.errno;
}
fs.closeSync(fd);
console.log(JSON.stringify({ error, errno, written, size: fs.statSync(path).size }));
setTimeout(() => {}, hold * 1000);
