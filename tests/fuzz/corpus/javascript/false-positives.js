// Names that look dangerous but are not: this file must give no finding at all.
model.eval();
model.eval('x');
my_exec_plan();
const my_exec = 1;
/a/.exec(s);
const re = /x/g;
re.exec(s);
function exec(cmd) { return cmd; }
exec('ls');
const spawn = () => 0;
spawn('x');
class Runner {
  exec(c) { return c; }
  run() { return this.exec('x'); }
}
new Runner().exec('ls');
console.log("eval");
console.log('require("child_process").exec("rm -rf /")');
// require('child_process').exec('ls')
/* eval('x'); new Function('y'); fetch('http://x'); */
const doc = `fetch('http://x') ${1 + 1} eval('x')`;
const o = { eval: 1, exec() {}, fetch: null };
o.exec();
db.collection('x').find().exec();
const { exec: e2 } = someLib;
e2('x');
query.exec();
const Function2 = function () {};
new Function2();
const evalResult = evaluate(expr);
process.env.PATH;
const child_process = 'a string, not the module';
child_process.exec;
