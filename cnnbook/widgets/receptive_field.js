// ReceptiveFieldExplorer: a unit of a layer, its theoretical receptive field computed here from
// the layer table (Araujo et al., 2019), and its effective field (Luo et al., 2016): the gradient
// of the unit with respect to the input, computed in Python at execute time and stored.

/** Size, jump and start of every row of the layer table, per axis, computed front to back:
 *  r = r' + (k* - 1) j', j = j' s, c = c' + ((k* - 1)/2 - p) j', with k* = d (k - 1) + 1;
 *  where several rows meet (Add, Concatenate) the union of their fields.
 *  The same recurrence as cnnbook/receptive_field.py. */
export function fieldTable(table) {
  const byName = {}, out = [];
  for (const row of table) {
    let field;
    if (row.inputs.length === 0) field = [[1, 1, 0], [1, 1, 0]];
    else if (row.inputs.length > 1 || row.kind !== "InputLayer" && isPixelwise(row)) {
      field = [0, 1].map((axis) => {
        const parts = row.inputs.map((name) => byName[name][axis]);
        const low = Math.min(...parts.map(([r, , c]) => c - (r - 1) / 2));
        const high = Math.max(...parts.map(([r, , c]) => c + (r - 1) / 2));
        return [high - low + 1, parts[0][1], (low + high) / 2];
      });
    } else {
      field = [0, 1].map((axis) => {
        const [r, j, c] = byName[row.inputs[0]][axis];
        const wide = row.dilation[axis] * (row.kernel[axis] - 1) + 1;
        return [r + (wide - 1) * j, j * row.stride[axis], c + ((wide - 1) / 2 - row.padding[axis]) * j];
      });
    }
    byName[row.name] = field;
    out.push({ ...row, size: field.map((f) => f[0]), jump: field.map((f) => f[1]), start: field.map((f) => f[2]) });
  }
  return out;
}

function isPixelwise(row) {
  return row.kernel[0] === 1 && row.kernel[1] === 1 && row.stride[0] === 1 && row.stride[1] === 1 &&
    row.padding[0] === 0 && row.padding[1] === 0;
}

/** Input pixels unit `unit` of a row sees, [[top, bottom], [left, right]], inclusive, not clipped. */
export function bounds(row, unit) {
  return [0, 1].map((axis) => {
    const centre = row.start[axis] + unit[axis] * row.jump[axis], half = (row.size[axis] - 1) / 2;
    return [Math.floor(centre - half + 0.5), Math.floor(centre + half + 0.5)];
  });
}

/** Half-side (in pixels, from the unit's centre) of the smallest square holding `share` of the
 *  gradient's magnitude in a stored crop. */
export function coreHalfSide(crop, box, centre, share) {
  const [top, left, h, w] = box, items = [];
  let total = 0;
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) {
    const v = crop[r * w + c];
    total += v;
    items.push([Math.max(Math.abs(top + r - centre[0]), Math.abs(left + c - centre[1])), v]);
  }
  if (total === 0) return null;
  items.sort((a, b) => a[0] - b[0]);
  let sum = 0;
  for (const [d, v] of items) { sum += v; if (sum >= share * total) return d; }
  return items[items.length - 1][0];
}

const pair = (p, f = (v) => fmt(v, 1)) => (p[0] === p[1] ? f(p[0]) : `${f(p[0])}×${f(p[1])}`);

function render({ model, el: host }) {
  const root = el("div", { class: "cnnw cnnw-rf" });
  host.appendChild(root);
  const nets = model.get("nets"), [H, W] = model.get("image_shape"), labels = model.get("labels");
  const pixels = bytesOf(model.get("image_data")), grads = bytesOf(model.get("gradients"));

  const netSelect = el("select", { name: "net", "aria-label": "Net" });
  nets.forEach((n, i) => netSelect.append(el("option", { value: i, text: n.name })));
  const layerSelect = el("select", { name: "layer", "aria-label": "Layer" });
  for (const name of nets[0].layers) layerSelect.append(el("option", { value: name, text: name }));
  const imageButtons = labels.map((text, i) => {
    const b = el("button", { type: "button", "aria-pressed": "false", text, "data-image": i });
    b.addEventListener("click", () => { model.set("image", i); model.save_changes(); });
    return b;
  });
  const controls = el("div", { class: "cnnw-controls" },
    ...(nets.length > 1 ? [el("label", {}, "Net", netSelect)] : []),
    el("label", {}, "Layer", layerSelect),
    el("span", { class: "cnnw-rf-images", role: "group", "aria-label": "Image" }, ...imageButtons));
  netSelect.addEventListener("change", () => { model.set("net", Number(netSelect.value)); model.save_changes(); });
  layerSelect.addEventListener("change", () => { model.set("layer", layerSelect.value); model.save_changes(); });

  const unitsCanvas = el("canvas", { class: "cnnw-rf-units", tabindex: "0", role: "grid",
    "aria-label": "The layer's units: click one, or move with the arrow keys" });
  const imageCanvas = el("canvas", { class: "cnnw-rf-image", role: "img",
    "aria-label": "The image with the unit's theoretical receptive field; click to pick the unit looking there" });
  const heatCanvas = el("canvas", { class: "cnnw-rf-heat", role: "img",
    "aria-label": "The unit's effective receptive field: |d unit / d pixel| over the image" });
  const unitsCaption = caption(), heatCaption = caption();
  const tableEl = el("table", { class: "cnnw-rf-table", "aria-label": "Layer table: receptive field per layer" });
  const status = el("div", { class: "cnnw-note cnnw-rf-status", "aria-live": "polite" });
  root.append(controls,
    el("div", { class: "cnnw-row" },
      panel(unitsCaption, unitsCanvas), panel("Theoretical field (grey: padding)", imageCanvas),
      panel(heatCaption, heatCanvas)),
    status, tableEl);

  let fields = null, fieldsFor = -1;
  function current() {
    if (fieldsFor !== model.get("net")) { fields = fieldTable(nets[model.get("net")].table); fieldsFor = model.get("net"); }
    const row = fields.find((r) => r.name === model.get("layer"));
    return { net: nets[model.get("net")], row };
  }

  // The margin drawn around the image: how far the offered layers' fields reach into the padding.
  const margin = (() => {
    let m = 0;
    for (const n of nets) {
      const f = fieldTable(n.table);
      for (const name of n.layers) {
        const row = f.find((r) => r.name === name), last = [row.output[0] - 1, row.output[1] - 1];
        const [[t], [l]] = bounds(row, [0, 0]), [[, b], [, r]] = bounds(row, last);
        m = Math.max(m, -t, -l, b - (H - 1), r - (W - 1));
      }
    }
    return Math.min(m, Math.max(H, W) >> 1);
  })();
  const scale = Math.max(2, Math.floor(200 / (Math.max(H, W) + 2 * margin)));
  for (const c of [imageCanvas, heatCanvas]) { c.width = (W + 2 * margin) * scale; c.height = (H + 2 * margin) * scale; }
  const px = (v) => (v + margin) * scale;

  function drawBase(ctx, dim) {
    ctx.fillStyle = themeColour(root, "--cnnw-pad");
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    const image = ctx.createImageData(W, H), offset = model.get("image") * H * W;
    for (let p = 0; p < H * W; p++) {
      const v = dim ? pixels[offset + p] * 0.35 : pixels[offset + p];
      image.data[p * 4] = image.data[p * 4 + 1] = image.data[p * 4 + 2] = v; image.data[p * 4 + 3] = 255;
    }
    const tmp = document.createElement("canvas"); tmp.width = W; tmp.height = H;
    tmp.getContext("2d").putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tmp, px(0), px(0), W * scale, H * scale);
    return tmp;
  }

  function frame(ctx, b, colour, dashed) {
    ctx.save(); ctx.strokeStyle = colour; ctx.lineWidth = 2; if (dashed) ctx.setLineDash([4, 3]);
    ctx.strokeRect(px(b[1][0]) + 1, px(b[0][0]) + 1, (b[1][1] - b[1][0] + 1) * scale - 2, (b[0][1] - b[0][0] + 1) * scale - 2);
    ctx.restore();
  }

  /** The stored unit nearest to `unit`, its index among the stored ones, and its crop. */
  function stored(net, unit) {
    const entry = net.effective[model.get("layer")];
    const near = (list, v) => list.reduce((best, x, i) => (Math.abs(x - v) < Math.abs(list[best] - v) ? i : best), 0);
    const i = near(entry.rows, unit[0]), j = near(entry.cols, unit[1]), k = i * entry.cols.length + j;
    const box = entry.boxes[k], start = entry.offset + model.get("image") * entry.image_stride + entry.unit_offsets[k];
    return { unit: [entry.rows[i], entry.cols[j]], box, crop: grads.subarray(start, start + box[2] * box[3]) };
  }

  function draw() {
    const { net, row } = current();
    const unit = model.get("unit").map((v, a) => Math.min(Math.max(v, 0), row.output[a] - 1));
    netSelect.value = String(model.get("net")); layerSelect.value = model.get("layer");
    imageButtons.forEach((b, i) => b.setAttribute("aria-pressed", String(i === model.get("image"))));
    const accent = themeColour(root, "--cnnw-accent"), hot = themeColour(root, "--cnnw-hot");

    // The layer's units.
    const [h, w] = row.output, cell = Math.max(4, Math.min(16, Math.floor(168 / Math.max(h, w))));
    unitsCanvas.width = w * cell; unitsCanvas.height = h * cell;
    const uc = unitsCanvas.getContext("2d"), entry = net.effective[model.get("layer")];
    uc.fillStyle = themeColour(root, "--cnnw-cell"); uc.fillRect(0, 0, w * cell, h * cell);
    uc.fillStyle = themeColour(root, "--cnnw-muted");
    for (const r of entry.rows) for (const c of entry.cols) {
      uc.fillRect(c * cell + cell / 2 - 1, r * cell + cell / 2 - 1, 2, 2);
    }
    if (cell >= 8) {
      uc.strokeStyle = themeColour(root, "--cnnw-border"); uc.lineWidth = 1;
      for (let r = 0; r <= h; r++) { uc.beginPath(); uc.moveTo(0, r * cell + 0.5); uc.lineTo(w * cell, r * cell + 0.5); uc.stroke(); }
      for (let c = 0; c <= w; c++) { uc.beginPath(); uc.moveTo(c * cell + 0.5, 0); uc.lineTo(c * cell + 0.5, h * cell); uc.stroke(); }
    }
    uc.fillStyle = accent; uc.fillRect(unit[1] * cell, unit[0] * cell, cell, cell);
    unitsCanvas.setAttribute("aria-label", `${row.name}: ${h}×${w} units; unit row ${unit[0]}, column ${unit[1]} selected. Arrow keys move it.`);
    unitsCaption.textContent = `${row.name}: ${h}×${w} units (dots: gradient stored)`;

    // The theoretical field on the image.
    const b = bounds(row, unit);
    const clipped = [[Math.max(b[0][0], 0), Math.min(b[0][1], H - 1)], [Math.max(b[1][0], 0), Math.min(b[1][1], W - 1)]];
    const ic = imageCanvas.getContext("2d");
    drawBase(ic, false);
    ic.fillStyle = themeColour(root, "--cnnw-accent-soft");
    ic.fillRect(px(b[1][0]), px(b[0][0]), (b[1][1] - b[1][0] + 1) * scale, (b[0][1] - b[0][0] + 1) * scale);
    frame(ic, b, accent, true);
    frame(ic, clipped, accent, false);
    const centre = [row.start[0] + unit[0] * row.jump[0], row.start[1] + unit[1] * row.jump[1]];
    ic.fillStyle = hot; ic.beginPath();
    ic.arc(px(centre[1] + 0.5), px(centre[0] + 0.5), Math.max(2, scale / 2), 0, 2 * Math.PI); ic.fill();

    // The effective field: the stored gradient of the nearest stored unit, over the dimmed image.
    const s = stored(net, unit), hc = heatCanvas.getContext("2d");
    drawBase(hc, true);
    const [top, left, bh, bw] = s.box, heat = hc.createImageData(bw, bh);
    for (let p = 0; p < bh * bw; p++) {
      const v = s.crop[p];
      heat.data[p * 4] = VIRIDIS_LUT[v * 3]; heat.data[p * 4 + 1] = VIRIDIS_LUT[v * 3 + 1];
      heat.data[p * 4 + 2] = VIRIDIS_LUT[v * 3 + 2]; heat.data[p * 4 + 3] = Math.round(60 + (195 * v) / 255);
    }
    const tmp = document.createElement("canvas"); tmp.width = bw; tmp.height = bh;
    tmp.getContext("2d").putImageData(heat, 0, 0);
    hc.imageSmoothingEnabled = false;
    hc.drawImage(tmp, px(left), px(top), bw * scale, bh * scale);
    const sb = bounds(row, s.unit);
    frame(hc, sb, accent, true);
    const sc = [row.start[0] + s.unit[0] * row.jump[0], row.start[1] + s.unit[1] * row.jump[1]];
    const d = coreHalfSide(s.crop, s.box, sc, 0.9);
    if (d !== null) frame(hc, [[Math.ceil(sc[0] - d), Math.floor(sc[0] + d)], [Math.ceil(sc[1] - d), Math.floor(sc[1] + d)]], hot, false);
    heatCanvas.dataset.unit = s.unit.join(",");
    heatCanvas.dataset.box = s.box.join(",");
    const same = s.unit[0] === unit[0] && s.unit[1] === unit[1];
    heatCaption.textContent = `Effective field, |∂ unit / ∂ pixel|${same ? "" : ` (unit ${s.unit.join(", ")}, the nearest stored)`}`;

    const inPad = (b[0][1] - b[0][0] + 1) * (b[1][1] - b[1][0] + 1) - (clipped[0][1] - clipped[0][0] + 1) * (clipped[1][1] - clipped[1][0] + 1);
    const core = d === null ? "no gradient reaches the input" : `90% of the gradient lies within ${Math.round(2 * d + 1)}×${Math.round(2 * d + 1)} pixels around its centre`;
    status.dataset.bounds = JSON.stringify(b);
    status.textContent = `${net.name}, ${row.name}, unit (${unit[0]}, ${unit[1]}): theoretical field ${row.size[0]}×${row.size[1]} pixels ` +
      `(rows ${b[0][0]} to ${b[0][1]}, columns ${b[1][0]} to ${b[1][1]}${inPad ? `; ${inPad} of its pixels in the padding` : ""}), ` +
      `jump ${pair(row.jump)}, start ${pair(row.start)}. Effective field: ${core}.`;

    // The layer table, computed here; the chosen layer highlighted, the later ones dimmed.
    tableEl.replaceChildren(el("tr", {}, ...[["layer", "layer"], ["k", "kernel"], ["s", "stride"], ["pad", "padding before the first row/column"],
      ["size", "receptive field size"], ["jump", "jump: input pixels between neighbouring units"],
      ["start", "centre of the first unit's field"]].map(([t, title]) => el("th", { text: t, title }))));
    const index = fields.indexOf(row);
    fields.forEach((f, i) => {
      const kernel = pair(f.kernel) + (f.dilation[0] > 1 || f.dilation[1] > 1 ? ` d${pair(f.dilation)}` : "");
      tableEl.append(el("tr", { class: i === index ? "cnnw-on" : i > index ? "cnnw-dim" : "", "data-layer": f.name },
        ...[f.name, kernel, pair(f.stride), pair(f.padding), pair(f.size), pair(f.jump), pair(f.start, (v) => v.toFixed(1))]
          .map((t) => el("td", { text: t }))));
    });
  }

  function choose(unit, focus) {
    model.set("unit", unit); model.save_changes();
    if (focus) unitsCanvas.focus();
  }
  unitsCanvas.addEventListener("pointerdown", (e) => {
    const { row } = current(), box = unitsCanvas.getBoundingClientRect();
    const r = Math.floor(((e.clientY - box.top) / box.height) * row.output[0]);
    const c = Math.floor(((e.clientX - box.left) / box.width) * row.output[1]);
    choose([Math.min(Math.max(r, 0), row.output[0] - 1), Math.min(Math.max(c, 0), row.output[1] - 1)], true);
  });
  unitsCanvas.addEventListener("keydown", (e) => {
    const { row } = current(), [r, c] = model.get("unit");
    const moved = arrowMove(e.key, r, c, row.output[0], row.output[1]);
    if (!moved) return;
    e.preventDefault();
    choose(moved, true);
  });
  // A click on the image picks the unit whose field is centred nearest to that pixel.
  imageCanvas.addEventListener("pointerdown", (e) => {
    const { row } = current(), box = imageCanvas.getBoundingClientRect();
    const y = ((e.clientY - box.top) / box.height) * (H + 2 * margin) - margin - 0.5;
    const x = ((e.clientX - box.left) / box.width) * (W + 2 * margin) - margin - 0.5;
    const unit = [y, x].map((v, a) => Math.min(Math.max(Math.round((v - row.start[a]) / row.jump[a]), 0), row.output[a] - 1));
    choose(unit, false);
  });

  model.on("change:layer", () => {
    const { row } = current(), u = model.get("unit");
    const fitted = u.map((v, a) => Math.min(v, row.output[a] - 1));
    if (fitted[0] !== u[0] || fitted[1] !== u[1]) { model.set("unit", fitted); model.save_changes(); }
    draw();
  });
  for (const name of ["net", "image", "unit"]) model.on(`change:${name}`, draw);
  draw();
  whenShown(root, draw);  // the canvases take the theme's colours, known once the widget is on the page
  return onThemeChange(draw);  // and a theme switch changes them
}

export default { render };
