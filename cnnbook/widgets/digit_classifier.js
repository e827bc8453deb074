// DigitClassifier: a drawing pad and a trained convnet whose whole forward
// pass runs here, in the reader's browser. The weights come from the widget
// state (float32 bytes), so the widget also works in the static HTML book.

// ---- pure functions (exported: the tests call them directly) ---------------

/** The net from the widget state: layer specs (Python's layer_specs) and the weight bytes. */
export function loadNet(specs, weightBytes, inputShape) {
  const bytes = bytesOf(weightBytes);
  const layers = specs.map((spec) => {
    const layer = { ...spec };
    if (spec.weights) {
      const [[kOff, kLen], [bOff, bLen]] = spec.weights;
      layer.kernelData = floats32(bytes.subarray(kOff, kOff + 4 * kLen));
      layer.biasData = floats32(bytes.subarray(bOff, bOff + 4 * bLen));
    }
    return layer;
  });
  return { layers, inputShape: inputShape.slice() };
}

/** Apply an activation in place, to blocks of `n` values (softmax works per block). */
function activate(out, n, name) {
  if (name === "relu") {
    for (let i = 0; i < out.length; i++) if (out[i] < 0) out[i] = 0;
  } else if (name === "sigmoid") {
    for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-out[i]));
  } else if (name === "tanh") {
    for (let i = 0; i < out.length; i++) out[i] = Math.tanh(out[i]);
  } else if (name === "softmax") {
    for (let s = 0; s < out.length; s += n) softmax(out.subarray(s, s + n), out.subarray(s, s + n));
  }
  return out;
}

/** Softmax of `x` into `out` (may be the same array), in double precision. */
export function softmax(x, out = new Float32Array(x.length)) {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  const e = new Float64Array(x.length);
  let sum = 0;
  for (let i = 0; i < x.length; i++) { e[i] = Math.exp(x[i] - m); sum += e[i]; }
  for (let i = 0; i < x.length; i++) out[i] = e[i] / sum;
  return out;
}

/** Conv2D, stride 1, NHWC input [H, W, C], kernel (kh, kw, C, F) as Keras stores it. */
function conv2d(x, [H, W, C], layer) {
  const [kh, kw] = layer.kernel, F = layer.filters, K = layer.kernelData, B = layer.biasData;
  const same = layer.padding === "same";
  const top = same ? (kh - 1) >> 1 : 0, left = same ? (kw - 1) >> 1 : 0;
  const OH = same ? H : H - kh + 1, OW = same ? W : W - kw + 1;
  const out = new Float32Array(OH * OW * F);
  const acc = new Float64Array(F);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      acc.set(B);
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy - top + ky;
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox - left + kx;
          if (ix < 0 || ix >= W) continue;
          const xb = (iy * W + ix) * C, wb = (ky * kw + kx) * C * F;
          for (let c = 0; c < C; c++) {
            const v = x[xb + c];
            if (v === 0) continue; // blank paper and ReLU zeros cost nothing
            const wr = wb + c * F;
            for (let f = 0; f < F; f++) acc[f] += v * K[wr + f];
          }
        }
      }
      out.set(acc, (oy * OW + ox) * F);
    }
  }
  return { data: activate(out, F, layer.activation), shape: [OH, OW, F] };
}

function pool2d(x, [H, W, C], layer) {
  const [ph, pw] = layer.pool, [sh, sw] = layer.strides, isMax = layer.kind === "MaxPooling2D";
  const OH = Math.floor((H - ph) / sh) + 1, OW = Math.floor((W - pw) / sw) + 1;
  const out = new Float32Array(OH * OW * C);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let c = 0; c < C; c++) {
        let m = isMax ? -Infinity : 0;
        for (let py = 0; py < ph; py++) {
          for (let px = 0; px < pw; px++) {
            const v = x[((oy * sh + py) * W + ox * sw + px) * C + c];
            if (isMax) { if (v > m) m = v; } else m += v;
          }
        }
        out[(oy * OW + ox) * C + c] = isMax ? m : m / (ph * pw);
      }
    }
  }
  return { data: out, shape: [OH, OW, C] };
}

function dense(x, layer) {
  const U = layer.units, K = layer.kernelData, n = x.length;
  const acc = new Float64Array(U);
  acc.set(layer.biasData);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v === 0) continue;
    const row = i * U;
    for (let j = 0; j < U; j++) acc[j] += v * K[row + j];
  }
  return { data: activate(Float32Array.from(acc), U, layer.activation), shape: [U] };
}

/** The forward pass: `image` is H*W floats in [0, 1] (row-major, one channel).
 *  Returns every layer's output {data, shape} in order; the last is the class scores. */
export function forward(net, image, valueMax = 1) {
  let shape = net.inputShape.slice();
  let x = valueMax === 1 ? image : Float32Array.from(image, (v) => v * valueMax);
  const outputs = [];
  for (const layer of net.layers) {
    let y;
    if (layer.kind === "Conv2D") y = conv2d(x, shape, layer);
    else if (layer.kind === "MaxPooling2D" || layer.kind === "AveragePooling2D") y = pool2d(x, shape, layer);
    else if (layer.kind === "Dense") y = dense(x, layer);
    else if (layer.kind === "Flatten") y = { data: x, shape: [x.length] };
    else if (layer.kind === "Rescaling") {
      y = { data: Float32Array.from(x, (v) => v * layer.scale + layer.offset), shape };
    } else if (layer.kind === "Activation") {
      y = { data: activate(Float32Array.from(x), shape[shape.length - 1], layer.activation), shape };
    } else throw new Error(`layer ${layer.name}: ${layer.kind} is not computed by this widget`);
    outputs.push(y);
    x = y.data;
    shape = y.shape;
  }
  return outputs;
}

/** Resampling weights along one axis: source span `n` into `m` cells, averaging by area. */
function areaWeights(n, m) {
  const step = n / m, rows = [];
  for (let d = 0; d < m; d++) {
    const a = d * step, b = (d + 1) * step, row = [];
    for (let j = Math.floor(a); j < Math.min(n, Math.ceil(b)); j++) {
      const overlap = Math.min(b, j + 1) - Math.max(a, j);
      if (overlap > 0) row.push([j, overlap / step]);
    }
    rows.push(row);
  }
  return rows;
}

/** Centre and scale a drawing as MNIST's digits were: the ink's bounding box is
 *  scaled (area averaging, aspect ratio kept) to fit a 20x20 box (for a 28x28
 *  field; in proportion for others), then placed so that its centre of mass is
 *  at the centre of the field. `gray` is height*width ink values in [0, 1].
 *  Returns outH*outW floats (all zero for a blank drawing). */
export function centerLikeMnist(gray, width, height, outH = 28, outW = 28, threshold = 0.05) {
  const out = new Float32Array(outH * outW);
  let x0 = width, x1 = -1, y0 = height, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (gray[y * width + x] > threshold) {
        if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const box = Math.round((20 * Math.min(outH, outW)) / 28);
  const scale = box / Math.max(bw, bh);
  const dw = Math.max(1, Math.min(box, Math.round(bw * scale)));
  const dh = Math.max(1, Math.min(box, Math.round(bh * scale)));
  const wx = areaWeights(bw, dw), wy = areaWeights(bh, dh);
  // Columns first (bh x dw), then rows (dh x dw).
  const tmp = new Float64Array(bh * dw);
  for (let y = 0; y < bh; y++) {
    const src = (y0 + y) * width + x0;
    for (let c = 0; c < dw; c++) {
      let s = 0;
      for (const [j, w] of wx[c]) s += w * gray[src + j];
      tmp[y * dw + c] = s;
    }
  }
  const patch = new Float64Array(dh * dw);
  let mass = 0, my = 0, mx = 0;
  for (let r = 0; r < dh; r++) {
    for (let c = 0; c < dw; c++) {
      let s = 0;
      for (const [j, w] of wy[r]) s += w * tmp[j * dw + c];
      s = Math.min(1, Math.max(0, s));
      patch[r * dw + c] = s;
      mass += s; my += r * s; mx += c * s;
    }
  }
  if (mass === 0) return out;
  const oy = Math.round((outH - 1) / 2 - my / mass), ox = Math.round((outW - 1) / 2 - mx / mass);
  for (let r = 0; r < dh; r++) {
    const y = r + oy;
    if (y < 0 || y >= outH) continue;
    for (let c = 0; c < dw; c++) {
      const x = c + ox;
      if (x >= 0 && x < outW) out[y * outW + x] = patch[r * dw + c];
    }
  }
  return out;
}

// ---- drawing helpers ------------------------------------------------------------

const BRUSHES = [["thin", 0.045], ["medium", 0.075], ["thick", 0.11]]; // fraction of the pad's side

/** One layer's maps as a grid on one canvas (1-pixel gaps left transparent). */
function mapGrid(shape, maxWidth = 640) {
  const [h, w, C] = shape.length === 3 ? shape : [1, 1, shape[0]];
  const fit = Math.max(1, Math.floor(maxWidth / ((w + 1) * 2)));
  const cols = Math.min(C, w <= 6 ? 16 : 8, fit), rows = Math.ceil(C / cols);
  const width = cols * (w + 1) - 1, height = rows * (h + 1) - 1;
  const scale = Math.max(1, Math.min(w === 1 ? 12 : 4, Math.floor(maxWidth / width)));
  return { h, w, C, cols, rows, width, height, scale };
}

function paintGrid(ctx, image, grid, data) {
  const { h, w, C, cols, width } = grid, px = image.data;
  let lo = 0, hi = 0;
  for (let i = 0; i < data.length; i++) { const v = data[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  const span = hi - lo > 1e-12 ? 255 / (hi - lo) : 0;
  for (let c = 0; c < C; c++) {
    const gx = (c % cols) * (w + 1), gy = Math.floor(c / cols) * (h + 1);
    for (let y = 0; y < h; y++) {
      let p = ((gy + y) * width + gx) * 4, i = y * w * C + c;
      for (let x = 0; x < w; x++, p += 4, i += C) {
        const v = Math.round((data[i] - lo) * span) * 3;
        px[p] = VIRIDIS_LUT[v]; px[p + 1] = VIRIDIS_LUT[v + 1]; px[p + 2] = VIRIDIS_LUT[v + 2]; px[p + 3] = 255;
      }
    }
  }
  ctx.putImageData(image, 0, 0);
  return [lo, hi];
}

function describe(spec) {
  const shape = spec.output_shape.join("×");
  if (spec.kind === "Conv2D") return `${spec.name} · Conv2D ${spec.kernel.join("×")}, ${spec.activation} · ${shape}`;
  if (spec.kind === "Dense") return `${spec.name} · Dense, ${spec.activation} · ${shape}`;
  if (spec.pool) return `${spec.name} · ${spec.kind} ${spec.pool.join("×")} · ${shape}`;
  return `${spec.name} · ${spec.kind}${spec.activation ? ", " + spec.activation : ""} · ${shape}`;
}

// ---- the widget -------------------------------------------------------------------

function render({ model, el: host }) {
  const root = el("div", { class: "cnnw cnnw-digit" });
  host.appendChild(root);

  const [H, W] = model.get("input_shape");
  const net = loadNet(model.get("layer_specs"), model.get("weights"), model.get("input_shape"));
  const valueMax = model.get("value_max");
  const names = model.get("class_names");
  const specs = net.layers;
  const last = specs.length - 1;
  const applySoftmax = specs[last].activation !== "softmax";
  const examples = bytesOf(model.get("examples"));
  const labels = model.get("example_labels");

  // ---- pad, buttons, input, bars --------------------------------------------------
  const PAD = 10; // pad pixels per input pixel
  const pad = el("canvas", { class: "cnnw-dc-pad", width: W * PAD, height: H * PAD, role: "img", tabindex: "0",
    "aria-label": "Drawing pad: draw a digit with the mouse, a finger or a pen. Ctrl+Z undoes a stroke." });
  const padCtx = pad.getContext("2d", { willReadFrequently: true });
  const hint = el("div", { class: "cnnw-dc-hint", text: "Draw a digit here" });
  const padBox = el("div", { class: "cnnw-dc-padbox" }, pad, hint);
  // Plain text labels: a glyph missing from the system fonts makes the page fetch the widget manager's icon fonts.
  const undoButton = el("button", { type: "button", text: "Undo" });
  const clearButton = el("button", { type: "button", text: "Clear" });
  const brushButtons = BRUSHES.map(([name]) => el("button", { type: "button", class: "cnnw-dc-brush",
    "aria-pressed": String(name === "medium"), text: name, title: `${name} pen` }));
  let brush = BRUSHES[1][1];
  const tools = el("div", { class: "cnnw-controls cnnw-dc-tools" },
    el("span", { class: "cnnw-dc-group" }, undoButton, clearButton),
    el("span", { class: "cnnw-dc-group", role: "group", "aria-label": "Pen width" },
      caption("Pen"), ...brushButtons));

  const inputCanvas = el("canvas", { class: "cnnw-dc-input", width: W, height: H, role: "img",
    "aria-label": `What the net sees: the drawing centred and scaled like an MNIST digit, ${W} by ${H} pixels` });
  const inputCtx = inputCanvas.getContext("2d");
  const inputImage = inputCtx.createImageData(W, H);
  const inputWrap = el("div", { class: "cnnw-dc-overlay" }, inputCanvas);
  const verdictLead = document.createTextNode(""), verdictTail = document.createTextNode("");
  const answer = el("strong", { class: "cnnw-dc-answer" });
  const verdict = el("div", { class: "cnnw-dc-verdict", "aria-live": "polite" }, verdictLead, answer, verdictTail);
  const bars = el("div", { class: "cnnw-dc-bars", role: "list", "aria-label": "Class probabilities" });
  const barRows = names.map((name) => {
    const fill = el("div", { class: "cnnw-dc-fill" });
    const value = el("span", { class: "cnnw-dc-pct" });
    const row = el("div", { class: "cnnw-dc-bar", role: "listitem" },
      el("span", { class: "cnnw-dc-name", text: name }), el("div", { class: "cnnw-dc-track" }, fill), value);
    bars.append(row);
    return { row, fill, value };
  });
  const top = el("div", { class: "cnnw-row" },
    panel("Your drawing", padBox, tools),
    panel("What the net sees", inputWrap, caption("centred and scaled like MNIST", "cnnw-dc-small")),
    el("div", { class: "cnnw-panel cnnw-dc-result" }, verdict, bars));

  // ---- gallery -------------------------------------------------------------------
  const nExamples = examples.length / (H * W);
  const gallery = el("div", { class: "cnnw-dc-gallery" });
  const galleryButtons = [];
  for (let i = 0; i < nExamples; i++) {
    const thumb = el("canvas", { width: W, height: H });
    const ctx = thumb.getContext("2d"), img = ctx.createImageData(W, H);
    for (let p = 0; p < H * W; p++) {
      const v = examples[i * H * W + p];
      img.data[4 * p] = img.data[4 * p + 1] = img.data[4 * p + 2] = v; img.data[4 * p + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    const button = el("button", { type: "button", class: "cnnw-dc-thumb", "aria-pressed": "false",
      "aria-label": `Load example ${i + 1} (${labels[i]})` }, thumb, el("span", { text: labels[i] }));
    button.addEventListener("click", () => loadExample(i));
    galleryButtons.push(button);
    gallery.append(button);
  }

  // ---- layers -----------------------------------------------------------------------
  const layersBox = el("div", { class: "cnnw-dc-layers" });
  const views = []; // {index, canvas, ctx, image, grid, range}
  let firstConv = null;
  specs.forEach((spec, index) => {
    if (index === last || spec.kind === "Flatten" || spec.kind === "Rescaling"
        || (spec.kind === "Activation" && spec.activation === "linear")) return;
    const grid = mapGrid(spec.output_shape);
    const canvas = el("canvas", { width: grid.width, height: grid.height, class: "cnnw-dc-maps" });
    canvas.style.width = `${grid.width * grid.scale}px`;
    const ctx = canvas.getContext("2d");
    const range = el("span", { class: "cnnw-dc-range" });
    const wrap = el("div", { class: "cnnw-dc-overlay" }, canvas);
    const block = el("figure", { class: "cnnw-dc-layer" },
      el("figcaption", {}, el("span", { text: describe(spec) }), range), wrap);
    layersBox.append(block);
    const view = { index, canvas, ctx, image: ctx.createImageData(grid.width, grid.height), grid, range, wrap, block };
    views.push(view);
    if (spec.kind === "Conv2D" && firstConv === null) firstConv = view;
  });

  // ---- the sum under one feature-map pixel of the first conv layer ---------------------
  let detail = null;
  if (firstConv) {
    const spec = specs[firstConv.index];
    const [kh, kw] = spec.kernel;
    const cin = spec.input_shape[2];
    const table = (label) => {
      const t = el("table", { class: "cnnw-grid cnnw-dc-grid", "aria-label": label }), cells = [];
      for (let a = 0; a < kh; a++) {
        const tr = el("tr");
        for (let b = 0; b < kw; b++) { const td = el("td"); tr.append(td); cells.push(td); }
        t.append(tr);
      }
      return { t, cells };
    };
    const win = table("Input window"), ker = table("Kernel"), prod = table("Products");
    const sum = el("div", { class: "cnnw-sum" });
    const title = el("div", { class: "cnnw-caption" });
    const box = el("div", { class: "cnnw-dc-detail" }, title,
      el("div", { class: "cnnw-row" },
        panel("Input window", win.t), el("span", { class: "cnnw-op", text: "×" }),
        panel("Kernel", ker.t), el("span", { class: "cnnw-op", text: "=" }), panel("Products", prod.t)),
      sum);
    firstConv.block.append(box);
    const [oh, ow] = spec.output_shape;
    const mark = el("div", { class: "cnnw-dc-mark" }), windowMark = el("div", { class: "cnnw-dc-mark" });
    firstConv.wrap.append(mark);
    const inputIndex = firstConv.index - 1; // the conv's input: the image or a Rescaling of it
    detail = { spec, kh, kw, cin, win, ker, prod, sum, title, mark, windowMark, oh, ow, inputIndex,
      selected: { c: 0, y: oh >> 1, x: ow >> 1 } };
    if (inputIndex < 0 || specs[inputIndex].kind === "Rescaling") inputWrap.append(windowMark);
    const canvas = firstConv.canvas;
    canvas.tabIndex = 0;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `Feature maps of ${spec.name}. Hover a pixel, or use the arrow keys, `
      + "to see the window, the kernel and the sum that produced it.");
  }

  const note = el("div", { class: "cnnw-note" });
  note.textContent = `The ${model.get("model_name")} network, computed in your browser with the trained `
    + `weights stored in the page. Feature maps: each layer on its own colour scale, dark = lowest, yellow = `
    + `highest.${applySoftmax ? " A softmax turns the last layer's scores into probabilities." : ""}`;
  root.append(top, gallery, el("div", { class: "cnnw-caption cnnw-dc-heading", text: "Inside the net" }),
    layersBox, note);
  if (!nExamples) gallery.remove();

  // ---- state ----------------------------------------------------------------------
  let base = null;        // an image loaded as it is (example or from Python), H*W floats
  let strokes = [];       // [{width, points: [[x, y], ...]}] in pad pixels
  let exact = false;      // true while the net's input is `base` itself (no strokes on top)
  let input = new Float32Array(H * W);
  let acts = [];
  let pending = false;
  let current = null;     // the stroke being drawn
  let selectedExample = -1;

  function ink() { return getComputedStyle(pad).color || "#000"; }

  function paintBase() {
    padCtx.clearRect(0, 0, pad.width, pad.height);
    if (!base) return;
    const color = ink();
    padCtx.fillStyle = color;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const v = base[y * W + x];
        if (v <= 0) continue;
        padCtx.globalAlpha = Math.min(1, v);
        padCtx.fillRect(x * PAD, y * PAD, PAD, PAD);
      }
    }
    padCtx.globalAlpha = 1;
  }

  function strokeSegment(stroke, from, to) {
    padCtx.strokeStyle = padCtx.fillStyle = ink();
    padCtx.lineWidth = stroke.width;
    padCtx.lineCap = padCtx.lineJoin = "round";
    padCtx.beginPath();
    if (!from) {
      padCtx.arc(to[0], to[1], stroke.width / 2, 0, 2 * Math.PI);
      padCtx.fill();
    } else {
      padCtx.moveTo(from[0], from[1]);
      padCtx.lineTo(to[0], to[1]);
      padCtx.stroke();
    }
  }

  function repaintPad() {
    paintBase();
    for (const stroke of strokes) {
      stroke.points.forEach((p, i) => strokeSegment(stroke, i ? stroke.points[i - 1] : null, p));
    }
  }

  // The pad is read at half its resolution (5 pixels per input pixel; each a
  // 2x2 average): a quarter of the bytes to copy out of the canvas per frame.
  const reader = el("canvas", { width: W * PAD / 2, height: H * PAD / 2 });
  const readerCtx = reader.getContext("2d", { willReadFrequently: true });
  const gray = new Float32Array(reader.width * reader.height);
  const times = { read: 0, forward: 0, draw: 0 }; // of the last update, for the benchmark
  function readPad() {
    readerCtx.clearRect(0, 0, reader.width, reader.height);
    readerCtx.drawImage(pad, 0, 0, reader.width, reader.height);
    const px = readerCtx.getImageData(0, 0, reader.width, reader.height).data;
    for (let i = 0; i < gray.length; i++) gray[i] = px[4 * i + 3] / 255;
    return centerLikeMnist(gray, reader.width, reader.height, H, W);
  }

  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; update(); });
  }

  /** One frame: the net's input, the forward pass, and every picture of it. */
  function update() {
    const t0 = performance.now();
    input = exact ? base : readPad();
    const t1 = performance.now();
    acts = forward(net, input, valueMax);
    const t2 = performance.now();
    hint.hidden = Boolean(base) || strokes.length > 0;
    // What the net sees: white ink on black, as in MNIST.
    const px = inputImage.data;
    for (let i = 0; i < H * W; i++) {
      const g = Math.round(Math.min(1, Math.max(0, input[i])) * 255);
      px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = g; px[4 * i + 3] = 255;
    }
    inputCtx.putImageData(inputImage, 0, 0);
    for (const view of views) {
      const [lo, hi] = paintGrid(view.ctx, view.image, view.grid, acts[view.index].data);
      view.range.textContent = ` · scale ${fmt(lo)} to ${fmt(hi)}`;
    }
    const scores = acts[last].data;
    const probs = applySoftmax ? softmax(scores) : scores;
    let best = 0;
    for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
    barRows.forEach(({ row, fill, value }, i) => {
      const p = probs[i];
      fill.style.transform = `scaleX(${p.toFixed(4)})`; // no layout, only paint
      value.textContent = `${(100 * p).toFixed(1)}%`;
      row.dataset.prob = String(p);
      row.classList.toggle("cnnw-dc-top", i === best);
    });
    const blank = !base && strokes.length === 0;
    verdictLead.data = blank ? "Blank pad; the net still answers: " : "The net says ";
    answer.textContent = names[best];
    answer.dataset.class = String(best);
    verdictTail.data = ` (${(100 * probs[best]).toFixed(1)}%)`;
    showDetail();
    times.read = t1 - t0; times.forward = t2 - t1; times.draw = performance.now() - t2;
    return probs;
  }

  function showDetail() {
    if (!detail) return;
    const d = detail, { c, y, x } = d.selected, spec = d.spec, F = spec.filters;
    const top = spec.padding === "same" ? (d.kh - 1) >> 1 : 0, left = spec.padding === "same" ? (d.kw - 1) >> 1 : 0;
    const src = d.inputIndex < 0 ? input : acts[d.inputIndex].data;
    const [Hin, Win] = spec.input_shape;
    const scale = d.inputIndex < 0 && valueMax !== 1 ? valueMax : 1;
    let sum = 0;
    for (let a = 0; a < d.kh; a++) {
      for (let b = 0; b < d.kw; b++) {
        const iy = y - top + a, ix = x - left + b, inside = iy >= 0 && iy < Hin && ix >= 0 && ix < Win;
        let xv = 0, wv = 0, pv = 0;
        for (let ci = 0; ci < d.cin; ci++) {
          const v = inside ? src[(iy * Win + ix) * d.cin + ci] * scale : 0;
          const w = spec.kernelData[((a * d.kw + b) * d.cin + ci) * F + c];
          xv += v; wv += w; pv += v * w;
        }
        sum += pv;
        const k = a * d.kw + b;
        d.win.cells[k].textContent = fmt(xv);
        d.win.cells[k].className = inside ? (xv ? "cnnw-in" : "cnnw-dim") : "cnnw-padcell";
        d.ker.cells[k].textContent = fmt(wv);
        d.prod.cells[k].textContent = fmt(pv);
        d.prod.cells[k].className = pv ? "" : "cnnw-dim";
      }
    }
    const bias = spec.biasData[c], out = acts[firstConv.index].data[(y * d.ow + x) * F + c];
    d.sum.replaceChildren(`Sum of the products ${fmt(sum)} + bias ${fmt(bias)} = ${fmt(sum + bias)}`,
      spec.activation === "linear" ? "" : `; after ${spec.activation}: `,
      el("strong", { class: "cnnw-value", "data-value": String(out), "data-sum": String(sum + bias),
        text: fmt(out) }));
    d.title.textContent = `${spec.name}, channel ${c}, row ${y}, column ${x}`
      + (d.cin > 1 ? ` (window and kernel summed over ${d.cin} input channels)` : "");
    // Outline the pixel in its map and the window in the input.
    const g = firstConv.grid;
    const gx = (c % g.cols) * (g.w + 1) + x, gy = Math.floor(c / g.cols) * (g.h + 1) + y;
    place(d.mark, gx, gy, 1, 1, g.width, g.height);
    place(d.windowMark, x - left, y - top, d.kw, d.kh, W, H);
  }

  function place(mark, x, y, w, h, width, height) {
    mark.style.left = `${(100 * x) / width}%`; mark.style.top = `${(100 * y) / height}%`;
    mark.style.width = `${(100 * w) / width}%`; mark.style.height = `${(100 * h) / height}%`;
  }

  // ---- talking to Python -----------------------------------------------------------
  let sending = false;
  function save() {
    const probs = update();
    sending = true;
    model.set("image", new DataView(Float32Array.from(input).buffer));
    model.set("probabilities", Array.from(probs));
    model.save_changes();
    sending = false;
  }

  function setBase(image) {
    base = image;
    strokes = [];
    exact = Boolean(image);
    repaintPad();
  }

  function loadExample(i) {
    selectedExample = i;
    const image = new Float32Array(H * W);
    for (let p = 0; p < H * W; p++) image[p] = examples[i * H * W + p] / 255;
    setBase(image);
    markGallery();
    save();
  }

  function markGallery() {
    galleryButtons.forEach((b, j) => b.setAttribute("aria-pressed", String(j === selectedExample)));
  }

  function fromModel() {
    const image = floats32(model.get("image"));
    const blank = image.every((v) => v === 0);
    selectedExample = -1;
    for (let i = 0; i < nExamples && !blank; i++) {
      let same = true;
      for (let p = 0; p < H * W && same; p++) same = Math.abs(examples[i * H * W + p] / 255 - image[p]) < 1e-6;
      if (same) { selectedExample = i; break; }
    }
    setBase(blank ? null : image);
    markGallery();
    update();
  }

  // ---- pointer input (mouse, touch and pen alike) -------------------------------------
  function padPoint(e) {
    const rect = pad.getBoundingClientRect();
    return [(e.clientX - rect.left - pad.clientLeft) / pad.clientWidth * pad.width,
      (e.clientY - rect.top - pad.clientTop) / pad.clientHeight * pad.height];
  }

  pad.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    e.preventDefault();
    try { pad.setPointerCapture(e.pointerId); } catch { /* synthetic events have no capturable pointer */ }
    current = { width: brush * pad.width, points: [padPoint(e)] };
    strokes.push(current);
    exact = false;
    selectedExample = -1;
    markGallery();
    strokeSegment(current, null, current.points[0]);
    schedule();
  });
  pad.addEventListener("pointermove", (e) => {
    if (!current) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) {
      const p = padPoint(ev), prev = current.points[current.points.length - 1];
      current.points.push(p);
      strokeSegment(current, prev, p);
    }
    schedule();
  });
  const endStroke = () => { if (current) { current = null; save(); } };
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);
  pad.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") { e.preventDefault(); undo(); }
  });

  function undo() {
    if (strokes.length) strokes.pop();
    exact = Boolean(base) && strokes.length === 0;
    repaintPad();
    save();
  }
  undoButton.addEventListener("click", undo);
  clearButton.addEventListener("click", () => { selectedExample = -1; markGallery(); setBase(null); save(); });
  brushButtons.forEach((button, i) => button.addEventListener("click", () => {
    brush = BRUSHES[i][1];
    brushButtons.forEach((b, j) => b.setAttribute("aria-pressed", String(i === j)));
  }));

  // ---- hovering the first conv layer's maps -------------------------------------------
  if (firstConv) {
    const canvas = firstConv.canvas, g = firstConv.grid;
    canvas.addEventListener("pointermove", (e) => {
      const rect = canvas.getBoundingClientRect();
      const gx = Math.floor((e.clientX - rect.left - canvas.clientLeft) / canvas.clientWidth * g.width);
      const gy = Math.floor((e.clientY - rect.top - canvas.clientTop) / canvas.clientHeight * g.height);
      const col = Math.floor(gx / (g.w + 1)), row = Math.floor(gy / (g.h + 1));
      const x = gx - col * (g.w + 1), y = gy - row * (g.h + 1), c = row * g.cols + col;
      if (x < 0 || x >= g.w || y < 0 || y >= g.h || col >= g.cols || c >= g.C) return;
      detail.selected = { c, y, x };
      showDetail();
    });
    canvas.addEventListener("keydown", (e) => {
      const s = { ...detail.selected };
      if (e.key === "ArrowRight") { if (++s.x >= g.w) { s.x = s.c + 1 < g.C ? 0 : g.w - 1; s.c = Math.min(g.C - 1, s.c + 1); } }
      else if (e.key === "ArrowLeft") { if (--s.x < 0) { s.x = s.c > 0 ? g.w - 1 : 0; s.c = Math.max(0, s.c - 1); } }
      else if (e.key === "ArrowDown") s.y = Math.min(g.h - 1, s.y + 1);
      else if (e.key === "ArrowUp") s.y = Math.max(0, s.y - 1);
      else return;
      e.preventDefault();
      detail.selected = s;
      showDetail();
    });
  }

  model.on("change:image", () => { if (!sending) fromModel(); });
  fromModel();
  // The ink is drawn in the theme's text colour: redraw it when the theme changes, or a
  // digit drawn on light paper turns nearly invisible on dark.
  const stopFollowingTheme = onThemeChange(repaintPad);
  root.cnnwUpdate = update; // test and benchmark hooks: one synchronous frame, and its phases' times
  root.cnnwTimes = times;
  return stopFollowingTheme;
}

export default { render };
