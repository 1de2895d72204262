// Code given to eval, Function, vm and timers as a constant string is analysed too (two levels,
// 64 strings per file); its findings are placed at the evaluating call.
eval("require('child_process').exec('id')"); // expect: JS-EVAL-001 JS-IMPORT-001 JS-EXEC-001
new Function('a', "return process.mainModule.require('child_process')")(); // expect: JS-EVAL-002 JS-IMPORT-008 JS-IMPORT-001
eval(atob('cmVxdWlyZSgiZnMiKS53cml0ZUZpbGVTeW5jKCIvZXRjL3giLCAiIik=')); // expect: JS-EVAL-001 JS-OBF-002 JS-FS-001
eval('eval(\'fetch(1)\')'); // expect: JS-EVAL-001 JS-EVAL-001 JS-NET-004
eval('eval(\'eval("fetch(1)")\')'); // expect: JS-EVAL-001 JS-EVAL-001 JS-EVAL-001
setTimeout("require('net')", 1); // expect: JS-EVAL-003 JS-NET-001
require('vm').runInNewContext('fetch("x")'); // expect: JS-IMPORT-002 JS-EVAL-004 JS-NET-004
const code = "require('dgram')";
eval(code); // expect: JS-EVAL-001 JS-NET-001
eval('1 +'); // expect: JS-EVAL-001
eval('// require("child_process")'); // expect: JS-EVAL-001
eval(userInput); // expect: JS-EVAL-001
