// ChannelConvExplorer: a convolution over several input channels, one output
// cell at a time, computed in the browser so it works in the static HTML book.

/** out[i][j][o] = b[o] + sum over c of partial[i][j][o][c], where
 *  partial = sum over the window of x (zero-padded) times w[:, :, c, o].
 *  x is (H, W, C_in), w is (kh, kw, C_in, C_out) as in Keras. */
export function convolve(x, w, b, padding, stride) {
  const H = x.length, W = x[0].length, C = x[0][0].length;
  const kh = w.length, kw = w[0].length, O = w[0][0][0].length;
  const oh = Math.floor((H + 2 * padding - kh) / stride) + 1;
  const ow = Math.floor((W + 2 * padding - kw) / stride) + 1;
  const at = (r, c, ch) => (r < 0 || r >= H || c < 0 || c >= W ? 0 : x[r][c][ch]);
  const output = [], partial = [];
  for (let i = 0; i < oh; i++) {
    const outRow = [], partRow = [];
    for (let j = 0; j < ow; j++) {
      const values = [], parts = [];
      for (let o = 0; o < O; o++) {
        const sums = [];
        for (let ch = 0; ch < C; ch++) {
          let s = 0;
          for (let a = 0; a < kh; a++) for (let e = 0; e < kw; e++) {
            s += at(i * stride + a - padding, j * stride + e - padding, ch) * w[a][e][ch][o];
          }
          sums.push(s);
        }
        parts.push(sums);
        values.push(sums.reduce((t, s) => t + s, b[o]));
      }
      outRow.push(values); partRow.push(parts);
    }
    output.push(outRow); partial.push(partRow);
  }
  return { output, partial, oh, ow };
}

function render({ model, el: host }) {
  const root = el("div", { class: "cnnw cnnw-chconv" });
  host.appendChild(root);

  const player = playControls(step, 900);
  const controls = el("div", { class: "cnnw-controls" }, player.play, player.step);
  const sliders = {};
  for (const [name, text] of [["padding", "Padding"], ["stride", "Stride"]]) {
    const [lo, hi] = model.get("limits")[name];
    const input = el("input", { type: "range", min: lo, max: hi, step: 1, name });
    const shown = el("output");
    input.addEventListener("input", () => { model.set(name, Number(input.value)); commit(); });
    sliders[name] = [input, shown];
    controls.append(el("label", {}, text, input, shown));
  }
  const inputs = el("div", { class: "cnnw-row" });
  const sums = el("table", { class: "cnnw-grid cnnw-chconv-sum", "aria-label": "Arithmetic of the selected output" });
  const outputs = el("div", { class: "cnnw-row" });
  const status = el("div", { class: "cnnw-note", "aria-live": "polite" });
  root.append(controls, inputs,
    el("div", { class: "cnnw-panel cnnw-chconv-arith" }, caption("Arithmetic"), sums),
    outputs, status,
    el("div", { class: "cnnw-note", text: "Blue: the window of the selected output cell in every input channel " +
      "(grey: zero padding). Click an output cell, or use the arrow keys on an output map." }));

  let selected = (model.get("selected") || [0, 0, 0]).slice();
  const compute = () => convolve(model.get("x"), model.get("w"), model.get("b"), model.get("padding"), model.get("stride"));

  function commit() {
    const res = compute();
    selected = [Math.min(selected[0], res.oh - 1), Math.min(selected[1], res.ow - 1), selected[2]];
    model.set("selected", selected.slice());
    model.set("output", res.output);
    model.save_changes();
    draw();
  }

  function choose(r, c, o, focus) {
    selected = [r, c, o];
    model.set("selected", selected.slice());
    model.save_changes();
    draw();
    if (focus) outputs.querySelector(`button[data-row="${r}"][data-col="${c}"][data-filter="${o}"]`)?.focus();
  }

  function step() {
    const res = compute();
    let [r, c, o] = selected;
    const O = model.get("b").length;
    c += 1;
    if (c >= res.ow) { c = 0; r += 1; }
    if (r >= res.oh) { r = 0; o = (o + 1) % O; }
    choose(r, c, o, false);
  }

  function grid(label, rows, cols, cell) {
    const table = el("table", { class: "cnnw-grid", "aria-label": label });
    for (let r = 0; r < rows; r++) {
      const tr = el("tr");
      for (let c = 0; c < cols; c++) tr.append(cell(r, c));
      table.append(tr);
    }
    return table;
  }

  function draw() {
    const x = model.get("x"), w = model.get("w"), b = model.get("b");
    const p = model.get("padding"), s = model.get("stride");
    const names = model.get("channel_names"), filters = model.get("filter_names");
    const H = x.length, W = x[0].length, C = x[0][0].length, kh = w.length, kw = w[0].length;
    for (const [name, [input, shown]] of Object.entries(sliders)) {
      input.value = model.get(name); shown.textContent = String(model.get(name));
    }
    const res = compute();
    const [sr, sc, so] = selected;
    const top = sr * s, left = sc * s; // window corner in padded coordinates

    inputs.replaceChildren();
    for (let ch = 0; ch < C; ch++) {
      const input = grid(`Input channel ${ch}, padded`, H + 2 * p, W + 2 * p, (r, c) => {
        const pad = r < p || r >= H + p || c < p || c >= W + p;
        const inside = r >= top && r < top + kh && c >= left && c < left + kw;
        const v = pad ? 0 : x[r - p][c - p][ch];
        return el("td", { class: (inside ? "cnnw-in " : "") + (pad ? "cnnw-padcell" : ""), text: fmt(v, 2) });
      });
      input.classList.add("cnnw-chconv-input");
      const slice = grid(`Filter ${so}, slice ${ch}`, kh, kw, (a, e) => el("td", { class: "cnnw-in", text: fmt(w[a][e][ch][so]) }));
      slice.classList.add("cnnw-chconv-slice");
      inputs.append(panel(`Input channel ${ch}: ${names[ch]}`, input,
        caption(`× filter ${so}, slice ${ch}: W[:, :, ${ch}, ${so}]`), slice));
    }

    // One sum per channel, then the bias, then their total: the output value.
    const parts = res.partial[sr][sc][so];
    const rows = parts.map((v, ch) => [`Σ ${names[ch]} window × slice ${ch}`, v]);
    rows.push([`bias b[${so}]`, b[so]], [`output [${sr}, ${sc}, ${so}] = sum`, res.output[sr][sc][so]]);
    sums.replaceChildren(...rows.map(([label, v], k) => el("tr", { class: k === rows.length - 1 ? "cnnw-chconv-total" : "" },
      el("th", { scope: "row", text: label }), el("td", { "data-value": String(v), text: v.toFixed(3) }))));

    outputs.replaceChildren();
    for (let o = 0; o < b.length; o++) {
      const table = grid(`Output map ${o}; arrow keys move between cells`, res.oh, res.ow, (r, c) => {
        const on = r === sr && c === sc && o === so, v = res.output[r][c][o];
        const button = el("button", {
          type: "button", "aria-pressed": String(on), tabindex: on || (o !== so && r === 0 && c === 0) ? "0" : "-1",
          "data-row": r, "data-col": c, "data-filter": o, "data-value": String(v),
          "aria-label": `output ${o} row ${r} column ${c}: ${fmt(v)}`, text: fmt(v),
        });
        button.addEventListener("click", () => { player.stop(); choose(r, c, o, true); });
        return el("td", {}, button);
      });
      table.classList.add("cnnw-chconv-output");
      table.addEventListener("keydown", (e) => {
        const [r, c] = o === selected[2] ? selected : [0, 0];
        const moved = arrowMove(e.key, r, c, res.oh, res.ow);
        if (!moved) return;
        e.preventDefault();
        player.stop();
        choose(...moved, o, true);
      });
      outputs.append(panel(`Output ${o}: ${filters[o]} (${res.oh}×${res.ow})`, table));
    }
    status.textContent = `Output ${so} at row ${sr}, column ${sc}: ` +
      `${[...parts, b[so]].map((v) => (v < 0 ? `(${fmt(v)})` : fmt(v))).join(" + ")} = ${fmt(res.output[sr][sc][so])}` +
      ` (window at rows ${top - p}…${top - p + kh - 1}, columns ${left - p}…${left - p + kw - 1} of the input` +
      (top < p || left < p || top - p + kh > H || left - p + kw > W ? `, partly in the zero padding).` : ").");
  }

  for (const name of ["x", "w", "b", "padding", "stride", "channel_names", "filter_names"]) {
    model.on(`change:${name}`, () => {
      const res = compute();
      selected = [Math.min(selected[0], res.oh - 1), Math.min(selected[1], res.ow - 1),
        Math.min(selected[2], model.get("b").length - 1)];
      draw();
    });
  }
  model.on("change:selected", () => {
    const s = model.get("selected");
    if (s.some((v, k) => v !== selected[k])) { selected = s.slice(); draw(); }
  });

  draw();
  return player.stop;
}

export default { render };
