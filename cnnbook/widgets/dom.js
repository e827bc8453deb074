// Shared by every cnnbook widget; each widget's module is this file followed by its own
// (anywidget loads one self-contained ES module per widget, so shared code cannot be imported).

/** Create an element: el("button", {class: "x", text: "Play", "aria-label": "..."}, child, ...). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

/** Where an arrow key moves the selection (row, col) in a rows × cols grid: [row, col],
 *  kept inside the grid, or null for any other key. */
function arrowMove(key, row, col, rows, cols) {
  const step = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[key];
  if (!step) return null;
  return [Math.min(rows - 1, Math.max(0, row + step[0])), Math.min(cols - 1, Math.max(0, col + step[1]))];
}

// Viridis at 9 points, interpolated to 256 entries of RGB: dark = low, yellow = high
// (the feature-map and digit widgets paint activations with it).
const VIRIDIS = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];
const VIRIDIS_LUT = new Uint8ClampedArray(256 * 3);
for (let v = 0; v < 256; v++) {
  const t = (v / 255) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(t), VIRIDIS.length - 2), f = t - i;
  for (let k = 0; k < 3; k++) VIRIDIS_LUT[v * 3 + k] = VIRIDIS[i][k] * (1 - f) + VIRIDIS[i + 1][k] * f;
}

/** Call `callback` whenever the page's colour theme may have changed: the book's theme
 *  switch (data-theme on <html>), JupyterLab's (data-jp-theme-light on <body>) or the
 *  system's prefers-color-scheme. For what CSS cannot repaint itself, such as ink already
 *  drawn on a canvas. Returns a function that stops listening (for render's cleanup). */
function onThemeChange(callback) {
  const run = () => callback();
  const observer = new MutationObserver(run);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  if (document.body) observer.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
  const media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  if (media) media.addEventListener("change", run);
  return () => { observer.disconnect(); if (media) media.removeEventListener("change", run); };
}

/** The colour a theme variable of widgets.css ("--cnnw-muted") resolves to inside `node`, as
 *  "rgb(...)" for a canvas (getPropertyValue would return the unresolved light-dark(...)). */
function themeColour(node, name) {
  const probe = el("span", { style: `color: var(${name}); display: none` });
  node.append(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour || "#808080";
}

/** Call `callback` once `node` is in the document (at once if it is already): a widget is
 *  rendered before the page shows it, and only then do its theme colours resolve. */
function whenShown(node, callback, tries = 600) {
  if (node.isConnected) callback();
  else if (tries > 0) requestAnimationFrame(() => whenShown(node, callback, tries - 1));
}

/** A number as the widgets print it: integers as they are; otherwise `digits` decimals below 1,
 *  one fewer below 100 and two fewer above (never fewer than one), trailing zeros dropped.
 *  A value too small to show prints as 0.000 (so it is not taken for an exact 0); with
 *  `powers`, it and anything from 10,000 up print in powers of ten instead ("1.2e-5"). */
function fmt(v, digits = 3, powers = false) {
  if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v), d = Math.max(1, digits - (a >= 1) - (a >= 100));
  if (powers && (a < 0.5 * 10 ** -d || a >= 1e4)) return v.toExponential(2).replace(/\.?0+e/, "e");
  if (a < 0.5 * 10 ** -d) return (0).toFixed(d);
  return v.toFixed(d).replace(/\.?0+$/, "");
}

/** Bytes traits arrive as DataView (Jupyter, the HTML book), ArrayBuffer or typed array:
 *  view them as bytes (no copy). */
function bytesOf(value) {
  if (!value) return new Uint8Array(0);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(value);
}

/** The float32 numbers in bytes (a bytes trait or a Uint8Array), copied to a fresh, aligned array. */
function floats32(value) {
  return new Float32Array(bytesOf(value).slice().buffer);
}

/** A caption, filled in now or later: caption("Input"), caption("", "cnnw-dc-small"). */
function caption(text = "", extra = "") {
  return el("span", { class: `cnnw-caption ${extra}`.trim(), text });
}

/** A panel: its caption (a string or a caption element) above what it shows. */
function panel(title, ...children) {
  return el("div", { class: "cnnw-panel" }, typeof title === "string" ? caption(title) : title, ...children);
}

/** Play/Pause and Step buttons for a widget that walks through its positions. Play calls
 *  `step` every `ms` milliseconds until paused or until `step` returns false; `rewind`, if
 *  given, runs first (to start again from the beginning). Step pauses and calls `step` once.
 *  Returns the two buttons, `stop` (for clicks, keys and render's cleanup) and `playing`. */
function playControls(step, ms, rewind = null) {
  let timer = null;
  const play = el("button", { type: "button", class: "cnnw-play", "aria-pressed": "false", text: "▶ Play" });
  const once = el("button", { type: "button", class: "cnnw-step", text: "Step ›" });
  function set(on) {
    if (timer) { clearInterval(timer); timer = null; }
    if (on) timer = setInterval(() => { if (step() === false) set(false); }, ms);
    play.setAttribute("aria-pressed", String(on));
    play.textContent = on ? "❚❚ Pause" : "▶ Play";
  }
  play.addEventListener("click", () => { if (!timer && rewind) rewind(); set(!timer); });
  once.addEventListener("click", () => { set(false); step(); });
  return { play, step: once, stop: () => set(false), playing: () => timer !== null };
}
