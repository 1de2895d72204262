// syntax-error: 5:11
eval('before'); // expect: JS-EVAL-001
// A template literal that never ends. Node rejects the whole file; tree-sitter recovers by
// dropping the backtick and reads on, so the lines below are analysed as code (conservative).
const t = `never closed ${1 + 1}
eval('x'); // expect: JS-EVAL-001
require('child_process'); // expect: JS-IMPORT-001
