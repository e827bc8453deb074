"""DigitClassifier's JavaScript in headless Chromium, with no network.

Two parts:

* the pure functions of ``digit_classifier.js`` (the ES module exactly as the
  widget ships it, imported into a blank page): the forward pass against
  Keras' ``predict`` on 100 real MNIST test digits, for a briefly trained
  TensorFlow.js-article net, for Deep Learning with Python's convnet with
  fixed random weights, and for a net using every other supported layer;
  and the MNIST-style centring of a drawing;
* the widget in a one-page book, executed by ``book.execute`` and built
  with the project's ``_config.yml`` (as tests/test_browser.py does): drawing
  with the mouse (and pen and touch pointer events) changes the bars, undo and
  clear, the gallery by keyboard, the hover arithmetic of the first
  convolution against NumPy, both themes and a 400-pixel-wide screen.

Needs Playwright and Debian's ``chromium``; skipped without them, except in CI.
Training and the book build take about a minute: run under the CPU lock.
"""

import base64
import os
import pathlib
import shutil

import nbformat
import numpy as np
import pytest

from cnnbook.widgets._files import esm

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOLERANCE = 1e-4


from browser import build_page, open_offline, pytestmark, theme_problems, widget_notebook  # noqa: E402,F401  (skip or fail without Chromium)


@pytest.fixture(scope="module")
def mnist():
    """100 real MNIST test digits and a little training data (offline: the shipped sample)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CNNBOOK_OFFLINE", "1")
        from cnnbook import datasets

        (x_train, y_train), (x_test, y_test) = datasets.load_mnist()
    return x_train[:4000], y_train[:4000], x_test[:100], y_test[:100]


@pytest.fixture(scope="module")
def nets(mnist):
    """(name, model, value_max): a briefly trained tfjs_convnet and two nets with fixed random weights."""
    import keras
    from keras import layers

    from cnnbook import models

    x_train, y_train, _, _ = mnist
    keras.utils.set_random_seed(0)
    tfjs = models.tfjs_convnet()
    tfjs.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                 metrics=["accuracy"])
    tfjs.fit(x_train[..., None].astype("float32") / 255, y_train, epochs=1, batch_size=64, verbose=0)

    chollet = models.chollet_convnet
    chollet = chollet()

    # Every other layer kind and option the widget computes, on raw 0..255 pixels.
    rest = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Rescaling(1 / 127.5, offset=-1),
        layers.Conv2D(6, 3, padding="same", name="conv_same_linear"),
        layers.AveragePooling2D(2, name="avg"),
        layers.Conv2D(8, 4, padding="same", activation="relu", use_bias=False, name="conv_even_same"),
        layers.MaxPooling2D(3, strides=2, name="max_3_2"),
        layers.Activation("tanh"),
        layers.Flatten(),
        layers.Dense(16, activation="sigmoid"),
        layers.Dropout(0.5),
        layers.Dense(10, name="logits"),
    ], name="every_layer")
    rng = np.random.default_rng(1)
    for model in (chollet, rest):  # fixed random weights, nonzero biases
        model.set_weights([rng.normal(0, 0.3 if w.ndim == 1 else 1 / np.sqrt(np.prod(w.shape[:-1])), w.shape)
                           .astype("float32") for w in model.get_weights()])
    return [("tfjs_convnet, trained 1 epoch", tfjs, 1.0), ("chollet convnet, random weights", chollet, 1.0),
            ("every layer kind, random weights", rest, 255.0)]


@pytest.fixture(scope="module")
def module_page(browser):
    """A blank page with the widget's ES module imported as window.dc."""
    page = browser.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    source = base64.b64encode(esm("digit_classifier.js").encode()).decode()
    page.evaluate("async (src) => { window.dc = await import('data:text/javascript;base64,' + src); }", source)
    return page


def _js_forward(page, widget, images):
    """Run the widget's forward pass in the page on uint8 images (n, H, W); return the last layer's outputs."""
    return np.array(page.evaluate("""([specs, weights, shape, valueMax, pixels, n]) => {
        const bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
        const net = dc.loadNet(specs, bytes(weights), shape);
        const px = bytes(pixels), size = shape[0] * shape[1], out = [];
        for (let i = 0; i < n; i++) {
          const image = new Float32Array(size);
          for (let p = 0; p < size; p++) image[p] = px[i * size + p] / 255;
          const acts = dc.forward(net, image, valueMax);
          out.push(Array.from(acts[acts.length - 1].data));
        }
        return out; }""", [widget.layer_specs, base64.b64encode(widget.weights).decode(), widget.input_shape,
                           widget.value_max, base64.b64encode(np.ascontiguousarray(images).tobytes()).decode(),
                           len(images)]))


def test_forward_pass_matches_keras_predict(module_page, nets, mnist):
    from cnnbook.widgets.digit_classifier import DigitClassifier

    _, _, x_test, y_test = mnist
    assert len(x_test) == 100
    for name, model, value_max in nets:
        widget = DigitClassifier(model, value_max=value_max)
        want = model.predict(x_test[..., None].astype("float32") / 255 * value_max, verbose=0)
        got = _js_forward(module_page, widget, x_test)
        diff = np.abs(got - want).max()
        print(f"{name}: max |JS - Keras| = {diff:.2e} over {len(x_test)} test digits")
        assert got.shape == want.shape
        assert diff < TOLERANCE, name
        np.testing.assert_array_equal(got.argmax(1), want.argmax(1))
        if "trained" in name:  # it learned something, so confident outputs are compared too
            accuracy = (got.argmax(1) == y_test).mean()
            print(f"  its accuracy on these digits: {accuracy:.0%}")
            assert accuracy > 0.6, accuracy


def _centre(page, gray):
    height, width = gray.shape
    return np.array(page.evaluate("""([g, w, h]) => Array.from(dc.centerLikeMnist(Float32Array.from(g), w, h))""",
                                  [gray.ravel().tolist(), width, height])).reshape(28, 28)


def test_drawing_is_centred_and_scaled_like_mnist(module_page):
    # A tall off-centre bar and a wide one, drawn on a 280x280 pad.
    for rows, cols in ((slice(20, 140), slice(200, 230)), (slice(230, 250), slice(10, 190))):
        pad = np.zeros((280, 280), np.float32)
        pad[rows, cols] = 1
        out = _centre(module_page, pad)
        ink = np.argwhere(out > 0.05)
        sides = ink.max(0) - ink.min(0) + 1
        assert sides.max() == 20, sides  # the longer side fills the 20-pixel box
        tall = rows.stop - rows.start > cols.stop - cols.start
        ratio = (rows.stop - rows.start) / (cols.stop - cols.start)
        assert abs(sides[0] / sides[1] - ratio) < 0.35 * max(ratio, 1 / ratio), (sides, ratio, tall)
        mass = out.sum()
        centre = (np.arange(28)[:, None] * out).sum() / mass, (np.arange(28)[None, :] * out).sum() / mass
        assert abs(centre[0] - 13.5) <= 0.5 and abs(centre[1] - 13.5) <= 0.5, centre
        assert out.max() <= 1 and out.min() >= 0
    assert _centre(module_page, np.zeros((280, 280), np.float32)).sum() == 0


def test_centring_keeps_mnist_digits_what_they_were(module_page, nets, mnist):
    # MNIST digits are already centred this way: drawing one on the pad (10x
    # larger) and centring it again gives nearly the same image and prediction.
    from cnnbook.widgets.digit_classifier import DigitClassifier

    _, _, x_test, _ = mnist
    widget = DigitClassifier(nets[0][1])
    redone = np.stack([_centre(module_page, np.kron(x / 255, np.ones((10, 10))).astype(np.float32))
                       for x in x_test[:30]])
    same = (widget.predict(redone).argmax(1) == widget.predict(x_test[:30] / 255).argmax(1)).mean()
    assert same >= 0.9, same
    assert np.abs(redone - x_test[:30] / 255).mean() < 0.1


# ---------------------------------------------------------------------------
# The widget in a built one-page book
# ---------------------------------------------------------------------------

DEMO_CELLS = [
    ("import keras\nimport numpy as np\nfrom cnnbook import datasets, models\n"
     "from cnnbook.widgets.digit_classifier import DigitClassifier"),
    ("keras.utils.set_random_seed(0)\n(x_train, y_train), (x_test, y_test) = datasets.load_mnist()\n"
     "tfjs = models.tfjs_convnet()\n"
     "tfjs.compile('adam', 'sparse_categorical_crossentropy', metrics=['accuracy'])\n"
     "tfjs.fit(datasets.as_float_images(x_train[:4000]), y_train[:4000], epochs=1, batch_size=64, verbose=0)"),
]
WIDGET_CELL = "DigitClassifier(tfjs, examples=x_test[:12], example_labels=y_test[:12])"


def _demo_notebook(with_widget=True):
    return widget_notebook("Draw a digit", [*DEMO_CELLS, WIDGET_CELL if with_widget else "None"])


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """Execute and build the one-page book; return (page URL, executed notebook path, notebook size increase)."""
    from book.execute import execute

    folder = tmp_path_factory.mktemp("digit-book")
    plain = tmp_path_factory.mktemp("plain") / "digits.ipynb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CNNBOOK_OFFLINE", "1")
        html = build_page(folder, "digits", _demo_notebook(), timeout=300)
        nbformat.write(_demo_notebook(with_widget=False), plain)
        execute(plain, timeout=300)
    notebook = folder / "digits.ipynb"
    increase = notebook.stat().st_size - plain.stat().st_size
    print(f"notebook with the widget: {notebook.stat().st_size:,} bytes, without: {plain.stat().st_size:,}, "
          f"increase {increase:,} bytes")
    print(f"HTML page: {html.stat().st_size:,} bytes")
    return html.as_uri(), notebook, increase


def _stored_widget(notebook):
    """Rebuild the widget's net and examples from the executed notebook's stored widget state."""
    from cnnbook.widgets.keras_export import forward_numpy

    nb = nbformat.read(notebook, as_version=4)
    states = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    (entry,) = [s for s in states.values() if "layer_specs" in s["state"]]
    state = dict(entry["state"])
    for buffer in entry.get("buffers", []):
        state[buffer["path"][0]] = base64.b64decode(buffer["data"])
    arrays, specs, index = [], [], 0
    for spec in state["layer_specs"]:
        spec = dict(spec)
        if "weights" in spec:
            for offset, count in spec["weights"]:
                arrays.append(np.frombuffer(state["weights"], np.float32, count, offset))
            kernel_shape = ((*spec["kernel"], spec["input_shape"][-1], spec["filters"]) if spec["kind"] == "Conv2D"
                            else (-1, spec["units"]))
            arrays[-2] = arrays[-2].reshape(kernel_shape)
            spec["weights"] = [index, index + 1]
            index += 2
        specs.append(spec)
    examples = np.frombuffer(state["examples"], np.uint8).reshape(-1, 28, 28)

    def run(images):
        return forward_numpy(specs, arrays, np.asarray(images, np.float64).reshape(-1, 28, 28, 1))

    return run, examples, state


def _open(browser, url, color_scheme="light", width=1100):
    page, problems = open_offline(browser, url, width=width, color_scheme=color_scheme)
    page.wait_for_selector(".cnnw-digit .cnnw-dc-bar[data-prob]", timeout=30_000)
    return page, problems


def _bars(page):
    return np.array([float(p) for p in page.locator(".cnnw-digit .cnnw-dc-bar").evaluate_all(
        "rows => rows.map(r => r.dataset.prob)")])


def _frame(page):
    """Let requestAnimationFrame run once, twice over."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def test_stored_page_carries_the_trained_net(browser, book):
    url, notebook, increase = book
    run, examples, state = _stored_widget(notebook)
    assert 0 < increase < 200_000, increase
    page, problems = _open(browser, url)
    # The page starts on the first example, loaded exactly: the bars are the stored net's probabilities.
    np.testing.assert_allclose(_bars(page), run(examples[:1] / 255)[-1][0], atol=TOLERANCE)
    # The gallery, by keyboard.
    page.focus(".cnnw-digit button.cnnw-dc-thumb >> nth=3")
    page.keyboard.press("Enter")
    assert page.locator(".cnnw-digit button.cnnw-dc-thumb >> nth=3").get_attribute("aria-pressed") == "true"
    want = run(examples[3:4] / 255)[-1][0]
    np.testing.assert_allclose(_bars(page), want, atol=TOLERANCE)
    assert page.locator(".cnnw-digit .cnnw-dc-answer").get_attribute("data-class") == str(want.argmax())
    assert state["example_labels"][3] in page.locator(".cnnw-digit button.cnnw-dc-thumb >> nth=3").inner_text()
    assert problems == []


def test_hover_shows_the_sum_of_the_first_convolution(browser, book):
    url, notebook, _ = book
    run, examples, _ = _stored_widget(notebook)
    conv_1 = run(examples[:1] / 255)[0][0]  # (24, 24, 8) for the example shown at the start
    page, problems = _open(browser, url)
    maps = page.locator(".cnnw-digit canvas.cnnw-dc-maps").first
    maps.scroll_into_view_if_needed()
    box = maps.bounding_box()
    size = page.evaluate("(c) => [c.width, c.height]", maps.element_handle())
    # Pixel (row 10, column 13) of channel 2: the grid puts channels side by side with 1-pixel gaps.
    gx, gy = 2 * 25 + 13 + 0.5, 10 + 0.5
    page.mouse.move(box["x"] + gx / size[0] * box["width"], box["y"] + gy / size[1] * box["height"])
    value = page.locator(".cnnw-digit .cnnw-dc-detail strong.cnnw-value")
    assert "channel 2, row 10, column 13" in page.locator(".cnnw-digit .cnnw-dc-detail .cnnw-caption").first.inner_text()
    assert abs(float(value.get_attribute("data-value")) - conv_1[10, 13, 2]) < TOLERANCE
    assert abs(max(0.0, float(value.get_attribute("data-sum"))) - conv_1[10, 13, 2]) < TOLERANCE
    products = [float(t) for t in page.locator(".cnnw-digit table[aria-label='Products'] td").all_inner_texts()]
    assert len(products) == 25
    # Keyboard: the arrow keys move the pixel.
    maps.focus()
    page.keyboard.press("ArrowDown")
    assert abs(float(value.get_attribute("data-value")) - conv_1[11, 13, 2]) < TOLERANCE
    assert problems == []


def _stroke(page, points, kind="mouse"):
    """Draw through `points` (fractions of the pad) with the mouse or with synthetic pen/touch pointer events."""
    pad = page.locator(".cnnw-digit canvas.cnnw-dc-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    xy = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    if kind == "mouse":
        page.mouse.move(*xy[0])
        page.mouse.down()
        for x, y in xy[1:]:
            page.mouse.move(x, y, steps=4)
        page.mouse.up()
    else:
        pad.evaluate("""(pad, [xy, kind]) => {
            const fire = (type, [x, y]) => pad.dispatchEvent(new PointerEvent(type, {clientX: x, clientY: y,
              pointerId: 7, pointerType: kind, isPrimary: true, button: type === 'pointermove' ? -1 : 0,
              buttons: type === 'pointerup' ? 0 : 1, pressure: 0.5, bubbles: true}));
            fire('pointerdown', xy[0]);
            xy.slice(1).forEach((p) => fire('pointermove', p));
            fire('pointerup', xy[xy.length - 1]); }""", [xy, kind])
    _frame(page)


def test_drawing_changes_the_bars(browser, book):
    url, _, _ = book
    page, problems = _open(browser, url)
    page.click(".cnnw-digit button:has-text('Clear')")
    _frame(page)
    assert page.locator(".cnnw-digit .cnnw-dc-hint").is_visible()
    blank = _bars(page)
    # A "1": one vertical stroke, off-centre and small; the widget centres and scales it.
    _stroke(page, [(0.25, 0.15), (0.26, 0.5)])
    one = _bars(page)
    assert not page.locator(".cnnw-digit .cnnw-dc-hint").is_visible()
    assert np.abs(one - blank).max() > 0.01
    assert abs(one.sum() - 1) < 1e-4
    seen = np.array(page.evaluate("""() => { const c = document.querySelector('.cnnw-digit canvas.cnnw-dc-input');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0)); }"""))
    ink = np.argwhere(seen.reshape(28, 28) > 12)
    assert 17 <= ink[:, 0].max() - ink[:, 0].min() + 1 <= 20  # scaled to the 20-pixel box (faint edge rows aside)
    print("bars after drawing a 1:", np.round(one, 3), "answer", one.argmax())
    # A pen stroke and a touch stroke (the top bar of a 7), then undo both.
    _stroke(page, [(0.1, 0.15), (0.3, 0.15)], kind="pen")
    _stroke(page, [(0.3, 0.15), (0.35, 0.2)], kind="touch")
    seven = _bars(page)
    assert np.abs(seven - one).max() > 1e-3
    page.click(".cnnw-digit button:has-text('Undo')")
    page.focus(".cnnw-digit canvas.cnnw-dc-pad")
    page.keyboard.press("Control+z")
    _frame(page)
    np.testing.assert_allclose(_bars(page), one, atol=1e-6)
    page.click(".cnnw-digit button:has-text('Undo')")
    _frame(page)
    np.testing.assert_allclose(_bars(page), blank, atol=1e-6)
    assert problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_follows_the_theme(browser, book, scheme, tmp_path):
    url, _, _ = book
    page, problems = _open(browser, url, color_scheme=scheme)
    page.wait_for_function(f"document.documentElement.dataset.theme === '{scheme}'")
    assert theme_problems(page, scheme) == []
    page.locator(".cnnw-digit").screenshot(path=str(tmp_path / f"digit-{scheme}.png"))
    assert problems == []


@pytest.mark.parametrize("width", [1100, 400])
def test_fits_the_column(browser, book, width, tmp_path):
    url, _, _ = book
    page, problems = _open(browser, url, width=width)
    sizes = page.evaluate("""() => { const r = document.querySelector('.cnnw-digit');
        return [r.getBoundingClientRect().width, r.scrollWidth, r.clientWidth]; }""")
    assert sizes[0] <= 688 + 1, sizes
    assert sizes[1] <= sizes[2] + 1, f"horizontal overflow: {sizes}"
    page.locator(".cnnw-digit").screenshot(path=str(tmp_path / f"digit-{width}.png"))
    if os.environ.get("CNNBOOK_SCREENSHOTS"):
        shutil.copy(tmp_path / f"digit-{width}.png", os.environ["CNNBOOK_SCREENSHOTS"])
    assert problems == []


def _ink(page):
    """The mean colour (RGB) of the pad's most opaque pixels: the ink as drawn."""
    return np.array(page.evaluate("""() => {
        const c = document.querySelector('.cnnw-digit canvas.cnnw-dc-pad');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; const sum = [0, 0, 0];
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 250) { n++; for (let k = 0; k < 3; k++) sum[k] += d[i + k]; }
        return sum.map((s) => s / Math.max(n, 1)); }"""))


def test_repaints_the_ink_when_the_theme_changes(browser, book):
    """The theme switch (data-theme on <html>) and the system's colour scheme both redraw the
    digit on the pad in the new ink: dark ink on light paper, light ink on dark."""
    url, _, _ = book
    page, problems = _open(browser, url, color_scheme="light")
    page.wait_for_function("document.documentElement.dataset.theme === 'light'")
    assert _ink(page).mean() < 100  # the first example, loaded at the start, in dark ink
    # The book's theme switch: pydata-sphinx-theme sets data-theme on <html>.
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    _frame(page)
    assert _ink(page).mean() > 155
    page.evaluate("document.documentElement.dataset.theme = 'light'")
    _frame(page)
    assert _ink(page).mean() < 100
    # The system's colour scheme, with the book's switch on "auto".
    page.evaluate("document.documentElement.dataset.mode = 'auto'")
    page.emulate_media(color_scheme="dark")
    page.wait_for_function("document.documentElement.dataset.theme === 'dark'")
    _frame(page)
    assert _ink(page).mean() > 155
    assert problems == []


@pytest.mark.parametrize("width", [1280, 400])
def test_fits_its_longest_label_and_keeps_its_size_while_drawing(browser, book, width):
    url, _, _ = book
    page, problems = _open(browser, url, width=width)
    # The longest label, "100.0%", in every row (the top one in bold) is drawn whole.
    page.evaluate("""() => document.querySelectorAll('.cnnw-digit .cnnw-dc-pct')
        .forEach((s) => { s.textContent = '100.0%'; })""")
    cut = page.evaluate("""() => [...document.querySelectorAll('.cnnw-digit .cnnw-dc-pct')].filter((s) => {
        const box = s.getBoundingClientRect(), bars = s.closest('.cnnw-dc-result').getBoundingClientRect();
        return s.scrollWidth > s.clientWidth || box.right > bars.right + 0.5; }).length""")
    assert cut == 0
    # Clear, then draw: the widget and its tables keep their size and place.
    page.click(".cnnw-digit button:has-text('Clear')")
    _frame(page)
    measure = """() => { const r = document.querySelector('.cnnw-digit');
        const t = r.querySelector("table[aria-label='Products']").getBoundingClientRect();
        return [r.getBoundingClientRect().height, t.top - r.getBoundingClientRect().top, t.width]; }"""
    before = page.evaluate(measure)
    _stroke(page, [(0.3, 0.2), (0.7, 0.25), (0.4, 0.8)])
    page.mouse.move(0, 0)
    maps = page.locator(".cnnw-digit canvas.cnnw-dc-maps").first
    box = maps.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.03, box["y"] + box["height"] * 0.4)  # hover: numbers in the tables
    after = page.evaluate(measure)
    np.testing.assert_allclose(after, before, atol=1)
    if width > 1000:  # the three tables side by side: the products on the first row
        same_row = page.evaluate("""() => { const t = [...document.querySelectorAll('.cnnw-digit .cnnw-dc-detail table')]
            .map((e) => e.getBoundingClientRect().top); return Math.max(...t) - Math.min(...t); }""")
        assert same_row < 1
    assert problems == []
