// JS-IMPORT-*: module names known only at run time, internal loaders, dangerous modules.
const m = require(name); // expect: JS-IMPORT-006
require(`./x/${y}`); // expect: JS-IMPORT-006
require(path.join(__dirname, 'x')); // expect: JS-IMPORT-006
require('./local.js');
require('lodash');
require('node:path');
const modName = 'child_process';
require(modName); // expect: JS-IMPORT-001
process.mainModule.require('child_process').exec('ls'); // expect: JS-IMPORT-008 JS-IMPORT-001 JS-EXEC-001
module.constructor._load('child_process'); // expect: JS-IMPORT-008 JS-IMPORT-001
require('module')._load('fs'); // expect: JS-IMPORT-008
require('module').Module._load('vm'); // expect: JS-IMPORT-008 JS-IMPORT-002
process.mainModule.constructor._load('net'); // expect: JS-IMPORT-008 JS-NET-001
const { createRequire } = require('module');
const req = createRequire(__filename);
req('child_process'); // expect: JS-IMPORT-001
module.require('child_process'); // expect: JS-IMPORT-001
require.call(null, 'child_process'); // expect: JS-IMPORT-001
require.main.require('child_process'); // expect: JS-IMPORT-001
require('worker_threads'); // expect: JS-IMPORT-003
require('node:cluster'); // expect: JS-IMPORT-001
require(); 
require.resolve('child_process');
