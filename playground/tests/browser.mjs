// The playground in a real browser: Debian's chromium, headless, driven by
// playwright-core (no browser download), on the page served from 127.0.0.1.
// It trains on the spiral and checks that the loss falls, the boundary
// canvas changes, the test accuracy passes a floor after a fixed number of
// steps, adding a layer works and a URL with a state reproduces it; it
// saves a screenshot.
//
//   node browser.mjs <folder with node_modules/playwright-core> <page address> <screenshot.png>
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

const [modules, address, screenshot] = process.argv.slice(2);
const { chromium } = createRequire(path.join(path.resolve(modules), "package.json"))("playwright-core");

const profile = mkdtempSync(path.join(os.tmpdir(), "hnn-playground-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.HNN_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1360, height: 760 },
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
};

try {
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const spiral = "dataset=spiral&noise=0&ratio=0.5&features=x1,x2,sinx1,sinx2&layers=8,8,8,8&" +
    "activation=tanh&lr=0.03&batch=10&seed=1";
  const open = async (q) => {
    await page.goto(`${address}/?${q}`);
    await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
  };
  await open(spiral);
  const boundary = () => page.evaluate(() => document.getElementById("boundary").toDataURL());
  const epoch = () => page.evaluate(() => Number(document.getElementById("epoch").textContent));
  const before = await boundary();
  const loss0 = await page.evaluate(() => window.playground.state().train_loss);
  check((await epoch()) === 0, "the page opens at epoch 0");

  // Play, then pause.
  await page.click("#play");
  await page.waitForFunction(() => Number(document.getElementById("epoch").textContent) >= 10,
    null, { timeout: 60000 });
  await page.click("#play");
  const played = await epoch();
  const loss1 = await page.evaluate(() => window.playground.state().train_loss);
  check(played >= 10, `play trains (epoch ${played})`);
  check(loss1 < loss0, `the training loss falls (${loss0.toFixed(4)} → ${loss1.toFixed(4)})`);
  check((await boundary()) !== before, "the decision boundary canvas changes");
  const shown = await page.evaluate(() => Number(document.getElementById("train-loss").textContent));
  check(Math.abs(shown - loss1) < 1e-3, "the page shows the training loss");

  // Reset, and a fixed number of steps from the start.
  await page.click("#reset");
  check((await epoch()) === 0, "reset returns to epoch 0");
  await page.click("#step");
  check((await epoch()) === 1, "step takes one step");
  await page.evaluate(() => window.playground.run(299));
  const s = await page.evaluate(() => window.playground.state());
  check(s.epoch === 300, `300 steps (epoch ${s.epoch})`);
  check(s.test_accuracy >= 0.9, `test accuracy after 300 steps ${(100 * s.test_accuracy).toFixed(1)}% ≥ 90%`);
  check(s.gradient_norms.length === 5 && s.gradient_norms.every((g) => g > 0),
    "a gradient norm for each of the 5 Dense layers");
  await page.screenshot({ path: screenshot, fullPage: true });

  // Add a layer: the address and the model follow.
  await page.click("#add-layer");
  const added = await page.evaluate(() => ({ q: location.search, w: window.playground.state().weights.length }));
  check(added.q.includes("layers=8%2C8%2C8%2C8%2C2") || added.q.includes("layers=8,8,8,8,2"),
    `adding a layer puts it in the address (${added.q.match(/layers=[^&]*/)})`);
  check(added.w === 6, "adding a layer gives 6 weight matrices");
  await page.click("#neuron-buttons button[data-layer='4'][data-delta='1']");
  check((await page.evaluate(() => window.playground.settings().layers[4])) === 3,
    "a neuron button adds a neuron");

  // The C++ code button.
  await page.click("#show-cpp");
  const code = await page.textContent("#cpp-code");
  check(code.includes("hnn::Sequential<double> model(4);") && code.includes("Dense<double>(8, 3"),
    "the C++ code builds the same model");
  await page.click("#close-cpp");

  // A URL with a state reproduces it: the same settings, the same numbers.
  const shared = "dataset=xor&noise=0.1&ratio=0.7&features=x1,x2,x1x2&layers=3&activation=relu&" +
    "lr=0.01&batch=5&reg=l2&rate=0.001&init=he_uniform&optimizer=adam&seed=4";
  await open(shared);
  await page.evaluate(() => window.playground.run(20));
  const first = await page.evaluate(() => ({ s: window.playground.state(), q: window.playground.query() }));
  check((await page.inputValue("#lr")) === "0.01" && (await page.inputValue("#optimizer")) === "adam" &&
    (await page.inputValue("#reg")) === "l2" && (await page.isChecked("#features input[value=x1x2]")),
    "the controls show the address's settings");
  await open(first.q);
  await page.evaluate(() => window.playground.run(20));
  const second = await page.evaluate(() => window.playground.state());
  check(second.train_loss === first.s.train_loss && second.test_loss === first.s.test_loss,
    `the shared address trains to the same losses (${first.s.train_loss})`);
  // hnn's errors reach the page as messages (the module is built with -fexceptions).
  await open("dataset=plane&layers=8,8&activation=relu&lr=10");
  await page.evaluate(() => window.playground.run(50));
  const diverged = await page.textContent("#error");
  check(diverged.includes("at step"), `a diverging run stops with hnn's message (${diverged})`);
  await open("lr=0.05&rate=0.002&reg=l1");
  check((await page.inputValue("#lr")) === "0.05" && (await page.inputValue("#rate")) === "0.002",
    "a learning rate and a penalty rate off the lists are shown");
  await open("layers=9");
  const refused = await page.textContent("#error");
  check(refused.includes("1 to 8 neurons, not 9"), `an impossible address is refused (${refused})`);
  check(errors.length === 0, `no page errors${errors.length ? ": " + errors.join("; ") : ""}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(failures === 0 ? "browser checks passed" : `${failures} browser checks failed`);
process.exit(failures === 0 ? 0 : 1);
