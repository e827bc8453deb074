// ConvArithmeticExplorer: which input cells feed each output cell, drawn in
// the browser (in the style of Dumoulin & Visin's convolution arithmetic).

const SVG = "http://www.w3.org/2000/svg";
const NAMES = {
  input_size: "Input size n", kernel_size: "Kernel size k", padding: "Padding p",
  stride: "Stride s", dilation: "Dilation d",
};

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

/** Everything about one setting: the grid the kernel slides over (padded, or
 *  for a transposed convolution stretched with zeros), the output size, the
 *  formula with numbers, and what is wrong or odd about it. */
export function geometry({ input_size: n, kernel_size: k, padding: p, stride: s, dilation: d, transposed }) {
  const span = d * (k - 1) + 1;
  const g = { n, k, p, s, d, span, transposed, error: "", warnings: [] };
  if (!transposed) {
    g.formula = `o = ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(${n} + 2·${p} − ${d}·(${k} − 1) − 1) / ${s}⌋ + 1`;
    g.side = n + 2 * p;
    g.step = s;
    g.cell = (i) => (i >= p && i < p + n ? "input" : "pad");
    if (span > g.side) {
      g.error = `Impossible: the kernel spans d(k − 1) + 1 = ${span} cells but the padded input has only n + 2p = ${g.side}.`;
      g.output = null;
      return g;
    }
    const top = n + 2 * p - span;
    g.output = Math.floor(top / s) + 1;
    g.formula += ` = ⌊${top} / ${s}⌋ + 1 = ${g.output}`;
    if (p >= span) g.warnings.push(`Padding p = ${p} is not smaller than the kernel span ${span}: the corner outputs see only padding (PyTorch refuses p > k/2).`);
    if (s > span) g.warnings.push(`Stride s = ${s} is larger than the kernel span ${span}: some input cells are never used.`);
    else if (top % s !== 0) g.warnings.push(`${top} is not a multiple of s = ${s}: the last ${top % s} row(s) and column(s) of the padded input are never reached.`);
    return g;
  }
  g.formula = `o = (n − 1)s − 2p + d(k − 1) + 1 = (${n} − 1)·${s} − 2·${p} + ${d}·(${k} − 1) + 1`;
  const q = span - 1 - p; // zeros around the stretched input
  if (q < 0) {
    g.error = `Not drawn: padding p = ${p} is more than d(k − 1) = ${span - 1}; the equivalent convolution would need negative padding (frameworks crop the output instead).`;
    g.output = null;
    g.side = (n - 1) * s + 1;
    g.step = 1;
    g.cell = (i) => (i % s === 0 ? "input" : "zero");
    return g;
  }
  const o = (n - 1) * s - 2 * p + span;
  g.formula += ` = ${o}`;
  g.side = (n - 1) * s + 1 + 2 * q;
  g.step = 1;
  g.cell = (i) => {
    const j = i - q;
    if (j < 0 || j > (n - 1) * s) return "pad";
    return j % s === 0 ? "input" : "zero";
  };
  if (o < 1) {
    // e.g. n 2, k 3, p 2: the padding crops more than the stretched input has.
    g.error = `Impossible: the output would be ${o}×${o}; a transposed convolution needs ` +
      `(n − 1)s + d(k − 1) + 1 = ${o + 2 * p} > 2p = ${2 * p}. Here p is the framework's padding, ` +
      "which crops the output; the zeros drawn around the input are d(k − 1) − p (p = 0 draws the most).";
    g.output = null;
    return g;
  }
  g.output = o;
  g.note = `Drawn as a stride-1 convolution over the input with s − 1 = ${s - 1} zero(s) between cells and d(k − 1) − p = ${q} zero(s) around it.`;
  return g;
}

function render({ model, el: host }) {
  const root = el("div", { class: "cnnw cnnw-arith" });
  host.appendChild(root);
  const limits = model.get("limits");

  const controls = el("div", { class: "cnnw-controls" });
  const sliders = {};
  for (const name of Object.keys(NAMES)) {
    const [lo, hi] = limits[name] || [0, 10];
    const input = el("input", { type: "range", min: lo, max: hi, step: 1, value: model.get(name), name });
    const shown = el("output", { text: String(model.get(name)) });
    input.addEventListener("input", () => {
      shown.textContent = input.value;
      model.set(name, Number(input.value));
      commit();
    });
    sliders[name] = [input, shown];
    controls.append(el("label", {}, NAMES[name], input, shown));
  }
  const transposedBox = el("input", { type: "checkbox", name: "transposed" });
  transposedBox.addEventListener("change", () => { model.set("transposed", transposedBox.checked); commit(); });
  const player = playControls(() => choose(selected + 1), 700);
  controls.append(el("label", {}, transposedBox, "Transposed"), player.play, player.step);

  const formula = el("div", { class: "cnnw-formula" });
  const flag = el("div", { class: "cnnw-flag", role: "status" });
  const picture = svg("svg", { tabindex: "0", role: "img", class: "cnnw-arith-svg" });
  const status = el("div", { class: "cnnw-note", "aria-live": "polite" });
  const legend = el("div", { class: "cnnw-note" });
  root.append(controls, formula, flag, picture, status, legend);

  let g = null, selected = 0;

  function commit() {
    g = geometry(current());
    model.set("output_size", g.output);
    const count = g.output ? g.output * g.output : 0;
    if (selected >= count) { selected = 0; model.set("selected", 0); }
    model.save_changes();
    draw();
  }

  function current() {
    const names = Object.keys(NAMES);
    const values = Object.fromEntries(names.map((n) => [n, model.get(n)]));
    values.transposed = model.get("transposed");
    return values;
  }

  function draw() {
    g = geometry(current());
    for (const [name, [input, shown]] of Object.entries(sliders)) {
      input.value = model.get(name); shown.textContent = String(model.get(name));
    }
    transposedBox.checked = g.transposed;
    formula.replaceChildren(g.formula);
    formula.dataset.outputSize = g.output === null ? "" : String(g.output);
    flag.className = "cnnw-flag " + (g.error ? "cnnw-bad" : g.warnings.length ? "cnnw-warn" : "");
    flag.textContent = g.error || g.warnings.join(" ");
    legend.textContent = (g.note ? g.note + " " : "") +
      "Solid outline: input cells. Dashed: zero padding" + (g.transposed ? ". Dotted: inserted zeros" : "") +
      ". Blue: the cells under the kernel for the highlighted output cell (orange frame: the kernel's extent).";

    // Cells at most 28 units; the drawing is as wide as the widget's box
    // (width 100%, height from the viewBox) but never wider than its
    // natural size, so small grids are not blown up and large ones shrink.
    const cs = Math.max(12, Math.min(28, Math.floor(330 / Math.max(g.side, 1))));
    const o = g.output || 0;
    const ocs = Math.max(12, Math.min(28, Math.floor(330 / Math.max(o, 1))));
    const gap = 48, pad = 18;
    const width = pad + g.side * cs + (o ? gap + o * ocs : 0) + pad;
    const height = pad + Math.max(g.side * cs, o * ocs) + pad + 6;
    // Everything is drawn into a fragment and put in at once: pages that
    // watch the DOM (the book theme's icon script does) then see one
    // change instead of thousands (at the sliders' maxima, 13,000 rects took
    // 24 s when appended one by one in the built book).
    const parts = document.createDocumentFragment();
    picture.setAttribute("width", "100%");
    picture.removeAttribute("height");
    picture.style.maxWidth = `${width}px`;
    picture.setAttribute("viewBox", `0 0 ${width} ${height}`);
    picture.setAttribute("preserveAspectRatio", "xMinYMin meet");
    const label = (x, y, text) => { const t = svg("text", { x, y }); t.textContent = text; parts.append(t); };
    label(pad, 12, g.transposed ? "stretched + padded input" : "padded input");

    const r0 = o ? Math.floor(selected / o) : 0, c0 = o ? selected % o : 0;
    const taps = new Set();
    if (o) {
      for (let a = 0; a < g.k; a++) for (let b = 0; b < g.k; b++) {
        taps.add((r0 * g.step + a * g.d) * g.side + (c0 * g.step + b * g.d));
      }
    }
    for (let i = 0; i < g.side; i++) {
      for (let j = 0; j < g.side; j++) {
        const kindI = g.cell(i), kindJ = g.cell(j);
        const kind = kindI === "pad" || kindJ === "pad" ? "pad" : kindI === "zero" || kindJ === "zero" ? "zero" : "input";
        parts.append(svg("rect", {
          x: pad + j * cs, y: pad + i * cs, width: cs, height: cs,
          class: `cnnw-c-${kind}` + (taps.has(i * g.side + j) ? " cnnw-c-tap-under" : ""),
        }));
        if (taps.has(i * g.side + j)) {
          parts.append(svg("rect", { x: pad + j * cs + 2, y: pad + i * cs + 2, width: cs - 4, height: cs - 4, class: "cnnw-c-tap" }));
        }
      }
    }
    if (o) {
      const fx = pad + c0 * g.step * cs, fy = pad + r0 * g.step * cs;
      parts.append(svg("rect", { x: fx - 1, y: fy - 1, width: g.span * cs + 2, height: g.span * cs + 2, class: "cnnw-foot" }));
      const ox = pad + g.side * cs + gap;
      label(ox, 12, `output ${o}×${o}`);
      for (let i = 0; i < o; i++) {
        for (let j = 0; j < o; j++) {
          const index = i * o + j;
          const cell = svg("rect", {
            x: ox + j * ocs, y: pad + i * ocs, width: ocs, height: ocs,
            class: "cnnw-c-out" + (index === selected ? " cnnw-on" : ""), "data-index": index,
          });
          cell.addEventListener("click", () => { player.stop(); choose(index); });
          parts.append(cell);
        }
      }
      picture.setAttribute("aria-label",
        `Input grid of ${g.side} by ${g.side} cells and output grid of ${o} by ${o}. ` +
        "Arrow keys choose the output cell.");
      status.textContent = `Output cell (${r0}, ${c0}) is computed from ${g.k}×${g.k} input positions ` +
        `starting at row ${r0 * g.step}, column ${c0 * g.step} of the ${g.transposed ? "stretched" : "padded"} input.`;
    } else {
      picture.setAttribute("aria-label", "No output: the combination is impossible.");
      status.textContent = "";
    }
    picture.replaceChildren(parts);
  }

  function choose(index) {
    const o = g && g.output ? g.output : 0;
    if (!o) return;
    selected = ((index % (o * o)) + o * o) % (o * o);
    model.set("selected", selected);
    model.save_changes();
    draw();
  }

  picture.addEventListener("keydown", (e) => {
    const o = g && g.output ? g.output : 0;
    if (!o) return;
    const moved = arrowMove(e.key, Math.floor(selected / o), selected % o, o, o);
    if (!moved) return;
    e.preventDefault();
    player.stop();
    choose(moved[0] * o + moved[1]);
  });

  for (const name of [...Object.keys(NAMES), "transposed"]) model.on(`change:${name}`, draw);
  model.on("change:selected", () => { if (model.get("selected") !== selected) { selected = model.get("selected"); draw(); } });

  selected = model.get("selected") || 0;
  draw();
  return player.stop;
}

export default { render };
