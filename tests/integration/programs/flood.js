// Same bytes as flood.py: argv[3] lines "%09d\n" then "END\n" to the stream argv[2].
const fs = require("fs");
const fd = process.argv[2] === "stdout" ? 1 : 2;
const lines = Number(process.argv[3]);
const chunk = 10000;
for (let start = 0; start < lines; start += chunk) {
  let s = "";
  for (let i = start; i < Math.min(lines, start + chunk); i++) {
    s += String(i).padStart(9, "0") + "\n";
  }
  fs.writeSync(fd, s);
}
fs.writeSync(fd, "END\n");
