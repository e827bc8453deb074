"""Frame time of the KernelExplorer's JavaScript convolution, in headless Chromium.

Target: one update (a 512x512 image, a 3x3 kernel) in under 16 ms, one frame
at 60 fps. 512 pixels a side is also the budget for images the reader drops
into the widget (``UPLOAD_MAX_SIDE`` in kernel_explorer.js). Two figures, median and 95th percentile over 60 updates:

* convolution only: ``correlate`` from cnnbook/widgets/kernel_explorer.js;
* whole update: what happens when the reader edits the kernel (convolution,
  gray levels, drawing both canvases, the table of products), with the widget
  mounted on a stand-in for the Jupyter widget model.

Run: ``python benchmarks/widget_frame_time.py`` (needs Playwright and
/usr/bin/chromium; the network is not used).
"""

import json
import sys

from browser_frame import plain, run

SIZE, REPEATS, TARGET_MS = 512, 60, 16.0

BENCH_JS = """
const N = %(size)d, REPEATS = %(repeats)d;
const img = new Float32Array(N * N);
for (let i = 0; i < img.length; i++) img[i] = (i * 2654435761 %% 256) / 255;
const stats = (t) => { t.sort((a, b) => a - b); return { median: t[t.length >> 1], p95: t[Math.floor(t.length * 0.95)] }; };

// 1. The convolution alone.
const out = new Float64Array(N * N);
const ker = new Float64Array([0, -1, 0, -1, 5, -1, 0, -1, 0]);
for (let i = 0; i < 5; i++) correlate(img, N, N, ker, 3, out);
const conv = [];
for (let i = 0; i < REPEATS; i++) {
  ker[4] = 5 + i / REPEATS;
  const t0 = performance.now(); correlate(img, N, N, ker, 3, out); conv.push(performance.now() - t0);
}

// 2. The whole update, through a stand-in for the widget model.
const listeners = {};
const state = {
  image_data: new DataView(img.buffer), image_shape: [N, N], value_max: 1, note: "",
  kernel: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]], kernel_name: "sharpen", presets: {}, scaling: "clip",
  selected: [N / 2, N / 2], value: 0,
};
const model = {
  get: (k) => state[k],
  set: (k, v) => { state[k] = v; (listeners["change:" + k] || []).forEach((f) => f()); },
  on: (e, f) => { (listeners[e] = listeners[e] || []).push(f); },
  save_changes: () => {},
};
const host = document.createElement("div"); document.body.appendChild(host);
widget.render({ model, el: host });
const full = [];
for (let i = 0; i < REPEATS + 5; i++) {
  const k = [[0, -1, 0], [-1, 5 + i / REPEATS, -1], [0, -1, 0]];
  const t0 = performance.now(); model.set("kernel", k); const dt = performance.now() - t0;
  if (i >= 5) full.push(dt);
}
window.__result = { conv: stats(conv), full: stats(full) };
"""


def main():
    script = plain("kernel_explorer.js") + BENCH_JS % {"size": SIZE, "repeats": REPEATS}
    result, version = run(script)
    print(f"KernelExplorer frame time, {SIZE}x{SIZE} image, 3x3 kernel, headless Chromium {version}, {REPEATS} updates:")
    print(f"  convolution only: median {result['conv']['median']:.2f} ms, p95 {result['conv']['p95']:.2f} ms")
    print(f"  whole update:     median {result['full']['median']:.2f} ms, p95 {result['full']['p95']:.2f} ms")
    ok = result["full"]["median"] < TARGET_MS
    print(f"  target < {TARGET_MS:.0f} ms per update: {'met' if ok else 'NOT met'}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
