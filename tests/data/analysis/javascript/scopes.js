// Aliases follow lexical scopes: parameters and local declarations hide outer bindings.
const { exec } = require('child_process'); // expect: JS-IMPORT-001
function a(exec) { exec('param shadows'); }
function b() { const exec = (x) => x; exec('local shadows'); }
function c() { exec('outer binding'); } // expect: JS-EXEC-001
function d() { try { f(); } catch (exec) { exec('x'); } }
for (const exec of []) { exec('loop variable'); }
{ let exec = 1; exec('block'); }
const arrow = (exec) => exec('arrow param');
const obj = { m(exec) { return exec('method param'); } };
exec('top level'); // expect: JS-EXEC-001
hoisted();
function hoisted() { later('x'); } // expect: JS-EXEC-001
var later = require('child_process').execSync; // expect: JS-IMPORT-001
let cp2;
cp2 = require('child_process'); // expect: JS-IMPORT-001
cp2.spawn('x'); // expect: JS-EXEC-002
function inner() {
  const cp3 = require('child_process'); // expect: JS-IMPORT-001
  return () => cp3.fork('w.js'); // expect: JS-EXEC-002
}
cp3.fork('w.js');
const [first] = [require('child_process')]; // expect: JS-IMPORT-001
first.exec('x');
