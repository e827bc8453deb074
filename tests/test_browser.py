"""The widgets in the static HTML book, in headless Chromium with no network.

A tiny book (one notebook with the three widgets, the project's own
``_config.yml`` and ``vendor/``) is executed the way the chapters are
(``cnnbook.execute``: nbclient with the widget state stored), built with
jupyter-book, and opened from disk. Every request that is not a local file is
refused, so the page must find require.js, the widget manager, anywidget and
MathJax in the book itself.

Needs Playwright (``pip install playwright``, no browser download) and Debian's
``chromium``. Without them the tests are skipped, except in CI (``CI=true``),
where they fail.
"""

import os
import pathlib
import shutil
import subprocess
import sys

import nbformat
import numpy as np
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from cnnbook.conv import conv_output_size, corr2d, maxpool_backward, pool2d
from cnnbook.kernels import named_kernels
from cnnbook.widgets.pooling import DEFAULT_VALUES

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"

# The inputs of the demo notebook, recomputed here for the numeric checks.
IMAGE = (np.random.default_rng(0).random((12, 16)) * 255).astype(np.uint8)
POOL_VALUES = np.array(DEFAULT_VALUES, float)  # what PoolingExplorer() shows


def _browser_missing():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    return None


_missing = _browser_missing()
if _missing and os.environ.get("CI") == "true":
    raise RuntimeError(f"browser test cannot run in CI: {_missing}")
pytestmark = pytest.mark.skipif(bool(_missing), reason=_missing or "")


def _demo_notebook():
    nb = new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nb.cells = [
        new_code_cell("# colab install cell (filled in by cnnbook.execute)", metadata={"tags": ["colab-install"]}),
        new_markdown_cell("# Widgets\n\nThe output size is $o = \\lfloor (n + 2p - d(k-1) - 1)/s \\rfloor + 1$."),
        new_code_cell("import numpy as np\nfrom cnnbook.widgets import KernelExplorer, ConvArithmeticExplorer, PoolingExplorer"),
        new_code_cell("image = (np.random.default_rng(0).random((12, 16)) * 255).astype(np.uint8)\n"
                      "KernelExplorer(image, 'sharpen')"),
        new_code_cell("ConvArithmeticExplorer(input_size=5, kernel_size=3, padding=1, stride=2)"),
        new_code_cell("PoolingExplorer()"),
    ]
    return nb


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    """Execute and build the one-page book; return the page's file:// URL."""
    from cnnbook.execute import execute

    book = tmp_path_factory.mktemp("book")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    sphinx_config = config.get("sphinx", {}).get("config", {})
    assert "nb_ipywidgets_js" in sphinx_config, "_config.yml lacks the widget settings (sphinx: config: nb_ipywidgets_js)"
    config["only_build_toc_files"] = True
    (book / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (book / "_toc.yml").write_text("format: jb-book\nroot: widgets\n")
    shutil.copytree(ROOT / "vendor", book / "vendor")
    notebook = book / "widgets.ipynb"
    nbformat.write(_demo_notebook(), notebook)
    execute(notebook, timeout=120)
    jupyter_book = shutil.which("jupyter-book") or str(pathlib.Path(sys.executable).parent / "jupyter-book")
    out = book / "out"
    result = subprocess.run([jupyter_book, "build", str(book), "--path-output", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return (out / "_build" / "html" / "widgets.html").as_uri()


def _open(browser, url, color_scheme="light"):
    """Open `url` with the network off; return (page, problems seen so far)."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, color_scheme=color_scheme)

    def local_only(route):
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            problems.append(f"network request refused: {route.request.url}")
            route.abort()

    problems = []
    context.route("**/*", local_only)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.goto(url)
    page.wait_for_selector(".cnnw-kernel", timeout=30_000)
    page.wait_for_selector(".cnnw-arith", timeout=10_000)
    page.wait_for_selector(".cnnw-pool", timeout=10_000)
    page.wait_for_selector("mjx-container", timeout=10_000)
    return page, problems


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--host-resolver-rules=MAP * ~NOTFOUND", "--no-sandbox"],
        )
        yield browser
        browser.close()


def _shown_value(page):
    strong = page.locator(".cnnw-kernel .cnnw-value")
    return (int(strong.get_attribute("data-row")), int(strong.get_attribute("data-col")),
            float(strong.get_attribute("data-value")), float(strong.inner_text()))


def _output_gray_levels(page):
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
        return rows; }""" % (IMAGE.shape[1], IMAGE.shape[0], IMAGE.shape[1])))


def _check_kernel_explorer(page, kernel):
    expected = corr2d(IMAGE.astype(np.float64), kernel, padding="same")
    row, col, value, text = _shown_value(page)
    assert abs(value - expected[row, col]) < 1e-4
    assert abs(text - expected[row, col]) < 1e-4
    # The whole output image, clipped to [0, 255]; skip the pixel under the
    # selection box, which is drawn over it.
    gray = _output_gray_levels(page).astype(float)
    want = np.clip(expected, 0, 255)
    mask = np.ones_like(want, bool)
    mask[row, col] = False
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
    assert problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_widgets_follow_the_theme(browser, page_url, scheme, tmp_path):
    page, problems = _open(browser, page_url, color_scheme=scheme)
    page.wait_for_function("document.documentElement.dataset.theme === '%s'" % scheme)
    background = page.evaluate("getComputedStyle(document.querySelector('.cnnw-pool')).backgroundColor")
    rgb = [int(v) for v in background[background.index("(") + 1:-1].split(",")[:3]]
    assert (sum(rgb) / 3 > 128) == (scheme == "light"), background
    page.screenshot(path=str(tmp_path / f"widgets-{scheme}.png"), full_page=True)
    assert problems == []
