// Compares two loss trajectories (one number a line): the native build's
// and the WebAssembly build's. Fails unless step 1 agrees to 1e-9 relative
// and every step to 1e-6; prints how the relative difference grows.
//
//   node compare.mjs native.txt wasm.txt
import { readFileSync } from "node:fs";

const read = (f) => readFileSync(f, "utf8").trim().split("\n").map(Number);
const [a, b] = process.argv.slice(2).map(read);
if (a.length !== b.length || a.length === 0) {
  console.error(`trajectories differ in length: ${a.length} and ${b.length}`);
  process.exit(1);
}
let worst = 0, failed = false;
a.forEach((x, k) => {
  const rel = Math.abs(x - b[k]) / Math.max(Math.abs(x), 1e-300);
  worst = Math.max(worst, rel);
  if (k === 0 || (k + 1) % 10 === 0)
    console.log(`step ${k + 1}: native ${x.toPrecision(17)} wasm ${b[k].toPrecision(17)} relative difference ${rel.toExponential(2)}`);
  if ((k === 0 && !(rel <= 1e-9)) || !(rel <= 1e-6)) {
    console.error(`step ${k + 1}: relative difference ${rel} is too large`);
    failed = true;
  }
});
console.log(`largest relative difference over ${a.length} steps: ${worst.toExponential(2)}`);
process.exit(failed ? 1 : 0);
