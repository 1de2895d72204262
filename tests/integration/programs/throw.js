function inner() {
  throw new TypeError("boom-from-javascript");
}
console.log("before the exception");
inner();
