// Print the program's arguments as JSON (escaped to ASCII like Python's json.dumps).
const s = JSON.stringify(process.argv.slice(2));
const ascii = (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
console.log(s.replace(/[\u007f-\uffff]/g, ascii));
