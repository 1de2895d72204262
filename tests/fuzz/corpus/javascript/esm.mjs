// ES modules: imports, re-exports, top-level await, dynamic import.
import cp from 'child_process'; // expect: JS-IMPORT-001
import { exec as run, spawn } from 'node:child_process'; // expect: JS-IMPORT-001
import * as ns from 'child_process'; // expect: JS-IMPORT-001
import { readFileSync, writeFileSync } from 'fs';
import { writeFile } from 'fs/promises';
import fsp from 'node:fs/promises';
import http from 'http'; // expect: JS-NET-002
export { execSync } from 'child_process'; // expect: JS-IMPORT-001
export * from 'net'; // expect: JS-NET-001

cp.exec('ls'); // expect: JS-EXEC-001
run('ls'); // expect: JS-EXEC-001
spawn('ls'); // expect: JS-EXEC-002
ns.execFileSync('ls'); // expect: JS-EXEC-002
readFileSync('/etc/passwd'); // expect: JS-FS-002
writeFileSync('/etc/passwd', 'x'); // expect: JS-FS-001
await writeFile('/root/x', 'y'); // expect: JS-FS-001
await fsp.rm('/var/lib/x'); // expect: JS-FS-001
readFileSync('./data.txt');
writeFileSync('/tmp/out.txt', 'ok');
const { default: cp2 } = await import('child_process'); // expect: JS-IMPORT-001
cp2?.execSync?.('ls'); // expect: JS-EXEC-001
const mod = await import('node:child_process'); // expect: JS-IMPORT-001
mod.default.spawn('ls'); // expect: JS-EXEC-002
mod.execFile('ls'); // expect: JS-EXEC-002
const name = './plugin.mjs';
await import(name);
await import(`./plugins/${process.argv[2]}.mjs`); // expect: JS-IMPORT-007
export default function exec(cmd) { return cmd; }
exec('local function');
const here = import.meta.url;
http.STATUS_CODES;
