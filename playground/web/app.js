// The hnn playground's page: settings, drawing and the play loop. Every
// number it shows comes from hnn itself, compiled to WebAssembly
// (hnn_playground.js / .wasm, built from playground/core/). The state lives
// in the address: ?dataset=spiral&layers=8,8&… reproduces a configuration.
"use strict";

const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const ACTIVATIONS = ["tanh", "relu", "sigmoid", "linear", "leaky_relu", "elu", "gelu", "silu"];
const INITS = ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "lecun_uniform",
  "lecun_normal"];
const OPTIMIZERS = ["sgd", "momentum", "adam", "rmsprop", "adagrad"];
const DATASETS = ["circle", "xor", "gauss", "spiral", "plane", "gaussreg"];
const REGRESSION = new Set(["plane", "gaussreg"]);
const FEATURES = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"];
const FEATURE_LABELS = ["x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁", "sin x₂"];
const GRID = 40;           // the heat-maps' resolution
const EXTENT = 6;          // points lie in [−6, 6]²
const LAYER_COLOURS = ["#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

const $ = (id) => document.getElementById(id);

// The settings, as the C++ core names them (Settings::parse).
const DEFAULTS = {
  dataset: "circle", problem: "classification", noise: 0, ratio: 0.5, points: 500,
  features: ["x1", "x2"], layers: [4, 2], activation: "tanh", lr: 0.03, batch: 10,
  reg: "none", rate: 0, init: "xavier_uniform", optimizer: "sgd", seed: 1,
};

function parseAddress(search) {
  const s = structuredClone(DEFAULTS);
  const params = new URLSearchParams(search);
  for (const [key, value] of params) {
    if (!(key in s)) continue;
    if (key === "features") s.features = value ? value.split(",") : [];
    else if (key === "layers") s.layers = value ? value.split(",").map(Number) : [];
    else if (typeof DEFAULTS[key] === "number") s[key] = Number(value);
    else s[key] = value;
  }
  if (!params.has("problem")) s.problem = REGRESSION.has(s.dataset) ? "regression" : "classification";
  return s;
}

function query(s) {
  return ["dataset=" + s.dataset, "problem=" + s.problem, "noise=" + s.noise, "ratio=" + s.ratio,
    "points=" + s.points, "features=" + s.features.join(","), "layers=" + s.layers.join(","),
    "activation=" + s.activation, "lr=" + s.lr, "batch=" + s.batch, "reg=" + s.reg,
    "rate=" + s.rate, "init=" + s.init, "optimizer=" + s.optimizer, "seed=" + s.seed].join("&");
}

// --- the WebAssembly core --------------------------------------------------------

let M = null;
const core = {
  reset: (q) => M.ccall("pg_reset", "number", ["string"], [q]) === 0,
  step: (n) => M._pg_step(n) === 0,
  error: () => M.UTF8ToString(M._pg_error()),
  state: () => JSON.parse(M.UTF8ToString(M._pg_state())),
  points: () => JSON.parse(M.UTF8ToString(M._pg_points())),
  cpp: () => M.UTF8ToString(M._pg_cpp()),
  query: () => M.UTF8ToString(M._pg_query()),
  grid: () => {  // every node's outputs, node k at [k·GRID², (k+1)·GRID²)
    const ptr = M._pg_grid(GRID);
    if (!ptr) throw new Error(core.error());
    const nodes = M._pg_grid_nodes();
    return new Float64Array(M.HEAPF64.buffer, ptr, nodes * GRID * GRID).slice();
  },
};

// --- state --------------------------------------------------------------------------

let settings = parseAddress(location.search);
let points = null;
let state = null;
let trace = { train: [], test: [], gradients: [] };
let playing = false;

function showError(text) {
  $("error").textContent = text;
}

function reset() {
  playing = false;
  $("play").textContent = "Play";
  trace = { train: [], test: [], gradients: [] };
  if (!core.reset(query(settings))) {
    showError(core.error());
    return false;
  }
  showError("");
  history.replaceState(null, "", "?" + core.query());
  points = core.points();
  record();
  render();
  return true;
}

function record() {
  state = core.state();
  trace.train.push(state.train_loss);
  trace.test.push(state.test_loss);
  trace.gradients.push(state.gradient_norms);
}

function step(n) {
  for (let k = 0; k < n; ++k) {
    if (!core.step(1)) {
      showError(core.error());
      pause();
      return false;
    }
    record();
  }
  render();
  return true;
}

function pause() {
  playing = false;
  $("play").textContent = "Play";
}

function loop() {
  if (!playing) return;
  if (step(1)) requestAnimationFrame(loop);
}

// --- drawing ------------------------------------------------------------------------

// −1 orange, 0 white, +1 blue.
function colour(v) {
  const t = Math.max(-1, Math.min(1, v));
  const neg = [245, 147, 34], pos = [8, 119, 189], mid = [232, 234, 235];
  const end = t < 0 ? neg : pos, a = Math.abs(t);
  return mid.map((m, i) => Math.round(m + (end[i] - m) * a));
}

function heatmap(ctx, values, offset, x, y, size, scale) {
  const image = ctx.createImageData(GRID, GRID);
  for (let i = 0; i < GRID * GRID; ++i) {
    const [r, g, b] = colour(values[offset + i] / scale);
    image.data.set([r, g, b, 255], 4 * i);
  }
  const tmp = document.createElement("canvas");
  tmp.width = tmp.height = GRID;
  tmp.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, x, y, size, size);
}

function nodeScale(values, offset) {
  let m = 0;
  for (let i = 0; i < GRID * GRID; ++i) m = Math.max(m, Math.abs(values[offset + i]));
  return m > 0 ? m : 1;
}

function drawBoundary(grid, nodes) {
  const canvas = $("boundary"), ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  heatmap(ctx, grid, (nodes - 1) * GRID * GRID, 0, 0, canvas.width, 1);
  const px = (x) => (x + EXTENT) / (2 * EXTENT) * canvas.width;
  const py = (y) => (EXTENT - y) / (2 * EXTENT) * canvas.height;
  const draw = (list, test) => {
    for (const [x, y, t] of list) {
      const v = settings.problem === "classification" ? 2 * t - 1 : t;
      const [r, g, b] = colour(v);
      ctx.beginPath();
      ctx.arc(px(x), py(y), 3, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fill();
      ctx.strokeStyle = test ? "#000" : "#fff";
      ctx.lineWidth = 1;
      ctx.stroke();
    }
  };
  draw(points.train, false);
  if ($("show-test").checked) draw(points.test, true);
}

function drawNetwork(grid) {
  const canvas = $("network"), ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const sizes = [settings.features.length, ...settings.layers, 1];
  const size = 34, gapX = (canvas.width - 2 * 60 - size) / (sizes.length - 1);
  const pos = sizes.map((n, l) => Array.from({ length: n }, (_, i) => [
    60 + l * gapX, 10 + i * (size + 10)]));
  // weights: colour by sign, thickness by size
  state.weights.forEach((W, d) => {
    W.forEach((row, o) => row.forEach((w, i) => {
      const [x0, y0] = pos[d][i], [x1, y1] = pos[d + 1][o];
      const [r, g, b] = colour(w > 0 ? 1 : -1);
      ctx.strokeStyle = `rgb(${r},${g},${b})`;
      ctx.lineWidth = Math.min(8, 0.3 + 2 * Math.abs(w));
      ctx.beginPath();
      ctx.moveTo(x0 + size, y0 + size / 2);
      ctx.lineTo(x1, y1 + size / 2);
      ctx.stroke();
    }));
  });
  // every node's output over the grid
  let node = 0;
  sizes.forEach((n, l) => {
    for (let i = 0; i < n; ++i, ++node) {
      const [x, y] = pos[l][i], offset = node * GRID * GRID;
      const last = l === sizes.length - 1;
      heatmap(ctx, grid, offset, x, y, size, last ? 1 : nodeScale(grid, offset));
      ctx.strokeStyle = "#444";
      ctx.lineWidth = 1;
      ctx.strokeRect(x, y, size, size);
      if (l === 0) {
        ctx.fillStyle = "#222";
        ctx.font = "12px system-ui";
        ctx.textAlign = "right";
        ctx.fillText(FEATURE_LABELS[FEATURES.indexOf(settings.features[i])], x - 6, y + size / 2 + 4);
      }
    }
  });
}

function drawCurve(canvas, series, colours, logarithmic) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const f = (v) => (logarithmic ? Math.log10(Math.max(v, 1e-12)) : v);
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (const v of s) if (Number.isFinite(v)) {
    lo = Math.min(lo, f(v));
    hi = Math.max(hi, f(v));
  }
  if (!Number.isFinite(lo)) return;
  if (!logarithmic) lo = 0;
  if (hi - lo < 1e-12) hi = lo + 1;
  series.forEach((s, k) => {
    ctx.strokeStyle = colours[k];
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    s.forEach((v, i) => {
      const x = s.length > 1 ? i / (s.length - 1) * (canvas.width - 4) + 2 : 2;
      const y = canvas.height - 2 - (f(v) - lo) / (hi - lo) * (canvas.height - 4);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  });
  if (logarithmic) {
    ctx.fillStyle = "#555";
    ctx.font = "11px system-ui";
    ctx.fillText("1e" + hi.toFixed(1), 4, 12);
    ctx.fillText("1e" + lo.toFixed(1), 4, canvas.height - 4);
  }
}

function drawGradients() {
  const layers = state.gradient_norms.length;
  const series = Array.from({ length: layers }, (_, d) => trace.gradients.slice(1).map((g) => g[d]));
  const colours = series.map((_, d) => LAYER_COLOURS[d % LAYER_COLOURS.length]);
  drawCurve($("gradients"), series, colours, true);
  $("gradient-legend").innerHTML = series.map((_, d) =>
    `<span style="color:${colours[d]}">■ ${d + 1 === layers ? "output" : "layer " + (d + 1)}</span>`).join("");
}

const fmt = (v) => (v === null || v === undefined ? "-" : v.toFixed(3));

function render() {
  $("epoch").textContent = String(state.epoch).padStart(6, "0");
  $("train-loss").textContent = fmt(state.train_loss);
  $("test-loss").textContent = fmt(state.test_loss);
  $("train-accuracy").textContent = state.train_accuracy === null ? "-" : (100 * state.train_accuracy).toFixed(1) + "%";
  $("test-accuracy").textContent = state.test_accuracy === null ? "-" : (100 * state.test_accuracy).toFixed(1) + "%";
  const grid = core.grid(), nodes = M._pg_grid_nodes();
  drawBoundary(grid, nodes);
  drawNetwork(grid);
  drawCurve($("loss-curve"), [trace.test, trace.train], ["#000", "#888"], false);
  drawGradients();
}

// --- controls -----------------------------------------------------------------------

function fill(select, values, label) {
  select.innerHTML = values.map((v) => `<option value="${v}">${label ? label(v) : v}</option>`).join("");
}

// A value from the address that a list lacks is added to it.
function choose(select, value) {
  if (![...select.options].some((o) => o.value === value))
    select.add(new Option(value, value));
  select.value = value;
}

function syncControls() {
  choose($("lr"), String(settings.lr));
  $("activation").value = settings.activation;
  $("reg").value = settings.reg;
  choose($("rate"), String(settings.rate));
  $("problem").value = settings.problem;
  $("init").value = settings.init;
  $("optimizer").value = settings.optimizer;
  $("ratio").value = Math.round(settings.ratio * 100);
  $("ratio-value").textContent = Math.round(settings.ratio * 100);
  $("noise").value = Math.round(settings.noise * 100);
  $("noise-value").textContent = Math.round(settings.noise * 100);
  $("batch").value = settings.batch;
  $("batch-value").textContent = settings.batch;
  $("seed").value = settings.seed;
  for (const c of document.querySelectorAll("#datasets canvas"))
    c.classList.toggle("selected", c.dataset.name === settings.dataset);
  for (const box of document.querySelectorAll("#features input"))
    box.checked = settings.features.includes(box.value);
  $("layer-count").textContent = settings.layers.length;
  // each layer's buttons above its column of the network drawing (drawNetwork's layout)
  const columns = settings.layers.length + 2, gapX = (640 - 2 * 60 - 34) / (columns - 1);
  $("neuron-buttons").innerHTML = settings.layers.map((n, l) =>
    `<div style="left:${60 + (l + 1) * gapX + 17 - 38}px"><button data-layer="${l}" data-delta="1">+</button><button data-layer="${l}" data-delta="-1">&minus;</button><br>${n} neurons</div>`).join("");
}

function change(update) {
  update(settings);
  syncControls();
  reset();
}

function drawDatasetIcons() {
  $("datasets").innerHTML = "";
  for (const name of DATASETS) {
    const c = document.createElement("canvas");
    c.width = c.height = 60;
    c.dataset.name = name;
    c.title = name;
    $("datasets").appendChild(c);
    if (!core.reset(query({ ...settings, dataset: name, points: 200, noise: 0,
      problem: REGRESSION.has(name) ? "regression" : "classification" }))) continue;
    const p = core.points(), ctx = c.getContext("2d");
    for (const [x, y, t] of p.train.concat(p.test)) {
      const [r, g, b] = colour(REGRESSION.has(name) ? t : 2 * t - 1);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect((x + EXTENT) / (2 * EXTENT) * 60 - 1, (EXTENT - y) / (2 * EXTENT) * 60 - 1, 2, 2);
    }
    c.addEventListener("click", () => change((s) => {
      s.dataset = name;
      s.problem = REGRESSION.has(name) ? "regression" : "classification";
    }));
  }
}

function setUp() {
  fill($("lr"), LEARNING_RATES);
  fill($("rate"), RATES);
  fill($("activation"), ACTIVATIONS);
  fill($("init"), INITS);
  fill($("optimizer"), OPTIMIZERS);
  $("features").innerHTML = FEATURES.map((f, k) =>
    `<label><input type="checkbox" value="${f}"> ${FEATURE_LABELS[k]}</label>`).join("");
  drawDatasetIcons();

  const onSelect = (id, key, number) => $(id).addEventListener("change", (e) =>
    change((s) => { s[key] = number ? Number(e.target.value) : e.target.value; }));
  onSelect("lr", "lr", true);
  onSelect("rate", "rate", true);
  onSelect("activation", "activation");
  onSelect("reg", "reg");
  onSelect("init", "init");
  onSelect("optimizer", "optimizer");
  $("problem").addEventListener("change", (e) => change((s) => {
    s.problem = e.target.value;
    if ((s.problem === "regression") !== REGRESSION.has(s.dataset))
      s.dataset = s.problem === "regression" ? "plane" : "circle";
  }));
  $("ratio").addEventListener("change", (e) => change((s) => { s.ratio = Number(e.target.value) / 100; }));
  $("noise").addEventListener("change", (e) => change((s) => { s.noise = Number(e.target.value) / 100; }));
  $("batch").addEventListener("change", (e) => change((s) => { s.batch = Number(e.target.value); }));
  $("seed").addEventListener("change", (e) => change((s) => { s.seed = Number(e.target.value); }));
  $("features").addEventListener("change", () => change((s) => {
    s.features = [...document.querySelectorAll("#features input")].filter((b) => b.checked).map((b) => b.value);
  }));
  $("add-layer").addEventListener("click", () => change((s) => {
    if (s.layers.length < 6) s.layers.push(2);
  }));
  $("remove-layer").addEventListener("click", () => change((s) => { s.layers.pop(); }));
  $("neuron-buttons").addEventListener("click", (e) => {
    const l = e.target.dataset.layer;
    if (l === undefined) return;
    change((s) => {
      s.layers[l] = Math.max(1, Math.min(8, s.layers[l] + Number(e.target.dataset.delta)));
    });
  });
  $("show-test").addEventListener("change", render);
  $("reset").addEventListener("click", reset);
  $("step").addEventListener("click", () => { pause(); step(1); });
  $("play").addEventListener("click", () => {
    if (playing) {
      pause();
    } else {
      playing = true;
      $("play").textContent = "Pause";
      requestAnimationFrame(loop);
    }
  });
  $("show-cpp").addEventListener("click", () => {
    $("cpp-code").textContent = core.cpp();
    $("cpp-dialog").showModal();
  });
  $("close-cpp").addEventListener("click", () => $("cpp-dialog").close());
  syncControls();
  reset();
}

// For the console and the browser tests: run n steps at once, read the state.
window.playground = {
  run: (n) => step(n),
  state: () => state,
  settings: () => settings,
  query: () => core.query(),
  cpp: () => core.cpp(),
};

createHnnPlayground().then((module) => {
  M = module;
  setUp();
  document.body.dataset.ready = "true";
});
