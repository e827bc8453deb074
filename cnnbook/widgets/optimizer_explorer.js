// OptimizerExplorer: SGD, Momentum, Nesterov, RMSProp and Adam on two-dimensional loss
// surfaces, computed in the browser so the widget works in the static HTML book. The update
// rules are those of Keras 3's optimizer classes, step for step (tests/test_optimizer_explorer.py
// checks 100 steps against keras.optimizers on every surface).

/** The surfaces: loss, gradient, the drawn window and the lowest loss (for the colour scale).
 *  cnnbook/loss_surfaces.py defines the same losses with keras.ops. */
export const SURFACES = {
  ravine: {
    title: "Ill-conditioned quadratic",
    loss: (x, y) => 0.1 * x * x + 2 * y * y,
    grad: (x, y) => [0.2 * x, 4 * y],
    x: [-5, 5], y: [-2.5, 2.5], min: 0,
  },
  valley: {
    title: "Curved valley (Rosenbrock-like)",
    loss: (x, y) => (1 - x) ** 2 + 5 * (y - x * x) ** 2,
    grad: (x, y) => [-2 * (1 - x) - 20 * x * (y - x * x), 10 * (y - x * x)],
    x: [-2, 2], y: [-1, 3], min: 0,
  },
  saddle: {
    title: "Saddle point",
    loss: (x, y) => 0.5 * x * x + 0.25 * y ** 4 - 0.5 * y * y,
    grad: (x, y) => [x, y ** 3 - y],
    x: [-2, 2], y: [-2, 2], min: -0.25,
  },
};

export const OPTIMIZERS = ["SGD", "Momentum", "Nesterov", "RMSProp", "Adam"];
// Colours that stay apart on the viridis background, in light and dark pages alike.
const COLOURS = { SGD: "#ff4d4d", Momentum: "#ffffff", Nesterov: "#ff9f1c", RMSProp: "#00e5ff", Adam: "#ff5cf0" };
// The parameters each optimizer takes besides the learning rate, as in Keras.
export const PARAMS = {
  SGD: [], Momentum: ["momentum"], Nesterov: ["momentum"], RMSProp: ["rho", "epsilon"],
  Adam: ["beta_1", "beta_2", "epsilon"],
};

/** One optimizer's update, as Keras 3 computes it (keras/src/optimizers/{sgd,rmsprop,adam}.py):
 *  returns a function (point, gradient, t) -> new point, keeping its own slots.
 *  Keras keeps the learning rate in a float32 variable, and ops.cast turns SGD's momentum and
 *  Adam's betas (for their powers) into float32 tensors before the float64 cast; so those
 *  numbers are rounded to float32 here too (Math.fround). Everything else (rho, 1 - rho,
 *  1 - beta, epsilon) meets the float64 weight as a Python float, exactly, as here. */
export function makeStepper(name, s) {
  const w = [0, 0], m = [0, 0], v = [0, 0], f32 = Math.fround;
  const lr = f32(s.lr), mu = f32(s.momentum ?? 0), eps = s.epsilon ?? 0;
  const rho = s.rho ?? 0, rhoRest = 1 - rho;
  const b1 = f32(s.beta_1 ?? 0), b2 = f32(s.beta_2 ?? 0);
  const b1Rest = 1 - (s.beta_1 ?? 0), b2Rest = 1 - (s.beta_2 ?? 0);
  return (p, g, t) => {
    for (let i = 0; i < 2; i++) {
      if (name === "SGD") w[i] = p[i] - g[i] * lr;
      else if (name === "Momentum" || name === "Nesterov") {
        m[i] = m[i] * mu - g[i] * lr;
        w[i] = name === "Nesterov" ? p[i] + (m[i] * mu - g[i] * lr) : p[i] + m[i];
      } else if (name === "RMSProp") {
        v[i] = rho * v[i] + rhoRest * (g[i] * g[i]);
        w[i] = p[i] - (lr * g[i]) / Math.sqrt(v[i] + eps);
      } else if (name === "Adam") {
        const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
        m[i] += (g[i] - m[i]) * b1Rest;
        v[i] += (g[i] * g[i] - v[i]) * b2Rest;
        w[i] = p[i] - (m[i] * alpha) / (Math.sqrt(v[i]) + eps);
      } else throw new Error(`unknown optimizer ${name}`);
    }
    return w.slice();
  };
}

/** The path of `steps` updates from `start`: points (steps + 1 of them) and their losses.
 *  A path that leaves the finite numbers stops there. */
export function trajectory(surface, name, settings, start, steps) {
  const f = SURFACES[surface], step = makeStepper(name, settings);
  const points = [start.slice()], losses = [f.loss(start[0], start[1])];
  let p = start.slice();
  for (let t = 1; t <= steps; t++) {
    p = step(p, f.grad(p[0], p[1]), t);
    const loss = f.loss(p[0], p[1]);
    if (!Number.isFinite(loss) || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) break;
    points.push(p); losses.push(loss);
  }
  return { points, losses };
}

const BANDS = 14; // colour bands of the background: log-spaced loss levels, like contour lines

/** The surface's picture: log(loss - min) in bands of viridis, one pixel per canvas pixel. */
function surfaceImage(ctx, f, width, height) {
  const image = ctx.createImageData(width, height), d = image.data;
  const values = new Float64Array(width * height);
  let lo = Infinity, hi = -Infinity;
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) {
    const x = f.x[0] + ((c + 0.5) / width) * (f.x[1] - f.x[0]);
    const y = f.y[1] - ((r + 0.5) / height) * (f.y[1] - f.y[0]);
    const v = Math.log10(f.loss(x, y) - f.min + 1e-3);
    values[r * width + c] = v; lo = Math.min(lo, v); hi = Math.max(hi, v);
  }
  for (let k = 0; k < values.length; k++) {
    const band = Math.min(BANDS - 1, Math.floor(((values[k] - lo) / (hi - lo)) * BANDS));
    const level = Math.round((band / (BANDS - 1)) * 200) + 20;  // 20..220: the ends stay readable
    d[k * 4] = VIRIDIS_LUT[level * 3]; d[k * 4 + 1] = VIRIDIS_LUT[level * 3 + 1];
    d[k * 4 + 2] = VIRIDIS_LUT[level * 3 + 2]; d[k * 4 + 3] = 255;
  }
  return image;
}

function render({ model, el: host }) {
  const root = el("div", { class: "cnnw cnnw-optim" });
  host.appendChild(root);

  const surfaceSelect = el("select", { name: "surface", "aria-label": "Loss surface" });
  for (const [key, f] of Object.entries(SURFACES)) surfaceSelect.append(el("option", { value: key, text: f.title }));
  const stepsInput = el("input", { type: "range", min: 10, max: 500, step: 10, name: "steps" });
  const stepsShown = el("output");
  const frameInput = el("input", { type: "range", min: 0, max: 100, step: 1, name: "frame", "aria-label": "Step shown" });
  const frameShown = el("output");
  // Play runs through the steps (from 0 again once at the end), 100 frames at most.
  const player = playControls(() => {
    const steps = model.get("steps"), next = Math.min(model.get("frame") + Math.max(1, Math.round(steps / 100)), steps);
    model.set("frame", next);
    if (next < steps) return true;
    model.save_changes();
    return false;
  }, 40, () => { if (model.get("frame") >= model.get("steps")) model.set("frame", 0); });
  const controls = el("div", { class: "cnnw-controls" },
    el("label", {}, "Surface", surfaceSelect),
    el("label", {}, "Steps", stepsInput, stepsShown),
    el("label", {}, "Show step", frameInput, frameShown), player.play, player.step);

  // One row per optimizer: shown or not, learning rate, its own parameters, the loss at the step shown.
  const table = el("table", { class: "cnnw-optim-table" });
  const head = el("tr", {}, el("th", { text: "optimizer" }), el("th", { text: "learning rate" }),
    el("th", { text: "parameters" }), el("th", { text: "loss" }));
  table.append(head);
  const rows = {};
  for (const name of OPTIMIZERS) {
    const box = el("input", { type: "checkbox", name: `show-${name}`, "data-optimizer": name });
    const swatch = el("span", { class: "cnnw-swatch", style: `background:${COLOURS[name]}` });
    const lr = el("input", { type: "number", step: "any", min: "0", name: `lr-${name}`,
      "aria-label": `${name} learning rate` });
    const params = el("span", { class: "cnnw-optim-params" });
    const inputs = { lr };
    for (const p of PARAMS[name]) {
      const input = el("input", { type: "number", step: "any", name: `${p}-${name}`, "aria-label": `${name} ${p}` });
      inputs[p] = input;
      params.append(el("label", {}, p.replace("_", "\u2009"), input));
    }
    const loss = el("output", { class: "cnnw-optim-loss", "data-optimizer": name });
    box.addEventListener("change", () => {
      const shown = OPTIMIZERS.filter((o) => rows[o].box.checked);
      model.set("shown", shown); model.save_changes();
    });
    for (const [key, input] of Object.entries(inputs)) {
      input.addEventListener("change", () => {
        const value = Number(input.value), settings = structuredClone(model.get("settings"));
        if (!Number.isFinite(value) || !valid(key, value)) { input.setAttribute("aria-invalid", "true"); return; }
        input.removeAttribute("aria-invalid");
        settings[name][key] = value;
        model.set("settings", settings); model.save_changes();
      });
    }
    rows[name] = { box, inputs, loss };
    table.append(el("tr", {}, el("td", {}, el("label", {}, box, swatch, name)), el("td", { class: "cnnw-optim-lr" }, lr),
      el("td", {}, params), el("td", {}, loss)));
  }

  const W = 360;
  const canvas = el("canvas", { class: "cnnw-optim-surface", tabindex: "0", role: "img",
    "aria-label": "Loss surface with the optimizers' paths; drag the start point, or move it with the arrow keys" });
  const lossCanvas = el("canvas", { class: "cnnw-optim-loss-plot", width: 300, height: 200, role: "img",
    "aria-label": "Loss against step, log scale" });
  const status = el("div", { class: "cnnw-note", "aria-live": "polite" });
  const flag = el("div", { class: "cnnw-flag cnnw-bad" });
  root.append(controls, table,
    el("div", { class: "cnnw-row" },
      panel("Paths (drag the ring: the start)", canvas), panel("Loss − lowest loss, log scale", lossCanvas)),
    flag, status);

  function valid(key, value) {
    if (key === "lr") return value > 0 && value <= 10;
    if (key === "epsilon") return value > 0 && value <= 1;
    return value >= 0 && value < 1;
  }

  let background = null, backgroundFor = null, paths = {}, shownSettings = null;

  function geometry() {
    const f = SURFACES[model.get("surface")];
    const H = Math.round((W * (f.y[1] - f.y[0])) / (f.x[1] - f.x[0]));
    return { f, H, toPx: (x, y) => [((x - f.x[0]) / (f.x[1] - f.x[0])) * W, ((f.y[1] - y) / (f.y[1] - f.y[0])) * H] };
  }

  /** Recompute every shown path (all five are cheap: 5 x 500 steps). */
  function compute() {
    const surface = model.get("surface"), settings = model.get("settings"), start = model.get("start");
    paths = {};
    for (const name of OPTIMIZERS) paths[name] = trajectory(surface, name, settings[name], start, model.get("steps"));
  }

  function drawSurface(frame) {
    const { f, H, toPx } = geometry();
    if (canvas.width !== W || canvas.height !== H) { canvas.width = W; canvas.height = H; }
    const ctx = canvas.getContext("2d");
    if (backgroundFor !== model.get("surface")) {
      background = surfaceImage(ctx, f, W, H); backgroundFor = model.get("surface");
    }
    ctx.putImageData(background, 0, 0);
    const [mx, my] = toPx(...minimumOf(f));
    ctx.fillStyle = "#fff"; ctx.font = "bold 16px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
    ctx.fillText("\u2605", mx, my);
    for (const name of model.get("shown")) {
      const pts = paths[name].points, n = Math.min(frame, pts.length - 1);
      ctx.lineWidth = 2; ctx.strokeStyle = COLOURS[name]; ctx.beginPath();
      for (let k = 0; k <= n; k++) { const [px, py] = toPx(...pts[k]); k ? ctx.lineTo(px, py) : ctx.moveTo(px, py); }
      ctx.stroke();
      const [px, py] = toPx(...pts[n]);
      ctx.fillStyle = COLOURS[name]; ctx.beginPath(); ctx.arc(px, py, 4, 0, 2 * Math.PI); ctx.fill();
    }
    const [sx, sy] = toPx(...model.get("start"));
    ctx.lineWidth = 3; ctx.strokeStyle = "#000"; ctx.beginPath(); ctx.arc(sx, sy, 7, 0, 2 * Math.PI); ctx.stroke();
    ctx.lineWidth = 1.5; ctx.strokeStyle = "#fff"; ctx.stroke();
  }

  function minimumOf(f) {
    return f === SURFACES.ravine ? [0, 0] : f === SURFACES.valley ? [1, 1] : [0, 1];
  }

  function drawLoss(frame) {
    const ctx = lossCanvas.getContext("2d"), Wl = lossCanvas.width, Hl = lossCanvas.height;
    const fg = themeColour(root, "--cnnw-muted");
    const f = SURFACES[model.get("surface")], steps = model.get("steps"), pad = 34;
    ctx.clearRect(0, 0, Wl, Hl);
    const shown = model.get("shown");
    let lo = Infinity, hi = -Infinity;
    for (const name of shown) for (const v of paths[name].losses) {
      const g = Math.log10(Math.max(v - f.min, 1e-12)); lo = Math.min(lo, g); hi = Math.max(hi, g);
    }
    if (!Number.isFinite(lo)) return;
    lo = Math.floor(lo); hi = Math.max(Math.ceil(hi), lo + 1);
    const X = (t) => pad + (t / steps) * (Wl - pad - 6), Y = (g) => 6 + ((hi - g) / (hi - lo)) * (Hl - 30);
    ctx.strokeStyle = fg; ctx.fillStyle = fg; ctx.lineWidth = 1; ctx.font = "11px sans-serif";
    ctx.beginPath(); ctx.moveTo(pad, 6); ctx.lineTo(pad, Hl - 24); ctx.lineTo(Wl - 6, Hl - 24); ctx.stroke();
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    const every = Math.max(1, Math.ceil((hi - lo) / 5));
    for (let g = lo; g <= hi; g += every) ctx.fillText(`1e${g}`, pad - 3, Y(g));
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    ctx.fillText("0", X(0), Hl - 20); ctx.fillText(`step ${steps}`, X(steps) - 20, Hl - 20);
    for (const name of shown) {
      const losses = paths[name].losses;
      ctx.strokeStyle = COLOURS[name] === "#ffffff" ? fg : COLOURS[name]; ctx.lineWidth = 1.8; ctx.beginPath();
      losses.forEach((v, t) => { const y = Y(Math.log10(Math.max(v - f.min, 1e-12))); t ? ctx.lineTo(X(t), y) : ctx.moveTo(X(t), y); });
      ctx.stroke();
    }
    ctx.strokeStyle = fg; ctx.setLineDash([3, 3]); ctx.beginPath(); ctx.moveTo(X(frame), 6); ctx.lineTo(X(frame), Hl - 24);
    ctx.stroke(); ctx.setLineDash([]);
  }

  function draw() {
    const surface = model.get("surface"), settings = model.get("settings"), steps = model.get("steps");
    const frame = Math.min(model.get("frame"), steps);
    surfaceSelect.value = surface;
    stepsInput.value = steps; stepsShown.textContent = String(steps);
    frameInput.max = steps; frameInput.value = frame; frameShown.textContent = String(frame);
    // The inputs show the settings when these change (another surface, Python), and otherwise keep
    // what the reader is typing, even while the animation redraws.
    const settingsNow = JSON.stringify(settings), fresh = settingsNow !== shownSettings;
    shownSettings = settingsNow;
    for (const name of OPTIMIZERS) {
      const row = rows[name];
      row.box.checked = model.get("shown").includes(name);
      for (const [key, input] of Object.entries(row.inputs)) {
        if (fresh) { input.value = String(settings[name][key]); input.removeAttribute("aria-invalid"); }
      }
      const path = paths[name], n = Math.min(frame, path.points.length - 1);
      row.loss.textContent = path.points.length - 1 < frame ? `diverged at step ${path.points.length}` : fmt(path.losses[n], 4, true);
    }
    drawSurface(frame);
    drawLoss(frame);
    const diverged = OPTIMIZERS.filter((o) => model.get("shown").includes(o) && paths[o].points.length <= steps);
    flag.textContent = diverged.length ? `${diverged.join(", ")} diverged: the learning rate is too large for this surface.` : "";
    const [x, y] = model.get("start");
    status.textContent = `Start (${x.toFixed(2)}, ${y.toFixed(2)}), step ${frame} of ${steps}. ` +
      model.get("shown").map((o) => `${o}: ${rows[o].loss.textContent}`).join("; ");
  }

  function update() { compute(); draw(); }

  // Another surface: its own start point and learning rates (a good rate on one is far off on another).
  surfaceSelect.addEventListener("change", () => {
    player.stop();
    const chosen = surfaceSelect.value, defaults = model.get("defaults")[chosen];  // before a redraw resets it
    model.set("start", defaults.start.slice());
    model.set("settings", structuredClone(defaults.settings));
    model.set("surface", chosen); model.save_changes();
  });
  stepsInput.addEventListener("input", () => {
    model.set("steps", Number(stepsInput.value));
    model.set("frame", Number(stepsInput.value)); model.save_changes();
  });
  frameInput.addEventListener("input", () => { model.set("frame", Number(frameInput.value)); model.save_changes(); });

  // The start point: drag it with any pointer (mouse, pen, finger), or move it with the arrow keys.
  function pointFromEvent(e) {
    const { f } = geometry(), box = canvas.getBoundingClientRect();
    const x = f.x[0] + ((e.clientX - box.left) / box.width) * (f.x[1] - f.x[0]);
    const y = f.y[1] - ((e.clientY - box.top) / box.height) * (f.y[1] - f.y[0]);
    return [Math.min(f.x[1], Math.max(f.x[0], x)), Math.min(f.y[1], Math.max(f.y[0], y))];
  }
  let dragging = false;
  canvas.addEventListener("pointerdown", (e) => {
    dragging = true; player.stop();
    try { canvas.setPointerCapture(e.pointerId); } catch { /* a synthetic or already-ended pointer */ }
    model.set("start", pointFromEvent(e).map((v) => Math.round(v * 1000) / 1000));
  });
  canvas.addEventListener("pointermove", (e) => {
    if (dragging) model.set("start", pointFromEvent(e).map((v) => Math.round(v * 1000) / 1000));
  });
  const release = () => { if (dragging) { dragging = false; model.save_changes(); } };
  canvas.addEventListener("pointerup", release);
  canvas.addEventListener("pointercancel", release);
  canvas.addEventListener("keydown", (e) => {
    const step = { ArrowUp: [0, 1], ArrowDown: [0, -1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }[e.key];
    if (!step) return;
    e.preventDefault();
    const { f } = geometry(), [x, y] = model.get("start"), big = e.shiftKey ? 10 : 1;
    const dx = ((f.x[1] - f.x[0]) / 100) * big, dy = ((f.y[1] - f.y[0]) / 100) * big;
    const nx = Math.min(f.x[1], Math.max(f.x[0], x + step[0] * dx)), ny = Math.min(f.y[1], Math.max(f.y[0], y + step[1] * dy));
    model.set("start", [Math.round(nx * 1000) / 1000, Math.round(ny * 1000) / 1000]); model.save_changes();
  });

  for (const name of ["surface", "start", "steps", "settings"]) model.on(`change:${name}`, update);
  model.on("change:shown", draw);
  model.on("change:frame", draw);
  update();
  // The loss plot's axes take the theme's colour: draw again once on the page, and on a theme switch.
  whenShown(root, draw);
  const forget = onThemeChange(draw);
  return () => { player.stop(); forget(); };
}

export default { render };
