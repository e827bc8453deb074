// PoolingExplorer: max/average pooling and its backward pass, computed in the
// browser so the widget works in the static HTML book.

/** Pooling without padding. Returns the output and, per output cell, the
 *  window's cells and (max) the first maximum in row-major order, which is
 *  where cnnbook.conv.maxpool_backward sends the gradient. */
export function pool(values, size, stride, mode) {
  const H = values.length, W = values[0].length;
  const oh = Math.floor((H - size) / stride) + 1, ow = Math.floor((W - size) / stride) + 1;
  const output = [], windows = [];
  for (let i = 0; i < oh; i++) {
    const row = [];
    for (let j = 0; j < ow; j++) {
      let best = -Infinity, arg = null, sum = 0;
      const cells = [];
      for (let a = 0; a < size; a++) for (let b = 0; b < size; b++) {
        const r = i * stride + a, c = j * stride + b, v = values[r][c];
        cells.push([r, c]);
        sum += v;
        if (v > best) { best = v; arg = [r, c]; }
      }
      row.push(mode === "max" ? best : sum / (size * size));
      windows.push({ cells, arg });
    }
    output.push(row);
  }
  return { output, windows, oh, ow };
}

/** Gradient with respect to the input for an upstream gradient of one at the
 *  chosen output cells (all of them when `only` is null). */
export function backward(values, size, mode, result, only) {
  const grad = values.map((row) => row.map(() => 0));
  result.windows.forEach((w, index) => {
    if (only !== null && index !== only) return;
    if (mode === "max") grad[w.arg[0]][w.arg[1]] += 1;
    else for (const [r, c] of w.cells) grad[r][c] += 1 / (size * size);
  });
  return grad;
}

function render({ model, el: host }) {
  const root = el("div", { class: "cnnw cnnw-pool" });
  host.appendChild(root);

  const modeButtons = {};
  const modeGroup = el("span", { role: "group", "aria-label": "Pooling mode" });
  for (const [mode, text] of [["max", "Max"], ["avg", "Average"]]) {
    const button = el("button", { type: "button", "aria-pressed": "false", text, "data-mode": mode });
    button.addEventListener("click", () => { model.set("mode", mode); commit(); });
    modeButtons[mode] = button;
    modeGroup.append(button, " ");
  }
  const sliders = {};
  const controls = el("div", { class: "cnnw-controls" }, modeGroup);
  for (const [name, text] of [["size", "Window"], ["stride", "Stride"]]) {
    const input = el("input", { type: "range", min: 1, max: 2, step: 1, name });
    const shown = el("output");
    input.addEventListener("input", () => { model.set(name, Number(input.value)); commit(); });
    sliders[name] = [input, shown];
    controls.append(el("label", {}, text, input, shown));
  }
  const allBox = el("input", { type: "checkbox", name: "all" });
  allBox.addEventListener("change", draw);
  controls.append(el("label", {}, allBox, "Gradient from all outputs"));

  const inputTable = el("table", { class: "cnnw-grid cnnw-pool-input", "aria-label": "Input" });
  const outputTable = el("table", { class: "cnnw-grid cnnw-pool-output", "aria-label": "Output; arrow keys move between cells" });
  const gradTable = el("table", { class: "cnnw-grid cnnw-pool-grad", "aria-label": "Gradient with respect to the input" });
  const gradCaption = caption(), outCaption = caption();
  const status = el("div", { class: "cnnw-note", "aria-live": "polite" });
  const note = el("div", { class: "cnnw-note" });
  root.append(controls,
    el("div", { class: "cnnw-row" },
      panel("Input", inputTable), el("span", { class: "cnnw-op", text: "→" }),
      panel(outCaption, outputTable), panel(gradCaption, gradTable)),
    status, note);

  let selected = (model.get("selected") || [0, 0]).slice();

  function commit() {
    const values = model.get("values");
    const res = pool(values, model.get("size"), model.get("stride"), model.get("mode"));
    selected = [Math.min(selected[0], res.oh - 1), Math.min(selected[1], res.ow - 1)];
    model.set("selected", selected.slice());
    model.set("output", res.output);
    model.save_changes();
    draw();
  }

  function choose(r, c, focus) {
    selected = [r, c];
    model.set("selected", [r, c]);
    model.save_changes();
    draw();
    if (focus) outputTable.querySelector(`button[data-row="${r}"][data-col="${c}"]`)?.focus();
  }

  function draw() {
    const values = model.get("values"), size = model.get("size"), stride = model.get("stride");
    const mode = model.get("mode");
    const H = values.length, W = values[0].length, side = Math.min(H, W);
    for (const [name, [input, shown]] of Object.entries(sliders)) {
      input.max = side; input.value = model.get(name); shown.textContent = String(model.get(name));
    }
    for (const [m, button] of Object.entries(modeButtons)) button.setAttribute("aria-pressed", String(m === mode));
    const res = pool(values, size, stride, mode);
    const [sr, sc] = selected;
    const index = sr * res.ow + sc, win = res.windows[index];
    const inWindow = new Set(win.cells.map(([r, c]) => r * W + c));

    inputTable.replaceChildren();
    for (let r = 0; r < H; r++) {
      const tr = el("tr");
      for (let c = 0; c < W; c++) {
        const isMax = mode === "max" && win.arg[0] === r && win.arg[1] === c;
        tr.append(el("td", { class: isMax ? "cnnw-max" : inWindow.has(r * W + c) ? "cnnw-in" : "", text: fmt(values[r][c]) }));
      }
      inputTable.append(tr);
    }

    outCaption.textContent = `Output ${res.oh}×${res.ow} (${mode === "max" ? "max" : "average"})`;
    outputTable.replaceChildren();
    for (let r = 0; r < res.oh; r++) {
      const tr = el("tr");
      for (let c = 0; c < res.ow; c++) {
        const on = r === sr && c === sc;
        const button = el("button", {
          type: "button", "aria-pressed": String(on), tabindex: on ? "0" : "-1",
          "data-row": r, "data-col": c, "data-value": String(res.output[r][c]),
          "aria-label": `output row ${r} column ${c}: ${fmt(res.output[r][c])}`, text: fmt(res.output[r][c]),
        });
        // focus: the clicked button is drawn anew, and the arrow keys must go on working.
        button.addEventListener("click", () => choose(r, c, true));
        tr.append(el("td", {}, button));
      }
      outputTable.append(tr);
    }

    const all = allBox.checked;
    const grad = backward(values, size, mode, res, all ? null : index);
    gradCaption.textContent = all ? "Gradient (ones from every output)" : `Gradient from output (${sr}, ${sc})`;
    gradTable.replaceChildren();
    for (let r = 0; r < H; r++) {
      const tr = el("tr");
      for (let c = 0; c < W; c++) {
        const v = grad[r][c];
        tr.append(el("td", { class: v ? "cnnw-in" : "cnnw-dim", "data-value": String(v), text: v ? fmt(v) : "0" }));
      }
      gradTable.append(tr);
    }

    const windowText = win.cells.map(([r, c]) => fmt(values[r][c])).join(", ");
    status.textContent = mode === "max"
      ? `Output (${sr}, ${sc}) = max(${windowText}) = ${fmt(res.output[sr][sc])}; its gradient goes to input (${win.arg[0]}, ${win.arg[1]}) only.`
      : `Output (${sr}, ${sc}) = mean(${windowText}) = ${fmt(res.output[sr][sc])}; its gradient is shared, 1/${size * size} to each cell of the window.`;
    const leftover = (H - size) % stride;
    note.textContent = leftover ? `With window ${size} and stride ${stride}, the last ${leftover} row(s)/column(s) are never pooled (no padding).` : "";
  }

  outputTable.addEventListener("keydown", (e) => {
    const res = pool(model.get("values"), model.get("size"), model.get("stride"), model.get("mode"));
    const moved = arrowMove(e.key, selected[0], selected[1], res.oh, res.ow);
    if (!moved) return;
    e.preventDefault();
    choose(...moved, true);
  });

  for (const name of ["values", "size", "stride", "mode"]) model.on(`change:${name}`, () => {
    const res = pool(model.get("values"), model.get("size"), model.get("stride"), model.get("mode"));
    selected = [Math.min(selected[0], res.oh - 1), Math.min(selected[1], res.ow - 1)];
    draw();
  });
  model.on("change:selected", () => {
    const s = model.get("selected");
    if (s[0] !== selected[0] || s[1] !== selected[1]) { selected = s.slice(); draw(); }
  });

  draw();
}

export default { render };
