// Print, then keep the event loop alive forever.
console.log("waiting forever");
setInterval(() => {}, 1000);
