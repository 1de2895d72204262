// .mjs syntax the grammar must read without errors: class fields, private names, static blocks,
// numeric separators, BigInt, regex flags, optional chaining, nullish assignment, labels.
import { readFile } from 'node:fs/promises';
export const config = { n: 1_000_000n, re: /a(?<x>b)/dgu, hex: 0xff, oct: 0o17 };
class Box {
  #secret = 1;
  static #count = 0;
  get value() { return this.#secret ?? 0; }
  static { Box.#count++; }
  #hidden() { return #secret in this; }
}
const data = await readFile(new URL('./data.json', import.meta.url), 'utf8');
let cache;
cache ??= new Map();
cache?.get?.('k');
export default class extends Box {}
outer: for (const x of [1, 2]) { if (x) continue outer; }
const tagged = String.raw`\n${data}`;
const { default: cp } = await import('child_process'); // expect: JS-IMPORT-001
cp?.execSync?.('ls'); // expect: JS-EXEC-001
export { Box as Crate };
