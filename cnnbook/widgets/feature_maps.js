// FeatureMapExplorer: draws feature maps that Python computed and embedded as bytes.
// Everything it shows is in the widget state, so it also works in the static HTML book.

// Paint a height x width block of bytes: grayscale (channels 1), RGB (3) or viridis (map).
function paint(canvas, bytes, start, height, width, mode) {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(width, height);
  const px = image.data;
  for (let i = 0; i < height * width; i++) {
    if (mode === "rgb") {
      for (let k = 0; k < 3; k++) px[4 * i + k] = bytes[start + 3 * i + k];
    } else if (mode === "gray") {
      const v = bytes[start + i];
      px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = v;
    } else {
      const v = bytes[start + i];
      px[4 * i] = VIRIDIS_LUT[3 * v];
      px[4 * i + 1] = VIRIDIS_LUT[3 * v + 1];
      px[4 * i + 2] = VIRIDIS_LUT[3 * v + 2];
    }
    px[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

function render({ model, el: root }) {
  const container = el("div", {class: "cnnw cnnw-fm"});
  root.appendChild(container);

  const imageRow = el("div", {class: "cnnw-fm-images"});
  const controls = el("div", {class: "cnnw-fm-controls"});
  const layerLabel = el("label", {text: "Layer "});
  const layerSelect = el("select");
  layerLabel.appendChild(layerSelect);
  controls.appendChild(layerLabel);
  const grid = el("div", {class: "cnnw-fm-grid"});
  const detail = el("div", {class: "cnnw-fm-detail"});
  const bigInput = el("canvas", {class: "cnnw-fm-big"});
  const bigMap = el("canvas", {class: "cnnw-fm-big"});
  const mapCaption = el("div", {class: "cnnw-fm-caption"});
  const inputBox = el("figure");
  inputBox.append(bigInput, el("figcaption", {text: "input"}));
  const mapBox = el("figure");
  mapBox.append(bigMap, mapCaption);
  detail.append(inputBox, mapBox);
  container.append(imageRow, controls, grid, detail);

  function state() {
    const shape = model.get("image_shape");
    return {
      images: bytesOf(model.get("images")),
      maps: bytesOf(model.get("maps")),
      shape,
      info: model.get("layer_info"),
      labels: model.get("labels"),
      image: model.get("image_index"),
      layer: model.get("layer_index"),
      channel: model.get("channel"),
    };
  }

  function choose(changes) {
    for (const [key, value] of Object.entries(changes)) model.set(key, value);
    model.save_changes();
  }

  function drawImage(canvas, s, index) {
    const [, h, w, c] = s.shape;
    paint(canvas, s.images, index * h * w * c, h, w, c === 3 ? "rgb" : "gray");
  }

  function build() {
    const s = state();
    imageRow.replaceChildren();
    s.labels.forEach((label, i) => {
      const button = el("button", {class: "cnnw-fm-thumb"});
      button.type = "button";
      button.title = `Show the feature maps of ${label}`;
      const canvas = el("canvas");
      drawImage(canvas, s, i);
      button.append(canvas, el("span", {text: label}));
      button.addEventListener("click", () => choose({ image_index: i }));
      imageRow.appendChild(button);
    });
    layerSelect.replaceChildren();
    s.info.forEach((layer, i) => {
      const shown = layer.channels.length < layer.total_channels
        ? ` (${layer.channels.length} most active shown)` : "";
      const option = el("option", {text: `${layer.name} · ${layer.kind} · ${layer.height}×${layer.width}×${layer.total_channels}${shown}`});
      option.value = String(i);
      layerSelect.appendChild(option);
    });
    update();
  }

  function update() {
    const s = state();
    if (!s.info.length) return;
    const layer = s.info[Math.min(s.layer, s.info.length - 1)];
    const channel = Math.min(s.channel, layer.channels.length - 1);
    layerSelect.value = String(s.layer);
    imageRow.querySelectorAll("button").forEach((b, i) => {
      b.classList.toggle("selected", i === s.image);
      b.setAttribute("aria-pressed", String(i === s.image));
    });
    const size = layer.height * layer.width;
    const count = layer.channels.length;
    // The channel buttons are drawn anew: a reader who clicked one keeps the keyboard focus
    // on the widget (on the channel now selected), not on the page.
    const focused = grid.contains(document.activeElement);
    grid.replaceChildren();
    layer.channels.forEach((number, c) => {
      const button = el("button", {class: "cnnw-fm-cell"});
      button.type = "button";
      button.title = `channel ${number}`;
      button.classList.toggle("selected", c === channel);
      button.setAttribute("aria-pressed", String(c === channel));
      const canvas = el("canvas");
      paint(canvas, s.maps, layer.offset + (s.image * count + c) * size, layer.height, layer.width, "map");
      button.append(canvas, el("span", {text: String(number)}));
      button.addEventListener("click", () => choose({ channel: c }));
      grid.appendChild(button);
    });
    if (focused) grid.children[channel]?.focus();
    drawImage(bigInput, s, s.image);
    paint(bigMap, s.maps, layer.offset + (s.image * count + channel) * size, layer.height, layer.width, "map");
    mapCaption.textContent = `${layer.name}, channel ${layer.channels[channel]} of ${layer.total_channels} ` +
      `(${layer.height}×${layer.width}); colour scale ${fmt(layer.low[channel])} (dark) to ` +
      `${fmt(layer.high[channel])} (yellow), the same for every image`;
  }

  layerSelect.addEventListener("change", () => choose({ layer_index: Number(layerSelect.value), channel: 0 }));
  model.on("change:image_index", update);
  model.on("change:layer_index", update);
  model.on("change:channel", update);
  model.on("change:maps", build);
  build();
}

export default { render };
