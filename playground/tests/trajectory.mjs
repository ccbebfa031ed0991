// The playground core compiled to WebAssembly, under node: prints the
// training loss after each of the first N steps for a URL query, one number
// per line with 17 digits, as playground_trajectory does natively.
//
//   node trajectory.mjs <site folder> '<query>' [steps]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [site, query, stepsText] = process.argv.slice(2);
if (!site || query === undefined) {
  console.error("usage: node trajectory.mjs <site folder> <query> [steps]");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const createHnnPlayground = require(path.resolve(site, "hnn_playground.js"));
// The module's own loader would fetch() a file path under node 18+; hand it the bytes.
const M = await createHnnPlayground({ wasmBinary: readFileSync(path.resolve(site, "hnn_playground.wasm")) });
if (M.ccall("pg_reset", "number", ["string"], [query]) !== 0) {
  console.error(M.UTF8ToString(M._pg_error()));
  process.exit(1);
}
const steps = stepsText ? Number(stepsText) : 50;
const lines = [];
for (let k = 0; k < steps; ++k) {
  if (M._pg_step(1) !== 0) {
    console.error(M.UTF8ToString(M._pg_error()));
    process.exit(1);
  }
  lines.push(JSON.parse(M.UTF8ToString(M._pg_state())).train_loss.toPrecision(17));
}
console.log(lines.join("\n"));
