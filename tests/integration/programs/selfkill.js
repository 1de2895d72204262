// Kill ourselves with the signal named in argv[2].
console.log("about to die");
process.kill(process.pid, process.argv[2]);
setTimeout(() => console.log("still alive"), 10000);
