console.log("exiting with", process.argv[2]);
process.exit(Number(process.argv[2]));
