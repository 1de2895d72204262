// JS-EVAL-*: code from strings: eval, Function, timers, vm, workers.
eval('1 + 1'); // expect: JS-EVAL-001
globalThis.eval('x'); // expect: JS-EVAL-001
window.eval('x'); // expect: JS-EVAL-001
globalThis['eval']('x'); // expect: JS-EVAL-001
(0, eval)('x'); // expect: JS-EVAL-001
const e = eval;
e('x'); // expect: JS-EVAL-001
eval?.('x'); // expect: JS-EVAL-001
eval.call(null, 'x'); // expect: JS-EVAL-001
new Function('return 1'); // expect: JS-EVAL-002
Function('return 1')(); // expect: JS-EVAL-002
const F = Function;
new F('a', 'return a'); // expect: JS-EVAL-002
Reflect.construct(Function, ['return 1']); // expect: JS-EVAL-002
[].constructor.constructor('return process')(); // expect: JS-EVAL-002 JS-OBF-004
(() => {}).constructor('x'); // expect: JS-EVAL-002 JS-OBF-004
Object.getPrototypeOf(async function () {}).constructor('await 1'); // expect: JS-EVAL-002 JS-OBF-004
this.constructor.constructor('x'); // expect: JS-EVAL-002 JS-OBF-004
Function.prototype.constructor('x'); // expect: JS-EVAL-002 JS-OBF-004
setTimeout('alert(1)', 10); // expect: JS-EVAL-003
setInterval("tick()", 1000); // expect: JS-EVAL-003
setTimeout(`run()`, 10); // expect: JS-EVAL-003
setTimeout('a' + b, 10); // expect: JS-EVAL-003
const vm = require('vm'); // expect: JS-IMPORT-002
vm.runInNewContext('1 + 1'); // expect: JS-EVAL-004
vm.runInThisContext('x'); // expect: JS-EVAL-004
new vm.Script('x'); // expect: JS-EVAL-004
const { compileFunction } = require('node:vm'); // expect: JS-IMPORT-002
compileFunction('return 1'); // expect: JS-EVAL-004
const { Worker } = require('worker_threads'); // expect: JS-IMPORT-003
new Worker('console.log(1)', { eval: true }); // expect: JS-EVAL-005
new Worker('./worker.js');
new Worker('./worker.js', { eval: false });
require('wasi'); // expect: JS-IMPORT-004
require('inspector'); // expect: JS-IMPORT-005

// Not evaluation: nothing.
setTimeout(() => tick(), 10);
setTimeout(tick, 10);
setTimeout(function () {}, 10);
model.eval();
const evaluate = (s) => s;
evaluate('x');
console.log("eval('x')");
// eval('commented out')
/* new Function('x') */
const s = "require('child_process').exec('rm -rf /')";
JSON.parse('{"eval": 1}');
const obj = { constructor: 1 };
obj.constructor;
