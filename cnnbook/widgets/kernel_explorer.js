// KernelExplorer: the convolution runs here, in the browser, so the widget
// stays live in the static HTML book where no Python kernel is running.

/** Cross-correlation with zero padding, output the size of the input: the
 *  same numbers as cnnbook.conv.corr2d(img, kernel, padding="same") for odd
 *  kernels. `ker` is a flat row-major k*k array.
 *
 *  Loops over the kernel taps on the outside and over the image inside, so
 *  the inner loop is one multiply-add on two contiguous rows, with no bounds
 *  checks (the rows and columns a tap would take from the zero padding are
 *  simply skipped); taps of weight 0 cost nothing. */
export function correlate(img, H, W, ker, k, out) {
  const h = (k - 1) >> 1;
  out = out || new Float64Array(H * W);
  out.fill(0);
  for (let a = 0; a < k; a++) {
    const dr = a - h;
    const r0 = Math.max(0, -dr), r1 = Math.min(H, H - dr);
    for (let b = 0; b < k; b++) {
      const w = ker[a * k + b];
      if (w === 0) continue;
      const dc = b - h;
      const c0 = Math.max(0, -dc), c1 = Math.min(W, W - dc);
      for (let r = r0; r < r1; r++) {
        const o = r * W, i = (r + dr) * W + dc;
        for (let c = c0; c < c1; c++) out[o + c] += w * img[i + c];
      }
    }
  }
  return out;
}

/** Gray levels (0..255) for display: clipped to the image's range, stretched
 *  from min to max, or |value| stretched so the largest is white. */
export function toGray(values, vmax, scaling, rgba) {
  const n = values.length;
  let lo = 0, hi = vmax;
  if (scaling === "minmax") {
    lo = Infinity; hi = -Infinity;
    for (let i = 0; i < n; i++) { const v = values[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  } else if (scaling === "abs") {
    hi = 0;
    for (let i = 0; i < n; i++) { const v = Math.abs(values[i]); if (v > hi) hi = v; }
  }
  const span = hi > lo ? hi - lo : 1;
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    let v = scaling === "abs" ? Math.abs(values[i]) : values[i];
    v = (v - lo) / span;
    const g = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
    rgba[j] = rgba[j + 1] = rgba[j + 2] = g;
    rgba[j + 3] = 255;
  }
  return rgba;
}

/** Longest side of an image the reader drops in or picks: larger ones are
 *  downscaled so that one update stays under a frame (16 ms; see
 *  benchmarks/widget_frame_time.py, which times a 512x512 image). */
export const UPLOAD_MAX_SIDE = 512;

/** RGBA pixels (a canvas's ImageData) to gray levels 0..255, rounded, with
 *  the luminance weights of skimage.color.rgb2gray (ITU-R BT.709). */
export function rgbaToGray(rgba, n) {
  const gray = new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    gray[i] = Math.round(0.2125 * rgba[j] + 0.7154 * rgba[j + 1] + 0.0721 * rgba[j + 2]);
  }
  return gray;
}

/** Size of an image of `w` by `h` pixels once its longer side fits `max`. */
export function fitSize(w, h, max) {
  const f = Math.min(1, max / Math.max(w, h));
  return [Math.max(1, Math.round(w * f)), Math.max(1, Math.round(h * f))];
}

function prettyName(name) {
  return name.replace(/_5x5$/, " (5×5)").replace(/_/g, " ");
}

function render({ model, el: host }) {
  const root = el("div", { class: "cnnw cnnw-kernel" });
  host.appendChild(root);

  // ---- controls ---------------------------------------------------------
  const presetSelect = el("select", { "aria-label": "Kernel preset" });
  const scalingSelect = el("select", { "aria-label": "How the output is drawn" });
  for (const [value, text] of [["clip", "clipped"], ["minmax", "min–max"], ["abs", "|value|"]]) {
    scalingSelect.append(el("option", { value, text }));
  }
  const player = playControls(step, 250);
  // The reader's own image: picked with the file input or dropped on the
  // widget; decoded, downscaled and turned gray here, so no kernel is needed.
  const fileInput = el("input", { type: "file", accept: "image/*", class: "cnnw-file",
                                  "aria-label": "Use your own image" });
  const fileLabel = el("label", { class: "cnnw-file-label" }, "Your image", fileInput);
  const resetButton = el("button", { type: "button", text: "Original image", hidden: "" });
  const controls = el("div", { class: "cnnw-controls" },
    el("label", {}, "Kernel", presetSelect),
    el("label", {}, "Output", scalingSelect),
    player.play, player.step, fileLabel, resetButton);

  // ---- images and kernel --------------------------------------------------
  const inCanvas = el("canvas", { tabindex: "0", role: "img", class: "cnnw-input-canvas" });
  const outCanvas = el("canvas", { tabindex: "0", role: "img", class: "cnnw-output-canvas" });
  const kernelTable = el("table", { class: "cnnw-grid cnnw-kernel-grid" });
  // Input, kernel and output side by side (the images shrink to share the row); stacked on a phone.
  const row = el("div", { class: "cnnw-row cnnw-ke-row" },
    el("div", { class: "cnnw-panel cnnw-ke-image" }, caption("Input"), inCanvas),
    panel("Kernel (editable)", kernelTable),
    el("div", { class: "cnnw-panel cnnw-ke-image" }, caption("Output"), outCanvas));

  // ---- the arithmetic at the selected pixel --------------------------------
  const windowTable = el("table", { class: "cnnw-grid", "aria-label": "Input window" });
  const weightTable = el("table", { class: "cnnw-grid", "aria-label": "Kernel" });
  const productTable = el("table", { class: "cnnw-grid", "aria-label": "Element-wise products" });
  const sumLine = el("div", { class: "cnnw-sum", "aria-live": "polite" });
  const detail = el("div", { class: "cnnw-row cnnw-detail" },
    panel("Window", windowTable), el("span", { class: "cnnw-op", text: "×" }),
    panel("Kernel", weightTable), el("span", { class: "cnnw-op", text: "=" }),
    panel("Products", productTable));
  const note = el("div", { class: "cnnw-note" });
  const dropHint = el("div", { class: "cnnw-note cnnw-drop-hint",
    text: "Drop an image file on the widget, or pick one with “Your image”: it is converted to gray " +
          `and scaled to at most ${UPLOAD_MAX_SIDE} pixels a side, in your browser (nothing is uploaded).` });
  const uploadStatus = el("div", { class: "cnnw-flag", role: "status" });
  root.append(controls, uploadStatus, row, el("div", { style: "height:8px" }), detail, sumLine, note, dropHint);

  // ---- state ---------------------------------------------------------------
  let img = new Float32Array(0), H = 0, W = 0, vmax = 1, scale = 1;
  let kernel = [], k = 3, flatKernel = new Float64Array(9);
  let out = new Float64Array(0), rgbaIn = null, rgbaOut = null;
  let selected = [0, 0];
  const inBuffer = document.createElement("canvas");
  const outBuffer = document.createElement("canvas");

  function loadImage() {
    [H, W] = model.get("image_shape");
    img = floats32(model.get("image_data"));
    vmax = model.get("value_max");
    scale = Math.max(1, Math.floor(256 / Math.max(H, W)));
    // Shown at most 300 px wide, so both images fit the column side by side.
    const shown = Math.min(W * scale, Math.round(300 * W / Math.max(H, W)));
    for (const [c, b] of [[inCanvas, inBuffer], [outCanvas, outBuffer]]) {
      c.width = W * scale; c.height = H * scale; b.width = W; b.height = H;
      c.style.width = "100%"; c.style.maxWidth = `${shown}px`; c.style.height = "auto";
    }
    for (const panel of row.querySelectorAll(".cnnw-ke-image")) panel.style.flexBasis = `${shown}px`;
    root.dataset.imageShape = `${H}x${W}`;
    out = new Float64Array(H * W);
    rgbaIn = new ImageData(W, H);
    rgbaOut = new ImageData(W, H);
    toGray(img, vmax, "clip", rgbaIn.data);
    inBuffer.getContext("2d").putImageData(rgbaIn, 0, 0);
    inCanvas.setAttribute("aria-label",
      `Input image, ${W} by ${H} pixels. Arrow keys move the kernel window.`);
    outCanvas.setAttribute("aria-label", `Output image, ${W} by ${H} pixels. Arrow keys move the selected pixel.`);
    note.textContent = [model.get("note"),
      `Output: cross-correlation with zero padding (same size as the input), drawn ${scalingText()}.`]
      .filter(Boolean).join(" ");
  }

  function scalingText() {
    const s = model.get("scaling");
    return s === "minmax" ? "stretched from its minimum (black) to its maximum (white)"
      : s === "abs" ? "as |value|, stretched so the largest is white"
      : `clipped to [0, ${vmax}]`;
  }

  function loadKernel() {
    kernel = model.get("kernel").map((r) => r.slice());
    k = kernel.length;
    flatKernel = new Float64Array(kernel.flat());
  }

  function buildKernelInputs() {
    kernelTable.replaceChildren();
    for (let a = 0; a < k; a++) {
      const tr = el("tr");
      for (let b = 0; b < k; b++) {
        const input = el("input", {
          type: "number", step: "0.1", value: fmt(kernel[a][b]),
          "aria-label": `Kernel row ${a + 1} column ${b + 1}`, "data-row": a, "data-col": b,
        });
        input.addEventListener("input", () => {
          const v = parseFloat(input.value);
          const next = kernel.map((r) => r.slice());
          next[a][b] = Number.isFinite(v) ? v : 0;
          model.set("kernel", next); // redraws through the change:kernel listener
          model.set("kernel_name", "");
          save();
        });
        tr.append(el("td", {}, input));
      }
      kernelTable.append(tr);
    }
  }

  function syncKernelInputs() {
    const inputs = kernelTable.querySelectorAll("input");
    if (inputs.length !== k * k) return buildKernelInputs();
    inputs.forEach((input) => {
      const v = kernel[+input.dataset.row][+input.dataset.col];
      // Leave half-typed numbers ("-", "0.") alone in the box being edited.
      if (input !== document.activeElement || parseFloat(input.value) !== v) input.value = fmt(v);
    });
  }

  function buildPresets() {
    presetSelect.replaceChildren(el("option", { value: "", text: "custom" }));
    for (const name of Object.keys(model.get("presets"))) {
      presetSelect.append(el("option", { value: name, text: prettyName(name) }));
    }
    presetSelect.value = model.get("kernel_name");
  }

  // ---- drawing --------------------------------------------------------------
  function compute() {
    correlate(img, H, W, flatKernel, k, out);
    toGray(out, vmax, model.get("scaling"), rgbaOut.data);
    outBuffer.getContext("2d").putImageData(rgbaOut, 0, 0);
    draw();
  }

  function paint(canvas, buffer, boxSize) {
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(buffer, 0, 0, canvas.width, canvas.height);
    const [r, c] = selected, half = (boxSize - 1) >> 1;
    const x = (c - half) * scale, y = (r - half) * scale, size = boxSize * scale;
    // Two outlines, dark and light, so the box shows on any gray level.
    ctx.lineWidth = 3; ctx.strokeStyle = "#000";
    ctx.strokeRect(x - 1.5, y - 1.5, size + 3, size + 3);
    ctx.lineWidth = 1.5; ctx.strokeStyle = "#ffb000";
    ctx.strokeRect(x - 1.5, y - 1.5, size + 3, size + 3);
  }

  function draw() {
    paint(inCanvas, inBuffer, k);
    paint(outCanvas, outBuffer, 1);
    showArithmetic();
  }

  function showArithmetic() {
    const [r, c] = selected, half = (k - 1) >> 1;
    windowTable.replaceChildren(); weightTable.replaceChildren(); productTable.replaceChildren();
    let sum = 0;
    for (let a = 0; a < k; a++) {
      const trW = el("tr"), trK = el("tr"), trP = el("tr");
      for (let b = 0; b < k; b++) {
        const rr = r + a - half, cc = c + b - half;
        const inside = rr >= 0 && rr < H && cc >= 0 && cc < W;
        const x = inside ? img[rr * W + cc] : 0;
        const w = kernel[a][b], p = x * w;
        sum += p;
        trW.append(el("td", { class: inside ? "" : "cnnw-padcell", text: fmt(x), title: inside ? "" : "zero padding" }));
        trK.append(el("td", { text: fmt(w) }));
        trP.append(el("td", { class: p === 0 ? "cnnw-dim" : "", text: fmt(p) }));
      }
      windowTable.append(trW); weightTable.append(trK); productTable.append(trP);
    }
    const value = out[r * W + c];
    sumLine.replaceChildren(
      `Sum of the products = output at row ${r}, column ${c}: `,
      el("strong", { class: "cnnw-value", "data-value": String(value), "data-row": r, "data-col": c,
                     text: value.toFixed(4) }));
    return sum;
  }

  // ---- talking to Python ------------------------------------------------------
  function save() {
    model.set("value", out[selected[0] * W + selected[1]]);
    model.save_changes();
  }

  function select(r, c, sync = true) {
    r = Math.min(H - 1, Math.max(0, r)); c = Math.min(W - 1, Math.max(0, c));
    if (r === selected[0] && c === selected[1]) return;
    selected = [r, c];
    draw();
    if (sync) { model.set("selected", [r, c]); save(); }
  }

  function pixelAt(canvas, event) {
    const rect = canvas.getBoundingClientRect();
    const c = Math.floor((event.clientX - rect.left) / rect.width * W);
    const r = Math.floor((event.clientY - rect.top) / rect.height * H);
    return [r, c];
  }

  function step() {
    let [r, c] = selected;
    c += 1;
    if (c >= W) { c = 0; r = (r + 1) % H; }
    select(r, c);
  }

  for (const canvas of [inCanvas, outCanvas]) {
    canvas.addEventListener("pointermove", (e) => { if (!player.playing()) select(...pixelAt(canvas, e)); });
    canvas.addEventListener("click", (e) => { player.stop(); select(...pixelAt(canvas, e)); });
    canvas.addEventListener("keydown", (e) => {
      const moved = arrowMove(e.key, selected[0], selected[1], H, W);
      if (!moved) return;
      e.preventDefault();
      player.stop();
      select(...moved);
    });
  }
  presetSelect.addEventListener("change", () => {
    const name = presetSelect.value;
    if (!name) return;
    model.set("kernel", model.get("presets")[name].map((r) => r.slice()));
    model.set("kernel_name", name);
    save();
  });
  scalingSelect.addEventListener("change", () => {
    model.set("scaling", scalingSelect.value);
    model.save_changes();
  });

  // ---- the reader's own image --------------------------------------------------
  let original = null; // the image the widget was made with, for "Original image"

  function setImage(pixels, h, w, vmaxValue, text) {
    if (!original) {
      original = { data: model.get("image_data"), shape: model.get("image_shape"),
                   vmax: model.get("value_max"), note: model.get("note") };
    }
    player.stop();
    // The shape first: the change:image_data listener reads it.
    model.set("image_shape", [h, w]);
    model.set("value_max", vmaxValue);
    model.set("note", text);
    model.set("image_data", new DataView(pixels.buffer));
    loadImage();
    selected = [h >> 1, w >> 1];
    model.set("selected", selected.slice());
    compute();
    save();
  }

  async function useFile(file) {
    if (!file) return;
    if (file.type && !file.type.startsWith("image/")) {
      uploadStatus.className = "cnnw-flag cnnw-bad";
      uploadStatus.textContent = `“${file.name}” is not an image (${file.type}).`;
      return;
    }
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch (err) {
      uploadStatus.className = "cnnw-flag cnnw-bad";
      uploadStatus.textContent = `Could not read “${file.name}” as an image.`;
      return;
    }
    const [w, h] = fitSize(bitmap.width, bitmap.height, UPLOAD_MAX_SIDE);
    if (Math.min(w, h) < 3) {
      uploadStatus.className = "cnnw-flag cnnw-bad";
      uploadStatus.textContent = `“${file.name}” is too thin (${bitmap.width}×${bitmap.height}): at least 3 pixels a side.`;
      return;
    }
    const canvas = document.createElement("canvas");
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.imageSmoothingEnabled = true; ctx.imageSmoothingQuality = "high";
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, w, h); // transparent pixels count as white
    ctx.drawImage(bitmap, 0, 0, w, h);
    const gray = rgbaToGray(ctx.getImageData(0, 0, w, h).data, w * h);
    const scaled = w !== bitmap.width ? `, scaled from ${bitmap.width}×${bitmap.height}` : "";
    setImage(gray, h, w, 255,
      `Your image “${file.name}”: ${w}×${h} pixels${scaled}, gray levels 0..255 (0.2125 R + 0.7154 G + 0.0721 B).`);
    uploadStatus.className = "cnnw-flag"; uploadStatus.textContent = "";
    resetButton.hidden = false;
  }

  fileInput.addEventListener("change", () => { useFile(fileInput.files[0]); fileInput.value = ""; });
  root.addEventListener("dragover", (e) => { e.preventDefault(); root.classList.add("cnnw-dragging"); });
  root.addEventListener("dragleave", () => root.classList.remove("cnnw-dragging"));
  root.addEventListener("drop", (e) => {
    e.preventDefault();
    root.classList.remove("cnnw-dragging");
    useFile(e.dataTransfer && e.dataTransfer.files[0]);
  });
  resetButton.addEventListener("click", () => {
    if (!original) return;
    const { data, shape, vmax: v, note: text } = original;
    setImage(floats32(data), shape[0], shape[1], v, text);
    resetButton.hidden = true;
  });

  model.on("change:kernel", () => { loadKernel(); syncKernelInputs(); compute(); });
  model.on("change:kernel_name", () => { presetSelect.value = model.get("kernel_name"); });
  model.on("change:scaling", () => { scalingSelect.value = model.get("scaling"); loadImage(); compute(); });
  model.on("change:image_data", () => { loadImage(); select(0, 0, false); compute(); });
  model.on("change:selected", () => {
    const [r, c] = model.get("selected");
    if (r !== selected[0] || c !== selected[1]) { selected = [r, c]; draw(); }
  });

  loadImage();
  loadKernel();
  buildPresets();
  buildKernelInputs();
  scalingSelect.value = model.get("scaling");
  selected = model.get("selected").slice();
  compute();
  return player.stop;
}

export default { render };
