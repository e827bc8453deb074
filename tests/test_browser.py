"""The widgets in the static HTML book, in headless Chromium with no network.

A tiny book (one notebook with the three widgets, the project's own
``_config.yml`` and ``vendor/``) is executed the way the chapters are
(``book.execute``: nbclient with the widget state stored), built with
jupyter-book, and opened from disk. Every request that is not a local file is
refused, so the page must find require.js, the widget manager, anywidget and
MathJax in the book itself.

Needs Playwright (``pip install playwright``, no browser download) and Debian's
``chromium``. Without them the tests are skipped, except in CI (``CI=true``),
where they fail.
"""

import base64
import io
import pathlib
import re

import numpy as np
import pytest

from cnnbook.conv import conv_output_size, corr2d, maxpool_backward, pool2d
from cnnbook.kernels import named_kernels
from cnnbook.widgets.pooling import DEFAULT_VALUES

ROOT = pathlib.Path(__file__).resolve().parent.parent

# The inputs of the demo notebook, recomputed here for the numeric checks.
IMAGE = (np.random.default_rng(0).random((12, 16)) * 255).astype(np.uint8)
POOL_VALUES = np.array(DEFAULT_VALUES, float)  # what PoolingExplorer() shows


from browser import build_page, open_offline, pytestmark, theme_problems, widget_notebook  # noqa: E402,F401  (skip or fail without Chromium)


def _demo_notebook():
    from nbformat.v4 import new_markdown_cell

    notebook = widget_notebook(
        "Widgets\n\nThe output size is $o = \\lfloor (n + 2p - d(k-1) - 1)/s \\rfloor + 1$.",
        ["import numpy as np\nfrom cnnbook.widgets import KernelExplorer, ConvArithmeticExplorer, PoolingExplorer",
         "image = (np.random.default_rng(0).random((12, 16)) * 255).astype(np.uint8)\n"
         "KernelExplorer(image, 'sharpen')",
         "ConvArithmeticExplorer(input_size=5, kernel_size=3, padding=1, stride=2)",
         "PoolingExplorer()",
         "import keras\nfrom cnnbook.widgets import FeatureMapExplorer\n"
         "net = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(3, 3, name='conv')])\n"
         "FeatureMapExplorer(net, np.random.default_rng(1).random((2, 8, 8)), labels=['a', 'b'])"])
    # A heading below every widget, with text enough under it to scroll it to the top (deep links).
    notebook.cells.append(new_markdown_cell("## Below the widgets\n\n" + "A line of text.\n\n" * 60))
    return notebook


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    """Execute and build the one-page book; return the page's file:// URL."""
    return build_page(tmp_path_factory.mktemp("book"), "widgets", _demo_notebook()).as_uri()


def _open(browser, url, color_scheme="light", width=1100):
    """Open `url` with the network off once the widgets and the math are drawn; return (page, problems)."""
    page, problems = open_offline(browser, url, color_scheme=color_scheme, width=width)
    page.wait_for_selector(".cnnw-kernel", timeout=30_000)
    page.wait_for_selector(".cnnw-arith", timeout=10_000)
    page.wait_for_selector(".cnnw-pool", timeout=10_000)
    page.wait_for_selector(".cnnw-fm", timeout=10_000)
    page.wait_for_selector("mjx-container", timeout=10_000)
    return page, problems


def _shown_value(page):
    strong = page.locator(".cnnw-kernel .cnnw-value")
    return (int(strong.get_attribute("data-row")), int(strong.get_attribute("data-col")),
            float(strong.get_attribute("data-value")), float(strong.inner_text()))


def _output_gray_levels(page, shape=IMAGE.shape):
    """The output canvas, one gray level per image pixel (block centres)."""
    return np.array(page.evaluate("""() => {
        const c = document.querySelector('.cnnw-output-canvas');
        const s = c.width / %d, d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const rows = [];
        for (let r = 0; r < %d; r++) { const row = [];
          for (let k = 0; k < %d; k++) {
            const x = Math.floor((k + 0.5) * s), y = Math.floor((r + 0.5) * s);
            row.push(d[(y * c.width + x) * 4]); }
          rows.push(row); }
        return rows; }""" % (shape[1], shape[0], shape[1])))


def _check_kernel_explorer(page, kernel, image=IMAGE):
    expected = corr2d(image.astype(np.float64), kernel, padding="same")
    row, col, value, text = _shown_value(page)
    assert abs(value - expected[row, col]) < 1e-4
    assert abs(text - expected[row, col]) < 1e-4
    # The whole output image, clipped to [0, 255]; skip the pixels under the
    # selection box, which is drawn over them (a 3-pixel line: on images
    # shown at one canvas pixel per image pixel it covers 3 pixels around).
    gray = _output_gray_levels(page, image.shape).astype(float)
    want = np.clip(expected, 0, 255)
    mask = np.ones_like(want, bool)
    mask[max(row - 3, 0):row + 4, max(col - 3, 0):col + 4] = False
    assert np.max(np.abs(gray - want)[mask]) <= 1.0


def test_kernel_explorer(browser, page_url):
    page, problems = _open(browser, page_url)
    kernels = named_kernels()
    _check_kernel_explorer(page, kernels["sharpen"])

    page.select_option(".cnnw-kernel select[aria-label='Kernel preset']", "sobel_v")
    _check_kernel_explorer(page, kernels["sobel_v"])

    # Type into one kernel cell: the output follows.
    page.fill(".cnnw-kernel input[aria-label='Kernel row 2 column 2']", "3")
    edited = kernels["sobel_v"].copy()
    edited[1, 1] = 3
    _check_kernel_explorer(page, edited)

    # Keyboard: arrow keys move the window.
    row, col, _, _ = _shown_value(page)
    page.focus(".cnnw-input-canvas")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    assert _shown_value(page)[:2] == (row + 1, col + 1)
    _check_kernel_explorer(page, edited)
    # The table of products adds up to the value shown.
    products = [float(t) for t in page.locator(".cnnw-kernel table[aria-label='Element-wise products'] td").all_inner_texts()]
    assert abs(sum(products) - _shown_value(page)[2]) < 0.05  # products are shown rounded

    page.click(".cnnw-kernel button:has-text('Step')")
    assert _shown_value(page)[:2] == (row + 1, col + 2)
    _check_number_tables(page, ".cnnw-kernel")
    assert problems == []


def _check_number_tables(page, widget):
    """Table cells are padded, use tabular digits, hold their text without
    overflow and show at most 3 decimals."""
    cells = page.locator(f"{widget} table.cnnw-grid td:not(:has(input)):not(:has(button))")
    assert cells.count() > 0
    styles = cells.first.evaluate(
        "c => { const s = getComputedStyle(c); return [s.paddingLeft, s.paddingRight, s.fontVariantNumeric]; }")
    assert float(styles[0][:-2]) >= 4 and float(styles[1][:-2]) >= 4
    assert "tabular-nums" in styles[2]
    overflowing = cells.evaluate_all("cs => cs.filter(c => c.scrollWidth > c.clientWidth).length")
    assert overflowing == 0
    for text in cells.all_inner_texts() + page.locator(f"{widget} table.cnnw-grid button").all_inner_texts():
        assert re.fullmatch(r"-?\d+(\.\d{1,3})?", text.strip()), text


def _png(rgb):
    """PNG file bytes of an (H, W, 3) uint8 array."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def _gray(rgb):
    """What the widget makes of RGB pixels: rgb2gray weights, rounded half up."""
    rgb = rgb.astype(np.float64)
    return np.floor(0.2125 * rgb[..., 0] + 0.7154 * rgb[..., 1] + 0.0721 * rgb[..., 2] + 0.5)


def _wait_for_shape(page, shape):
    page.wait_for_function("document.querySelector('.cnnw-kernel').dataset.imageShape === '%dx%d'" % shape,
                           timeout=10_000)


def test_kernel_explorer_takes_the_readers_image(browser, page_url, tmp_path):
    page, problems = _open(browser, page_url)
    kernels = named_kernels()
    assert page.locator(".cnnw-kernel button:has-text('Original image')").is_hidden()

    # Picked with the file input: a small colour PNG, converted to gray in the
    # browser; the convolution matches cnnbook.conv on the same gray image.
    rgb = np.random.default_rng(1).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    png = tmp_path / "mine.png"
    png.write_bytes(_png(rgb))
    page.set_input_files(".cnnw-kernel input[type='file']", str(png))
    _wait_for_shape(page, (20, 30))
    assert "mine.png" in page.locator(".cnnw-kernel .cnnw-note").first.inner_text()
    assert _shown_value(page)[:2] == (10, 15)
    _check_kernel_explorer(page, kernels["sharpen"], _gray(rgb))
    page.select_option(".cnnw-kernel select[aria-label='Kernel preset']", "sobel_h")
    _check_kernel_explorer(page, kernels["sobel_h"], _gray(rgb))
    page.focus(".cnnw-input-canvas")
    page.keyboard.press("ArrowLeft")
    _check_kernel_explorer(page, kernels["sobel_h"], _gray(rgb))

    # Dropped on the widget: a large one is scaled to 512 pixels a side.
    big = np.empty((40, 600, 3), np.uint8)
    big[...] = (200, 100, 50)
    page.evaluate("""(b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([bytes], "dropped.png", { type: "image/png" }));
        document.querySelector(".cnnw-kernel").dispatchEvent(
            new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    }""", base64.b64encode(_png(big)).decode())
    _wait_for_shape(page, (34, 512))
    note = page.locator(".cnnw-kernel .cnnw-note").first.inner_text()
    assert "dropped.png" in note and "scaled from 600×40" in note
    _check_kernel_explorer(page, kernels["sobel_h"], _gray(big[:34, :512]))

    # Not an image: said so, and the image stays.
    page.set_input_files(".cnnw-kernel input[type='file']",
                         files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}])
    page.wait_for_selector(".cnnw-kernel .cnnw-flag.cnnw-bad")
    assert "not an image" in page.locator(".cnnw-kernel .cnnw-flag.cnnw-bad").inner_text()
    _wait_for_shape(page, (34, 512))

    # Back to the notebook's image.
    page.click(".cnnw-kernel button:has-text('Original image')")
    _wait_for_shape(page, IMAGE.shape)
    _check_kernel_explorer(page, kernels["sobel_h"])
    assert problems == []


def _slide(page, selector, value):
    """Move a range slider as a drag would: set it and fire its input event."""
    page.eval_on_selector(selector, "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
                          str(value))


def _shown_output_size(page):
    size = page.locator(".cnnw-arith .cnnw-formula").get_attribute("data-output-size")
    return int(size) if size else None


def test_conv_arithmetic_explorer(browser, page_url):
    page, problems = _open(browser, page_url)
    assert _shown_output_size(page) == conv_output_size(5, 3, padding=1, stride=2) == 3
    assert page.locator(".cnnw-arith rect.cnnw-c-out").count() == 9
    assert page.locator(".cnnw-arith rect.cnnw-c-tap").count() == 9

    page.focus(".cnnw-arith input[name='stride']")
    page.keyboard.press("ArrowLeft")  # stride 2 -> 1
    assert _shown_output_size(page) == conv_output_size(5, 3, padding=1, stride=1) == 5
    assert page.locator(".cnnw-arith rect.cnnw-c-out").count() == 25

    _slide(page, ".cnnw-arith input[name='dilation']", 2)
    assert _shown_output_size(page) == conv_output_size(5, 3, padding=1, dilation=2) == 3

    _slide(page, ".cnnw-arith input[name='padding']", 0)
    _slide(page, ".cnnw-arith input[name='kernel_size']", 4)
    assert _shown_output_size(page) is None  # spans 7 > 5: flagged, not drawn
    assert "Impossible" in page.locator(".cnnw-arith .cnnw-flag.cnnw-bad").inner_text()
    assert page.locator(".cnnw-arith rect.cnnw-c-out").count() == 0

    _slide(page, ".cnnw-arith input[name='dilation']", 1)
    page.check(".cnnw-arith input[name='transposed']")
    assert _shown_output_size(page) == (5 - 1) * 1 + 4 == 8

    # Keyboard and the play control move the highlighted output cell.
    page.focus(".cnnw-arith svg")
    page.keyboard.press("ArrowRight")
    assert page.locator(".cnnw-arith rect.cnnw-c-out.cnnw-on").get_attribute("data-index") == "1"
    page.click(".cnnw-arith button:has-text('Step')")
    assert page.locator(".cnnw-arith rect.cnnw-c-out.cnnw-on").get_attribute("data-index") == "2"

    # Transposed: the TensorFlow.js article's 2x2 -> 4x4 is p 0 (two zeros
    # drawn around the input); its "padding 2" typed as p 2 would give 0x0
    # (and n 1 gives -1x-1): flagged as impossible, nothing drawn.
    for name, value in (("input_size", 2), ("kernel_size", 3), ("padding", 0), ("stride", 1)):
        _slide(page, f".cnnw-arith input[name='{name}']", value)
    assert _shown_output_size(page) == 4
    assert page.locator(".cnnw-arith rect.cnnw-c-out").count() == 16
    assert page.locator(".cnnw-arith rect.cnnw-c-pad").count() == 6 * 6 - 2 * 2
    for n, shown in ((2, 0), (1, -1)):
        _slide(page, ".cnnw-arith input[name='input_size']", n)
        _slide(page, ".cnnw-arith input[name='padding']", 2)
        assert _shown_output_size(page) is None
        flag = page.locator(".cnnw-arith .cnnw-flag.cnnw-bad").inner_text()
        assert "Impossible" in flag and f"{shown}×{shown}" in flag
        assert page.locator(".cnnw-arith rect.cnnw-c-out").count() == 0
    assert problems == []


def _svg_fits(page):
    """(drawing width, box width) of the arithmetic explorer, in CSS pixels."""
    return page.evaluate("""() => {
        const root = document.querySelector('.cnnw-arith');
        const svg = root.querySelector('svg');
        const style = getComputedStyle(root);
        const inner = root.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return [svg.getBoundingClientRect().width, inner, root.scrollWidth - root.clientWidth]; }""")


@pytest.mark.parametrize("width", [1100, 400])
def test_conv_arithmetic_drawing_fits_the_column(browser, page_url, width):
    page, problems = _open(browser, page_url)
    page.set_viewport_size({"width": width, "height": 900})
    # Small settings: drawn at natural size (cells not blown up) within the box.
    drawn, box, overflow = _svg_fits(page)
    assert drawn <= box + 0.5 and overflow <= 0
    # Every slider at its maximum, plain and transposed: the drawing shrinks.
    for name in ("input_size", "kernel_size", "padding", "stride", "dilation"):
        _slide(page, f".cnnw-arith input[name='{name}']", 99)  # clamped to the maximum
    for transposed, dilation in ((True, 4), (False, 3)):  # the largest drawings
        page.set_checked(".cnnw-arith input[name='transposed']", transposed)
        _slide(page, ".cnnw-arith input[name='dilation']", dilation)
        assert _shown_output_size(page) == (68 if transposed else 2)
        drawn, box, overflow = _svg_fits(page)
        assert drawn <= box + 0.5 and overflow <= 0, (drawn, box, overflow)
    assert problems == []


def _pool_outputs(page):
    buttons = page.locator(".cnnw-pool .cnnw-pool-output button")
    cells = [(int(b.get_attribute("data-row")), int(b.get_attribute("data-col")), float(b.get_attribute("data-value")))
             for b in buttons.all()]
    out = np.zeros((max(c[0] for c in cells) + 1, max(c[1] for c in cells) + 1))
    for r, c, v in cells:
        out[r, c] = v
    return out


def _pool_gradient(page):
    values = [float(v) for v in page.locator(".cnnw-pool .cnnw-pool-grad td").evaluate_all(
        "cells => cells.map(c => c.dataset.value)")]
    return np.array(values).reshape(POOL_VALUES.shape)


def test_pooling_explorer(browser, page_url):
    page, problems = _open(browser, page_url)
    np.testing.assert_allclose(_pool_outputs(page), pool2d(POOL_VALUES, 2, 2), atol=1e-4)

    page.check(".cnnw-pool input[name='all']")
    ones = np.ones((3, 3))
    np.testing.assert_allclose(_pool_gradient(page), maxpool_backward(POOL_VALUES, ones, 2, 2), atol=1e-4)

    page.click(".cnnw-pool button[data-mode='avg']")
    np.testing.assert_allclose(_pool_outputs(page), pool2d(POOL_VALUES, 2, 2, mode="avg"), atol=1e-4)
    np.testing.assert_allclose(_pool_gradient(page), np.full(POOL_VALUES.shape, 0.25), atol=1e-4)

    _slide(page, ".cnnw-pool input[name='size']", 3)
    _slide(page, ".cnnw-pool input[name='stride']", 1)
    np.testing.assert_allclose(_pool_outputs(page), pool2d(POOL_VALUES, 3, 1, mode="avg"), atol=1e-4)

    # One output cell's gradient, chosen with the keyboard.
    page.click(".cnnw-pool button[data-mode='max']")
    page.uncheck(".cnnw-pool input[name='all']")
    page.focus(".cnnw-pool .cnnw-pool-output button[aria-pressed='true']")
    page.keyboard.press("ArrowDown")
    pressed = page.locator(".cnnw-pool .cnnw-pool-output button[aria-pressed='true']")
    assert (pressed.get_attribute("data-row"), pressed.get_attribute("data-col")) == ("1", "0")
    upstream = np.zeros((4, 4))
    upstream[1, 0] = 1
    np.testing.assert_allclose(_pool_gradient(page), maxpool_backward(POOL_VALUES, upstream, 3, 1), atol=1e-4)
    page.click(".cnnw-pool button[data-mode='avg']")
    page.check(".cnnw-pool input[name='all']")  # fractions such as 0.111 and 0.222
    _check_number_tables(page, ".cnnw-pool")
    assert problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_widgets_follow_the_theme(browser, page_url, scheme, tmp_path):
    page, problems = _open(browser, page_url, color_scheme=scheme)
    page.wait_for_function("document.documentElement.dataset.theme === '%s'" % scheme)
    assert page.locator(".cnnw").count() == 4
    assert theme_problems(page, scheme) == []
    # No light card behind a widget in dark mode (the theme's default for widgets).
    cards = page.evaluate("""() => [...document.querySelectorAll('.widget-subarea')].map(
        (e) => getComputedStyle(e).backgroundColor)""")
    for card in cards:
        parts = [float(v) for v in card[card.index("(") + 1:-1].split(",")]
        assert len(parts) == 4 and parts[3] == 0 or (sum(parts[:3]) / 3 > 128) == (scheme == "light"), card
    page.screenshot(path=str(tmp_path / f"widgets-{scheme}.png"), full_page=True)
    assert problems == []


@pytest.mark.parametrize("width", [1280, 400])
def test_kernel_explorer_input_and_output_side_by_side(browser, page_url, width):
    """Before and after next to each other on a wide screen; stacked on a phone, without overflow."""
    page, problems = _open(browser, page_url, width=width)
    tops = page.evaluate("""() => ['.cnnw-input-canvas', '.cnnw-output-canvas'].map(
        (s) => document.querySelector(s).getBoundingClientRect().top)""")
    if width > 1000:
        assert abs(tops[0] - tops[1]) < 1, tops
    else:
        assert tops[1] > tops[0] + 50, tops
    overflow = page.evaluate("() => { const r = document.querySelector('.cnnw-kernel'); return r.scrollWidth - r.clientWidth; }")
    assert overflow <= 0
    assert problems == []


def test_widgets_keep_the_focus_after_a_click(browser, page_url):
    """A click on a widget's cell leaves the keyboard focus in the widget, so the arrow keys go on working."""
    page, problems = _open(browser, page_url)
    inside = "(w) => document.querySelector(w).contains(document.activeElement)"
    page.click(".cnnw-pool .cnnw-pool-output button[data-row='1'][data-col='1']")
    assert page.evaluate(inside, ".cnnw-pool")
    page.keyboard.press("ArrowUp")
    pressed = page.locator(".cnnw-pool .cnnw-pool-output button[aria-pressed='true']")
    assert (pressed.get_attribute("data-row"), pressed.get_attribute("data-col")) == ("0", "1")
    page.click(".cnnw-fm .cnnw-fm-cell >> nth=1")
    assert page.evaluate(inside, ".cnnw-fm")
    assert page.locator(".cnnw-fm .cnnw-fm-cell >> nth=1").get_attribute("aria-pressed") == "true"
    page.click(".cnnw-kernel .cnnw-output-canvas")
    assert page.evaluate(inside, ".cnnw-kernel")
    page.click(".cnnw-arith svg.cnnw-arith-svg .cnnw-c-out >> nth=1")
    assert page.evaluate(inside, ".cnnw-arith")
    assert problems == []


def test_deep_link_below_the_widgets_lands_on_its_heading(browser, page_url):
    """The widgets render after the load event and push the text down; a link to a heading below
    them must still show that heading at the top of the window once they have rendered."""
    page, problems = open_offline(browser, page_url + "#below-the-widgets")
    page.wait_for_selector(".cnnw-fm", timeout=30_000)
    page.wait_for_timeout(1500)
    top = page.evaluate("() => document.getElementById('below-the-widgets').getBoundingClientRect().top")
    assert -5 <= top <= 120, top
    assert problems == []
