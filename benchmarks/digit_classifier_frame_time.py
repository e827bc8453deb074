"""Frame time of DigitClassifier's JavaScript, in headless Chromium.

Target: one update as the reader draws (read the pad, centre and scale the
drawing like MNIST, the whole forward pass, every feature map, the bars and the
first convolution's arithmetic) in under 16 ms, one frame at 60 fps. Figures,
median and 95th percentile over 100 updates, for two nets:

* the TensorFlow.js article's net (``models.tfjs_convnet``, 5,994 weights);
* Deep Learning with Python's convnet (``models.chollet_convnet``, 93,322).

Per net: the forward pass alone (``forward`` of digit_classifier.js), and the
whole update, with the widget mounted on a stand-in for the Jupyter widget
model and a stroke growing by one pointer event before each update. Weights
are Keras' initial ones (the timing does not depend on training).

Run: ``python benchmarks/digit_classifier_frame_time.py`` (needs Playwright and
/usr/bin/chromium; the network is not used).
"""

import base64
import json
import sys

import numpy as np

UPDATES, WARMUP, TARGET_MS = 100, 10, 16.0

BENCH_JS = """async ([src, css, state, updates, warmup]) => {
  const dc = await import('data:text/javascript;base64,' + src);
  const style = document.createElement('style'); style.textContent = css; document.head.append(style);
  const bytes = (s) => { const u = Uint8Array.from(atob(s), (c) => c.charCodeAt(0)); return new DataView(u.buffer); };
  for (const key of ['weights', 'examples', 'image']) state[key] = bytes(state[key]);
  const listeners = {};
  const model = {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; },
    on: (e, f) => { (listeners[e] = listeners[e] || []).push(f); },
    save_changes: () => {},
  };
  const host = document.createElement('div'); host.style.width = '688px'; document.body.append(host);
  dc.default.render({ model, el: host });
  const root = host.querySelector('.cnnw-digit'), pad = root.querySelector('canvas.cnnw-dc-pad');
  const stats = (t) => { t.sort((a, b) => a - b);
    return { median: t[t.length >> 1], p95: t[Math.floor(t.length * 0.95)], max: t[t.length - 1] }; };
  const rect = pad.getBoundingClientRect();
  const at = (i) => { const a = 2 * Math.PI * i / 60;  // a stroke going round an "0", then on
    return [rect.left + rect.width * (0.5 + 0.3 * Math.sin(a)), rect.top + rect.height * (0.5 - 0.35 * Math.cos(a))]; };
  const fire = (type, [x, y]) => pad.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, pointerId: 1,
    pointerType: 'mouse', button: type === 'pointerdown' ? 0 : -1, buttons: 1, bubbles: true }));
  fire('pointerdown', at(0));
  const full = [], fwd = [], parts = {};
  const net = dc.loadNet(state.layer_specs, state.weights, state.input_shape);
  for (let i = 1; i <= updates + warmup; i++) {
    fire('pointermove', at(i));
    // The update, then the style and layout it causes (forced here, as the next frame would do).
    let t0 = performance.now(); root.cnnwUpdate(); void root.offsetHeight; const dt = performance.now() - t0;
    const phases = { ...root.cnnwTimes };
    const image = root.querySelector('canvas.cnnw-dc-input');  // the input the update computed
    const px = image.getContext('2d').getImageData(0, 0, image.width, image.height).data;
    const input = Float32Array.from({ length: px.length / 4 }, (_, j) => px[4 * j] / 255);
    t0 = performance.now(); dc.forward(net, input, 1); const df = performance.now() - t0;
    if (i > warmup) { full.push(dt); fwd.push(df); for (const k in phases) (parts[k] = parts[k] || []).push(phases[k]); }
  }
  fire('pointerup', at(updates + warmup));
  const probs = Array.from(root.querySelectorAll('.cnnw-dc-bar')).map((r) => Number(r.dataset.prob));
  for (const k in parts) parts[k] = stats(parts[k]);
  return { forward: stats(fwd), full: stats(full), parts, probs_sum: probs.reduce((a, b) => a + b, 0) };
}"""


def _state(widget):
    """The widget's synced state, as the browser gets it (bytes as base64 here)."""
    names = ["weights", "layer_specs", "input_shape", "value_max", "class_names", "model_name", "examples",
             "example_labels", "image", "probabilities"]
    state = {name: getattr(widget, name) for name in names}
    for key in ("weights", "examples", "image"):
        state[key] = base64.b64encode(state[key]).decode()
    return json.loads(json.dumps(state))


def main():
    import keras
    from playwright.sync_api import sync_playwright

    from cnnbook import models
    from cnnbook.widgets._files import HERE, esm
    from cnnbook.widgets.digit_classifier import DigitClassifier

    keras.utils.set_random_seed(0)
    chollet = models.chollet_convnet
    nets = [models.tfjs_convnet(), chollet()]
    examples = (np.random.default_rng(0).random((4, 28, 28)) * 255).astype(np.uint8)
    src = base64.b64encode(esm("digit_classifier.js").encode()).decode()
    css = "\n".join((HERE / name).read_text() for name in ("widgets.css", "digit_classifier.css"))
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--host-resolver-rules=MAP * ~NOTFOUND", "--no-sandbox"])
        version = browser.version
        for net in nets:
            widget = DigitClassifier(net, examples=examples)
            page = browser.new_page(viewport={"width": 1000, "height": 2400})
            page.set_content("<!doctype html><html><body></body></html>")
            result = page.evaluate(BENCH_JS, [src, css, _state(widget), UPDATES, WARMUP])
            page.close()
            results.append((net, result))
        browser.close()
    print(f"DigitClassifier frame time, headless Chromium {version}, {UPDATES} updates while drawing:")
    ok = True
    for net, r in results:
        print(f"  {net.name} ({net.count_params():,} weights)")
        print(f"    forward pass only: median {r['forward']['median']:.2f} ms, p95 {r['forward']['p95']:.2f} ms")
        print(f"    whole update:      median {r['full']['median']:.2f} ms, p95 {r['full']['p95']:.2f} ms"
              f"   (pad, centring, forward pass, {len(net.layers) - 1} layers of maps, bars, arithmetic)")
        parts = ", ".join(f"{k} {v['median']:.2f}/{v['p95']:.2f}" for k, v in r["parts"].items())
        print(f"    phases, median/p95 ms: {parts} (read = pad and centring; draw = maps, bars, arithmetic)")
        ok = ok and r["full"]["p95"] < TARGET_MS and abs(r["probs_sum"] - 1) < 1e-4
    print(f"  target < {TARGET_MS:.0f} ms per update (p95): {'met' if ok else 'NOT met'}")
    print(json.dumps({net.name: r for net, r in results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
