// JS-EXEC-*: command execution through child_process and friends, every way a program reaches
// it. A line with "expect:" must give exactly those rules; every other line must give nothing.
const cp = require('child_process'); // expect: JS-IMPORT-001
cp.exec('ls'); // expect: JS-EXEC-001
cp.execSync('ls'); // expect: JS-EXEC-001
cp.spawn('ls', ['-l']); // expect: JS-EXEC-002
cp.spawnSync('ls'); // expect: JS-EXEC-002
cp.execFile('/bin/ls'); // expect: JS-EXEC-002
cp.execFileSync('/bin/ls'); // expect: JS-EXEC-002
cp.fork('child.js'); // expect: JS-EXEC-002
cp['exec']('ls'); // expect: JS-EXEC-001
cp?.exec('ls'); // expect: JS-EXEC-001
require('child_process').exec('id'); // expect: JS-IMPORT-001 JS-EXEC-001
require('node:child_process').spawn('id'); // expect: JS-IMPORT-001 JS-EXEC-002
const { exec: run, spawnSync } = require('child_process'); // expect: JS-IMPORT-001
run('whoami'); // expect: JS-EXEC-001
spawnSync('whoami'); // expect: JS-EXEC-002
const alias = cp;
alias.exec('x'); // expect: JS-EXEC-001
const e2 = cp.exec;
e2('x'); // expect: JS-EXEC-001
cp.exec.call(null, 'x'); // expect: JS-EXEC-001
cp.execSync.apply(cp, ['x']); // expect: JS-EXEC-001
const bound = cp.exec.bind(cp);
bound('x'); // expect: JS-EXEC-001
const util = require('util');
const execP = util.promisify(cp.exec);
execP('ls'); // expect: JS-EXEC-001
Reflect.apply(cp.execSync, cp, ['ls']); // expect: JS-EXEC-001
['ls'].forEach(cp.execSync); // expect: JS-EXEC-001
const table = { run: cp.spawn }; // expect: JS-EXEC-002
new cp.ChildProcess(); // expect: JS-EXEC-002
const cluster = require('cluster'); // expect: JS-IMPORT-001
cluster.fork(); // expect: JS-EXEC-003
process.binding('spawn_sync'); // expect: JS-EXEC-004
process._linkedBinding('x'); // expect: JS-EXEC-004
globalThis.process.binding('fs'); // expect: JS-EXEC-004
process.dlopen(module, '/tmp/addon.node'); // expect: JS-EXEC-005

// Not calls, or not child_process: nothing.
cp.exec;
typeof cp.spawn;
const p = process.pid;
process.exit(0);
cluster.isPrimary;
