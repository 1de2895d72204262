// JS-OBF-*: computed names, decoded payloads, assembled module names, constructor chains.
globalThis['ev' + 'al']('x'); // expect: JS-OBF-001 JS-EVAL-001
window['e' + 'v' + 'a' + 'l']('x'); // expect: JS-OBF-001 JS-EVAL-001
global[name]('x'); // expect: JS-OBF-001
globalThis['\x65val']('x'); // expect: JS-OBF-001 JS-EVAL-001
self[`ev${''}al`]('x'); // expect: JS-OBF-001
const ev = self['ev' + 'al']; // expect: JS-OBF-001
ev('x'); // expect: JS-EVAL-001
eval(atob('Y29uc29sZS5sb2coMSk=')); // expect: JS-EVAL-001 JS-OBF-002
eval(String.fromCharCode(97, 108, 101, 114, 116)); // expect: JS-EVAL-001 JS-OBF-002
new Function(Buffer.from('cmV0dXJuIDE=', 'base64').toString())(); // expect: JS-EVAL-002 JS-OBF-002
const payload = atob('YWxlcnQoMSk=');
eval(payload); // expect: JS-EVAL-001 JS-OBF-002
eval(unescape('%61%6c%65%72%74')); // expect: JS-EVAL-001 JS-OBF-002
require('child_' + 'process').exec('ls'); // expect: JS-OBF-003 JS-IMPORT-001 JS-EXEC-001
require('child\u005fprocess'); // expect: JS-OBF-003 JS-IMPORT-001
require(atob('Y2hpbGRfcHJvY2Vzcw==')); // expect: JS-OBF-003 JS-IMPORT-001
require(String.fromCharCode(102, 115)); // expect: JS-OBF-003
require('ssecorp_dlihc'.split('').reverse().join('')); // expect: JS-OBF-003 JS-IMPORT-001
const cp = require('child_process'); // expect: JS-IMPORT-001
cp['ex' + 'ec']('ls'); // expect: JS-OBF-001 JS-EXEC-001
cp[method]('ls'); // expect: JS-OBF-001
process['bind' + 'ing']('spawn_sync'); // expect: JS-OBF-001 JS-EXEC-004
cp.exec(Buffer.from('bHM=', 'base64').toString()); // expect: JS-EXEC-001 JS-OBF-002
[]['constructor']['constructor']('x')(); // expect: JS-EVAL-002 JS-OBF-004

// Computed access that hides nothing: nothing.
const key = 'x';
obj[key]();
globalThis['plain'];
const arr = [1, 2];
arr[0];
console.log(atob('aGVsbG8='));
const text = String.fromCharCode(104, 105);
window['on' + 'load'] = start;
globalThis[name] = 1;
