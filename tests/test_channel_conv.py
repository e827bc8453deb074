"""ChannelConvExplorer: its input checks and Python state, its JavaScript in node
against `cnnbook.conv.conv2d`, and the widget in a one-page book in headless
Chromium (clicks, keys, Step, sliders, the arithmetic, the width at 400 px).

The browser tests need Playwright and Debian's ``chromium`` (skipped without
them, except in CI); the book build takes about half a minute.
"""

import json
import pathlib
import re
import shutil
import subprocess

import numpy as np
import pytest

from cnnbook.conv import conv2d
from cnnbook.widgets import ChannelConvExplorer
from cnnbook.widgets.channel_conv import DEFAULT_B, DEFAULT_W, DEFAULT_X, LIMITS

from browser import build_page, open_offline, theme_problems, widget_notebook
from browser import pytestmark as browser_only

ROOT = pathlib.Path(__file__).resolve().parent.parent
RNG = np.random.default_rng(4)
# The browser test's input: real-number channels, two 3x3 filters with biases.
X = np.round(RNG.random((5, 5, 3)), 3)
W = np.round(RNG.normal(size=(3, 3, 3, 2)), 3)
B = np.array([0.5, -0.25])


# ---------------------------------------------------------------------------
# Python side
# ---------------------------------------------------------------------------


def test_default_is_a_cs231n_style_example():
    w = ChannelConvExplorer()
    assert np.asarray(w.x).shape == (5, 5, 3) and np.asarray(w.w).shape == (3, 3, 3, 2)
    np.testing.assert_allclose(w.output, conv2d(DEFAULT_X, DEFAULT_W, DEFAULT_B, padding=1))
    assert w.channel_names == ["channel 0", "channel 1", "channel 2"] and w.filter_names == ["filter 0", "filter 1"]
    assert w.selected == [0, 0, 0]


@pytest.mark.parametrize("padding", range(3))
@pytest.mark.parametrize("stride", range(1, 4))
def test_output_is_conv2d_and_follows_padding_and_stride(padding, stride):
    w = ChannelConvExplorer(X, W, B)
    w.selected = [4, 4, 1]
    w.padding, w.stride = padding, stride
    expected = conv2d(X, W, B, padding=padding, stride=stride)
    np.testing.assert_allclose(w.output, expected)
    # The selection stays inside the output.
    assert w.selected == [min(4, expected.shape[0] - 1), min(4, expected.shape[1] - 1), 1]


def test_output_matches_keras_conv2d():
    import keras

    layer = keras.layers.Conv2D(2, 3, strides=2, padding="same")
    layer.build((None, 5, 5, 3))
    layer.set_weights([W.astype("float32"), B.astype("float32")])
    theirs = keras.ops.convert_to_numpy(layer(X[np.newaxis].astype("float32")))[0]
    np.testing.assert_allclose(ChannelConvExplorer(X, W, B, stride=2).output, theirs, atol=1e-5)


def test_names_and_bias_default():
    w = ChannelConvExplorer(X, W, channel_names=["red", "green", "blue"], filter_names=["a", "b"])
    assert w.channel_names == ["red", "green", "blue"] and w.b == [0.0, 0.0]


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(x=np.zeros((5, 5)), w=W), r"x must be 3-D"),
    (dict(x=X, w=np.zeros((3, 3, 3))), r"w must be 4-D"),
    (dict(x=X, w=np.zeros((3, 3, 2, 1))), r"w must have as many input channels \(axis 2\) as x has channels, 3"),
    (dict(x=np.zeros((7, 5, 3)), w=W), r"x must be at most 6x6 with at most 4 channels, got shape \(7, 5, 3\)"),
    (dict(x=np.zeros((5, 5, 5)), w=np.zeros((3, 3, 5, 1))), r"at most 4 channels"),
    (dict(x=X, w=np.zeros((3, 3, 3, 5))), r"w must be at most 5x5 with at most 4 filters"),
    (dict(x=np.zeros((2, 2, 3)), w=W), r"w's kernel \(3x3\) must fit in x \(2x2\)"),
    (dict(x=X, w=W, b=[1.0]), r"b must hold one bias per filter \(2\), got shape \(1,\)"),
    (dict(x=np.full((5, 5, 3), np.nan), w=W), r"x must not contain NaN"),
    (dict(x=X, w=np.full((3, 3, 3, 2), np.inf)), r"w must not contain NaN or infinity"),
    (dict(x=X, w=W, b=["a", "b"]), r"b must hold real numbers"),
    (dict(x=X, w=W, padding=3), r"padding must be an integer in \[0, 2\], got 3"),
    (dict(x=X, w=W, stride=0), r"stride must be an integer in \[1, 3\], got 0"),
    (dict(x=X, w=W, stride=True), r"stride must be an integer in \[1, 3\], got True"),
    (dict(x=X, w=W, channel_names=["r", "g"]), r"channel_names must be 3 strings"),
    (dict(x=X, w=None), r"w must be an array of real numbers, got None"),
])
def test_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ChannelConvExplorer(**kwargs)


def test_rejects_bad_changes_and_keeps_the_state():
    w = ChannelConvExplorer(X, W, B)
    before = w.output
    with pytest.raises(ValueError, match="stride must be"):
        w.stride = 4
    with pytest.raises(ValueError, match="w must have as many input channels"):
        w.w = np.zeros((3, 3, 1, 2)).tolist()
    assert w.stride == 1 and w.output == before
    w.b = [0.0, 0.0]  # a consistent change is taken
    np.testing.assert_allclose(w.output, conv2d(X, W, padding=1))


# ---------------------------------------------------------------------------
# The JavaScript's arithmetic, in node
# ---------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_convolve_agrees_with_conv2d(tmp_path):
    source = (ROOT / "cnnbook" / "widgets" / "channel_conv.js").read_text().split("function render(")[0]
    script = tmp_path / "convolve.mjs"
    script.write_text(source + """
const cases = JSON.parse(process.argv[2]);
console.log(JSON.stringify(cases.map(([x, w, b, p, s]) => convolve(x, w, b, p, s))));
""")
    rng = np.random.default_rng(0)
    cases = []
    for padding in range(LIMITS["padding"][1] + 1):
        for stride in range(1, LIMITS["stride"][1] + 1):
            for kh, kw, c_in, c_out in ((3, 3, 3, 2), (1, 1, 4, 1), (2, 3, 1, 4), (5, 5, 2, 1)):
                x = rng.normal(size=(rng.integers(max(kh, 5), 7), rng.integers(kw, 7), c_in))
                cases.append((x, rng.normal(size=(kh, kw, c_in, c_out)), rng.normal(size=c_out), padding, stride))
    payload = json.dumps([[x.tolist(), w.tolist(), b.tolist(), p, s] for x, w, b, p, s in cases])
    result = subprocess.run(["node", str(script), payload], capture_output=True, text=True, check=True)
    for (x, w, b, p, s), got in zip(cases, json.loads(result.stdout), strict=True):
        expected = conv2d(x, w, b, padding=p, stride=s)
        assert (got["oh"], got["ow"]) == expected.shape[:2]
        np.testing.assert_allclose(got["output"], expected, atol=1e-9)
        # The per-channel sums plus the bias are the output.
        np.testing.assert_allclose(np.sum(got["partial"], axis=-1) + b, expected, atol=1e-9)
        for c in range(x.shape[2]):
            one = conv2d(x[:, :, c:c + 1], w[:, :, c:c + 1], padding=p, stride=s)
            np.testing.assert_allclose(np.asarray(got["partial"])[..., c], one, atol=1e-9)


# ---------------------------------------------------------------------------
# The widget in the static book, in headless Chromium
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    """Execute and build a one-page book with the widget; return the page's file:// URL."""
    if browser_only.mark.args[0]:
        pytest.skip(browser_only.mark.kwargs["reason"])
    notebook = widget_notebook("Channels", [
        "import numpy as np\nfrom cnnbook.widgets import ChannelConvExplorer\n"
        f"x = np.array({X.tolist()})\nw = np.array({W.tolist()})\n"
        f"ChannelConvExplorer(x, w, {B.tolist()}, channel_names=['red', 'green', 'blue'])"])
    return build_page(tmp_path_factory.mktemp("book"), "channels", notebook).as_uri()


def _open(browser, url, width=1100, color_scheme="light"):
    page, problems = open_offline(browser, url, width=width, color_scheme=color_scheme)
    page.wait_for_selector(".cnnw-chconv", timeout=30_000)
    return page, problems


def _shown(page):
    """(output maps from the buttons' data-value, pressed [row, col, filter], arithmetic values, window masks)."""
    return page.evaluate("""() => {
        const root = document.querySelector('.cnnw-chconv');
        const cells = [...root.querySelectorAll('.cnnw-chconv-output button')].map(b =>
            [+b.dataset.row, +b.dataset.col, +b.dataset.filter, +b.dataset.value]);
        const on = root.querySelector('.cnnw-chconv-output button[aria-pressed="true"]');
        const sums = [...root.querySelectorAll('.cnnw-chconv-sum td')].map(td => +td.dataset.value);
        const windows = [...root.querySelectorAll('.cnnw-chconv-input')].map(t =>
            [...t.rows].map(r => [...r.cells].map(c => c.classList.contains('cnnw-in'))));
        const slices = [...root.querySelectorAll('.cnnw-chconv-slice')].map(t =>
            [...t.rows].map(r => [...r.cells].map(c => +c.textContent)));
        return {cells, selected: [+on.dataset.row, +on.dataset.col, +on.dataset.filter], sums, windows, slices};
    }""")


def _check(page, padding, stride):
    """Everything shown agrees with conv2d for the selected cell; return the selection."""
    shown = _shown(page)
    expected = conv2d(X, W, B, padding=padding, stride=stride)
    got = np.zeros(expected.shape)
    for r, c, o, v in shown["cells"]:
        got[r, c, o] = v
    assert len(shown["cells"]) == expected.size
    np.testing.assert_allclose(got, expected, atol=1e-9)
    r, c, o = shown["selected"]
    # The window: the same kh x kw block of the padded input in every channel.
    mask = np.zeros((5 + 2 * padding, 5 + 2 * padding), bool)
    mask[r * stride:r * stride + 3, c * stride:c * stride + 3] = True
    for window in shown["windows"]:
        np.testing.assert_array_equal(window, mask)
    # The slices are those of the selected filter (shown with 3 decimals below 1, 2 above).
    slices = np.moveaxis(W[:, :, :, o], -1, 0)
    assert np.all(np.abs(np.asarray(shown["slices"]) - slices) <= np.where(np.abs(slices) < 1, 5e-4, 5e-3) + 1e-9)
    # One sum per channel, the bias, the output value.
    xp = np.pad(X, ((padding, padding), (padding, padding), (0, 0)))
    patch = xp[r * stride:r * stride + 3, c * stride:c * stride + 3]
    per_channel = [np.sum(patch[:, :, k] * W[:, :, k, o]) for k in range(3)]
    np.testing.assert_allclose(shown["sums"], per_channel + [B[o], expected[r, c, o]], atol=1e-9)
    return r, c, o


def _slide(page, name, value):
    page.eval_on_selector(f".cnnw-chconv input[name='{name}']",
                          "(e, v) => { e.value = v; e.dispatchEvent(new Event('input')); }", value)


def test_clicks_keys_step_and_sliders(browser, page_url):
    page, problems = _open(browser, page_url)
    assert _check(page, 1, 1) == (0, 0, 0)
    text = page.locator(".cnnw-chconv [aria-live]").inner_text()
    assert "red" in page.locator(".cnnw-chconv").inner_text()

    page.click(".cnnw-chconv button[data-row='2'][data-col='3'][data-filter='1']")
    assert _check(page, 1, 1) == (2, 3, 1)
    assert page.locator(".cnnw-chconv [aria-live]").inner_text() != text

    page.keyboard.press("ArrowDown")  # the clicked button has the focus
    page.keyboard.press("ArrowLeft")
    assert _check(page, 1, 1) == (3, 2, 1)

    page.click(".cnnw-chconv button:has-text('Step')")
    assert _check(page, 1, 1) == (3, 3, 1)
    for _ in range(7):  # past the last cell of filter 1: back to filter 0
        page.click(".cnnw-chconv button:has-text('Step')")
    assert _check(page, 1, 1) == (0, 0, 0)

    page.click(".cnnw-chconv button:has-text('Play')")
    page.wait_for_function("document.querySelector('.cnnw-chconv-output button[aria-pressed=\"true\"]')"
                           ".dataset.col === '1'", timeout=5000)
    page.click(".cnnw-chconv button:has-text('Pause')")

    for padding, stride in ((0, 1), (2, 1), (1, 2), (2, 3), (0, 2)):
        _slide(page, "padding", padding)
        _slide(page, "stride", stride)
        _check(page, padding, stride)
    page.click(".cnnw-chconv button[data-row='1'][data-col='1'][data-filter='1']")
    assert _check(page, 0, 2) == (1, 1, 1)

    # Numbers: padded cells, tabular digits, at most 3 decimals, no overflow.
    cells = page.locator(".cnnw-chconv table.cnnw-grid td:not(:has(button))")
    pad_left, pad_right, variant = cells.first.evaluate(
        "c => { const s = getComputedStyle(c); return [s.paddingLeft, s.paddingRight, s.fontVariantNumeric]; }")
    assert float(pad_left[:-2]) >= 4 and float(pad_right[:-2]) >= 4 and "tabular-nums" in variant
    assert cells.evaluate_all("cs => cs.filter(c => c.scrollWidth > c.clientWidth).length") == 0
    for text in cells.all_inner_texts() + page.locator(".cnnw-chconv table.cnnw-grid button").all_inner_texts():
        assert re.fullmatch(r"-?\d+(\.\d{1,3})?", text.strip()), text
    assert problems == []


@pytest.mark.parametrize("width", [1280, 400])
def test_fits_the_column(browser, page_url, width, tmp_path):
    page, problems = _open(browser, page_url, width)
    for padding in (1, 2):  # 2: the largest padded input, 9x9, and the largest output, 7x7
        _slide(page, "padding", padding)
        overflow = page.evaluate("""() => { const r = document.querySelector('.cnnw-chconv');
            return [r.scrollWidth - r.clientWidth, document.scrollingElement.scrollWidth - innerWidth]; }""")
        assert overflow[0] <= 0 and overflow[1] <= 0, (width, padding, overflow)
    page.locator(".cnnw-chconv").screenshot(path=str(tmp_path / f"channel_conv_{width}.png"))
    assert problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_follows_the_theme(browser, page_url, scheme):
    page, problems = _open(browser, page_url, color_scheme=scheme)
    page.wait_for_function(f"document.documentElement.dataset.theme === '{scheme}'")
    assert theme_problems(page, scheme) == []
    # The tables follow it too: an input cell outside the window and the padding (not a light card in dark mode).
    cell = page.evaluate("""getComputedStyle(document.querySelector(
        '.cnnw-chconv-input td:not(.cnnw-in):not(.cnnw-padcell)')).backgroundColor""")
    rgb = [float(v) for v in cell[cell.index("(") + 1:-1].split(",")[:3]]
    assert (sum(rgb) / 3 > 128) == (scheme == "light"), cell
    assert problems == []
