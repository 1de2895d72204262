// JS-FS-*: literal paths outside /work, /tmp and the policy's binds; writes are high, reads medium.
const fs = require('fs');
fs.readFileSync('/etc/shadow'); // expect: JS-FS-002
fs.readFileSync('/etc/' + 'shadow'); // expect: JS-FS-002
fs.readFileSync(`/etc/passwd`); // expect: JS-FS-002
fs.writeFileSync('/etc/cron.d/x', 'y'); // expect: JS-FS-001
fs.appendFile('/var/log/x', 'y', () => {}); // expect: JS-FS-001
fs.mkdirSync('/opt/new'); // expect: JS-FS-001
fs.rmSync('/home/user', { recursive: true }); // expect: JS-FS-001
fs.unlinkSync('/etc/hosts'); // expect: JS-FS-001
fs.renameSync('/tmp/a', '/etc/a'); // expect: JS-FS-001
fs.symlinkSync('/etc/shadow', '/tmp/link'); // expect: JS-FS-002
fs.copyFileSync('/etc/passwd', '/tmp/p'); // expect: JS-FS-002
fs.chmodSync('/usr/bin/x', 0o777); // expect: JS-FS-001
fs.openSync('/etc/passwd', 'w'); // expect: JS-FS-001
fs.openSync('/etc/passwd', 'a+'); // expect: JS-FS-001
fs.openSync('/etc/passwd'); // expect: JS-FS-002
fs.openSync('/etc/passwd', 'r'); // expect: JS-FS-002
fs.open('/etc/passwd', (err, fd) => {}); // expect: JS-FS-002
fs.createWriteStream('/srv/x'); // expect: JS-FS-001
fs.createReadStream('/root/notes'); // expect: JS-FS-002
fs.promises.writeFile('/etc/motd', 'x'); // expect: JS-FS-001
require('fs/promises').readFile('/root/.ssh/id_rsa'); // expect: JS-FS-002
const { readFileSync: rf } = require('node:fs');
rf('/proc/1/environ'); // expect: JS-FS-002
const { promises: { writeFile } } = require('fs');
writeFile('/boot/x', 'y'); // expect: JS-FS-001
fs.writeFileSync('/usr/lib/x', 'y'); // expect: JS-FS-001
fs.readFileSync('/work/../etc/passwd'); // expect: JS-FS-002
fs.readFileSync('../../etc/passwd'); // expect: JS-FS-002
const target = '/etc/sudoers';
fs.writeFileSync(target, 'x'); // expect: JS-FS-001

// Allowed paths, or paths not known before the run: nothing.
fs.readFileSync('/work/input.txt');
fs.readFileSync('input.txt');
fs.writeFileSync('/tmp/x', 'y');
fs.writeFileSync('out/x.txt', 'y');
fs.readFileSync('/usr/share/dict/words');
fs.readFileSync('/proc/self/status');
fs.writeFileSync('/dev/null', '');
fs.readFileSync(process.argv[2]);
fs.readFileSync(__dirname + '/x');
fs.readFileSync(fd);
fs.existsSync('/tmp/lock');
let mutable = '/etc/passwd';
fs.readFileSync(mutable);
console.log("fs.writeFileSync('/etc/passwd')");
