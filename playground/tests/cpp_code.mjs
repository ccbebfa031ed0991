// Prints the C++ code the page's "C++ code" button shows for a URL query,
// from the WebAssembly core.
//
//   node cpp_code.mjs <site folder> '<query>'
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [site, query] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const createHnnPlayground = require(path.resolve(site, "hnn_playground.js"));
const M = await createHnnPlayground({ wasmBinary: readFileSync(path.resolve(site, "hnn_playground.wasm")) });
if (M.ccall("pg_reset", "number", ["string"], [query]) !== 0) {
  console.error(M.UTF8ToString(M._pg_error()));
  process.exit(1);
}
process.stdout.write(M.UTF8ToString(M._pg_cpp()));
