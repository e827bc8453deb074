"""Frame time of the optimizer and receptive-field explorers' JavaScript, in headless Chromium.

Target: one update in under 16 ms (one frame at 60 fps). Median and 95th
percentile over 60 updates, with each widget mounted on a stand-in for the
Jupyter widget model (as benchmarks/widget_frame_time.py does):

* OptimizerExplorer, while the reader drags the start point: five paths of
  500 steps (the most the widget allows), the surface, the paths and the loss
  plot redrawn; also the five paths alone.
* ReceptiveFieldExplorer, while the reader moves from unit to unit: the layer
  table recomputed, the three pictures and the table redrawn, for the
  Deep Learning with Python convnet (random weights: the time does not depend
  on them) on four real MNIST digits, at its first layer (26x26 units) and its
  last (3x3).

Run: ``python benchmarks/explorer_frame_time.py`` (needs Playwright and
/usr/bin/chromium; the network is not used).
"""

import base64
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CNNBOOK_OFFLINE", "1")

from browser_frame import plain, run  # noqa: E402

REPEATS, TARGET_MS = 60, 16.0

HARNESS = """
const stats = (t) => { t.sort((a, b) => a - b); return { median: t[t.length >> 1], p95: t[Math.floor(t.length * 0.95)] }; };
function mount(state) {
  const listeners = {};
  const model = {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; (listeners["change:" + k] || []).forEach((f) => f()); },
    on: (e, f) => { (listeners[e] = listeners[e] || []).push(f); },
    save_changes: () => {},
  };
  const host = document.createElement("div"); document.body.appendChild(host);
  widget.render({ model, el: host });
  return model;
}
function time(update, repeats) {
  const out = [];
  for (let i = 0; i < repeats + 5; i++) {
    const t0 = performance.now(); update(i); const dt = performance.now() - t0;
    if (i >= 5) out.push(dt);
  }
  return stats(out);
}
"""

OPTIMIZER_JS = """
const model = mount(STATE);
const paths = time((i) => { for (const name of OPTIMIZERS)
  trajectory("valley", name, STATE.settings[name], [-1.5 + i / 100, 2.5], 500); }, %(repeats)d);
const drag = time((i) => model.set("start", [-1.5 + i / 100, 2.5 - i / 200]), %(repeats)d);
window.__result = { paths, drag };
"""

FIELD_JS = """
const dv = (b64) => { const s = atob(b64), a = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return new DataView(a.buffer); };
STATE.image_data = dv(STATE.image_data); STATE.gradients = dv(STATE.gradients);
const model = mount(STATE);
const result = {};
for (const [layer, side] of [["conv_1", 26], ["conv_3", 3]]) {
  model.set("layer", layer);
  result[layer] = time((i) => model.set("unit", [i %% side, (3 * i) %% side]), %(repeats)d);
}
window.__result = result;
"""


def line(label, s):
    return f"  {label:<34} median {s['median']:.2f} ms, p95 {s['p95']:.2f} ms"


def main():
    import keras

    from cnnbook import datasets, models
    from cnnbook.widgets import OptimizerExplorer, ReceptiveFieldExplorer

    optimizer = OptimizerExplorer("valley", steps=500)
    state = {k: getattr(optimizer, k) for k in ("surface", "start", "steps", "frame", "settings", "shown", "defaults")}
    script = plain("optimizer_explorer.js") + HARNESS + f"const STATE = {json.dumps(state)};\n" + \
        OPTIMIZER_JS % {"repeats": REPEATS}
    opt, version = run(script)

    (x, _), _ = datasets.load_mnist()
    keras.utils.set_random_seed(0)
    field = ReceptiveFieldExplorer(models.chollet_convnet(), x[:4])
    state = {k: getattr(field, k) for k in ("nets", "image_shape", "labels", "net", "layer", "image", "unit")}
    state["image_data"] = base64.b64encode(field.image_data).decode()
    state["gradients"] = base64.b64encode(field.gradients).decode()
    script = plain("receptive_field.js") + HARNESS + f"const STATE = {json.dumps(state)};\n" + \
        FIELD_JS % {"repeats": REPEATS}
    rf, _ = run(script)

    print(f"Explorer frame time, headless Chromium {version}, {REPEATS} updates:")
    print("OptimizerExplorer (valley, five optimizers, 500 steps each)")
    print(line("five paths only:", opt["paths"]))
    print(line("whole update (drag the start):", opt["drag"]))
    print(f"ReceptiveFieldExplorer (chollet_convnet, 4 MNIST digits, {len(field.gradients):,} bytes of gradients)")
    print(line("whole update, conv_1 (26x26 units):", rf["conv_1"]))
    print(line("whole update, conv_3 (3x3 units):", rf["conv_3"]))
    worst = max(opt["drag"]["median"], rf["conv_1"]["median"], rf["conv_3"]["median"])
    print(f"  target < {TARGET_MS:.0f} ms per update (median): {'met' if worst < TARGET_MS else 'NOT met'}")
    print(json.dumps({"optimizer": opt, "receptive_field": rf}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
