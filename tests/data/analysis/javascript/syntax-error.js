// syntax-error: 5:13
// What parses around the error is still analysed.
const { exec } = require('child_process'); // expect: JS-IMPORT-001
exec('ls'); // expect: JS-EXEC-001
const x = 1 +* 2;
eval('after the error'); // expect: JS-EVAL-001
let y = [1, 2;
fetch('https://example.com'); // expect: JS-NET-004
if (x) {
  new Function('in an unclosed block'); // expect: JS-EVAL-002
