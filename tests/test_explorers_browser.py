"""The optimizer and receptive-field explorers in headless Chromium, with no network.

* The receptive-field arithmetic of ``receptive_field.js`` (the ES module as
  it ships, imported into a blank page) against ``cnnbook.receptive_field``
  for every net of tests/test_receptive_field.py.
* Both widgets in a one-page book executed by ``book.execute`` and built
  with the project's ``_config.yml``: real pointer events (the mouse, and
  pen and touch pointer events) and the keyboard, both themes, a 400-pixel
  screen.

Needs Playwright and Debian's ``chromium``; skipped without them, except in CI.
The book build takes about a minute: run under the CPU lock.
"""

import base64
import os

import pytest

from cnnbook.widgets._files import esm

from browser import build_page, open_offline, pytestmark, theme_problems, widget_notebook  # noqa: F401  (skip or fail without Chromium)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="module")
def rf_module(browser):
    page = browser.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    source = base64.b64encode(esm("receptive_field.js").encode()).decode()
    page.evaluate("async (src) => { window.rf = await import('data:text/javascript;base64,' + src); }", source)
    return page


def _jsonable(rows):
    return [{k: (list(v) if isinstance(v, tuple) else v) for k, v in row.items()} for row in rows]


def test_javascript_fields_match_python(rf_module):
    from test_receptive_field import NETS

    from cnnbook.receptive_field import field_bounds, receptive_fields

    for name, make in NETS.items():
        rows = receptive_fields(make())
        table = [{k: v for k, v in row.items() if k not in ("size", "jump", "start")} for row in _jsonable(rows)]
        last = [rows[-1]["output"][0] - 1, rows[-1]["output"][1] - 1]
        js = rf_module.evaluate("""([table, last]) => { const f = rf.fieldTable(table);
            return [f.map((r) => [r.size, r.jump, r.start]), rf.bounds(f[f.length - 1], [0, 0]),
                    rf.bounds(f[f.length - 1], last)]; }""", [table, last])
        assert js[0] == [[list(r["size"]), list(r["jump"]), list(r["start"])] for r in rows], name
        assert js[1] == [list(b) for b in field_bounds(rows[-1], (0, 0))], name
        assert js[2] == [list(b) for b in field_bounds(rows[-1], last)], name


def _demo_notebook():
    return widget_notebook("Explorers", [
        "from cnnbook.widgets import OptimizerExplorer, ReceptiveFieldExplorer",
        "OptimizerExplorer('valley')",
        "import keras\nfrom cnnbook import datasets, models\n"
        "(x, y), _ = datasets.load_mnist()\nkeras.utils.set_random_seed(0)\nnet = models.chollet_convnet()\n"
        "ReceptiveFieldExplorer(net, x[:2], labels=['first', 'second'])",
    ])


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CNNBOOK_OFFLINE", "1")
        return build_page(tmp_path_factory.mktemp("explorers"), "explorers", _demo_notebook(), timeout=300).as_uri()


def _open(browser, url, **kwargs):
    page, problems = open_offline(browser, url, **kwargs)
    page.wait_for_selector(".cnnw-optim canvas.cnnw-optim-surface", timeout=30_000)
    page.wait_for_selector(".cnnw-rf canvas.cnnw-rf-units", timeout=30_000)
    return page, problems


def _losses(page):
    return page.locator(".cnnw-optim .cnnw-optim-loss").all_inner_texts()


def _start(page):
    text = page.locator(".cnnw-optim .cnnw-note").inner_text()
    x, y = text[text.index("(") + 1:text.index(")")].split(",")
    return float(x), float(y)


def test_drag_the_start_point(browser, page_url):
    from cnnbook.loss_surfaces import SURFACES

    page, problems = _open(browser, page_url)
    canvas = page.locator(".cnnw-optim canvas.cnnw-optim-surface")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    before = _losses(page)
    assert _start(page) == SURFACES["valley"]["start"]
    # Drag with the mouse to the point at 3/4 across, 1/4 down: x = 1, y = 2 on the valley's window.
    page.mouse.move(box["x"] + 0.1 * box["width"], box["y"] + 0.1 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.75 * box["width"], box["y"] + 0.25 * box["height"], steps=5)
    page.mouse.up()
    x, y = _start(page)
    assert abs(x - 1.0) < 0.03 and abs(y - 2.0) < 0.03, (x, y)
    assert _losses(page) != before
    # Pen and touch: synthetic pointer events of those types move it too.
    for kind, (fx, fy) in [("pen", (0.25, 0.75)), ("touch", (0.5, 0.5))]:
        canvas.evaluate("""(c, [x, y, kind]) => {
            const fire = (type) => c.dispatchEvent(new PointerEvent(type, {clientX: x, clientY: y, pointerId: 3,
              pointerType: kind, isPrimary: true, buttons: type === 'pointerup' ? 0 : 1, bubbles: true}));
            fire('pointerdown'); fire('pointermove'); fire('pointerup'); }""",
                        [box["x"] + fx * box["width"], box["y"] + fy * box["height"], kind])
        x, y = _start(page)
        assert abs(x - (-2 + 4 * fx)) < 0.03 and abs(y - (3 - 4 * fy)) < 0.03, (kind, x, y)
    # The keyboard: each arrow moves the start by a hundredth of the window.
    canvas.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowUp")
    assert _start(page) == (0.04, 1.04)
    assert problems == []


def test_controls(browser, page_url):
    page, problems = _open(browser, page_url)
    # Play animates the steps from 0.
    page.click(".cnnw-optim button.cnnw-play")
    page.wait_for_function("document.querySelector('.cnnw-optim input[name=frame]').value === '100'", timeout=10_000)
    # A learning rate too large makes SGD diverge, and the widget says so.
    lr = page.locator(".cnnw-optim input[name='lr-SGD']")
    lr.fill("0.2")
    lr.press("Enter")
    lr.blur()
    assert "SGD diverged" in page.locator(".cnnw-optim .cnnw-flag").inner_text()
    assert page.locator(".cnnw-optim .cnnw-optim-loss[data-optimizer='SGD']").inner_text().startswith("diverged")
    # A refused value is marked and changes nothing.
    lr.fill("-1")
    lr.press("Enter")
    assert lr.get_attribute("aria-invalid") == "true"
    # Another surface brings its own start and rates.
    page.select_option(".cnnw-optim select[name=surface]", "saddle")
    assert page.locator(".cnnw-optim input[name='lr-SGD']").input_value() == "0.05"
    assert page.locator(".cnnw-optim .cnnw-flag").inner_text() == ""
    # Hide an optimizer.
    page.uncheck(".cnnw-optim input[name='show-Adam']")
    assert "Adam" not in page.locator(".cnnw-optim .cnnw-note").inner_text()
    assert problems == []


def _rf_status(page):
    import json

    return json.loads(page.locator(".cnnw-rf .cnnw-rf-status").get_attribute("data-bounds"))


def test_pick_units(browser, page_url):
    from cnnbook import models
    from cnnbook.receptive_field import field_bounds, receptive_fields

    rows = {row["name"]: row for row in receptive_fields(models.chollet_convnet())}
    page, problems = _open(browser, page_url)
    units = page.locator(".cnnw-rf canvas.cnnw-rf-units")
    units.scroll_into_view_if_needed()
    # conv_3 is 3x3: click the bottom-right unit with the mouse.
    box = units.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 5 / 6, box["y"] + box["height"] * 5 / 6)
    assert _rf_status(page) == [list(b) for b in field_bounds(rows["conv_3"], (2, 2))]
    assert "theoretical field 18×18 pixels" in page.locator(".cnnw-rf .cnnw-rf-status").inner_text()
    # The keyboard moves the unit.
    units.focus()
    page.keyboard.press("ArrowUp")
    assert _rf_status(page) == [list(b) for b in field_bounds(rows["conv_3"], (1, 2))]
    # Another layer: conv_1 (26x26); the effective field shows the nearest stored unit, in its field.
    page.select_option(".cnnw-rf select[name=layer]", "conv_1")
    assert _rf_status(page) == [list(b) for b in field_bounds(rows["conv_1"], (1, 2))]
    heat = page.locator(".cnnw-rf canvas.cnnw-rf-heat")
    stored = [int(v) for v in heat.get_attribute("data-unit").split(",")]
    top, left, h, w = (int(v) for v in heat.get_attribute("data-box").split(","))
    (t, b), (l, r) = field_bounds(rows["conv_1"], stored)
    assert (top, left, h, w) == (max(t, 0), max(l, 0), min(b, 27) - max(t, 0) + 1, min(r, 27) - max(l, 0) + 1)
    # A touch on the image's centre picks the unit whose field is centred there.
    image = page.locator(".cnnw-rf canvas.cnnw-rf-image")
    image.evaluate("""(c, [fx, fy]) => { const b = c.getBoundingClientRect();
        c.dispatchEvent(new PointerEvent('pointerdown', {clientX: b.left + fx * b.width, clientY: b.top + fy * b.height,
          pointerId: 4, pointerType: 'touch', isPrimary: true, buttons: 1, bubbles: true})); }""",
                   [0.5, 0.5])
    centre = _rf_status(page)
    assert centre == [list(b) for b in field_bounds(rows["conv_1"], (13, 13))] or \
        centre == [list(b) for b in field_bounds(rows["conv_1"], (12, 12))], centre
    page.click(".cnnw-rf button[data-image='1']")
    assert page.locator(".cnnw-rf button[data-image='1']").get_attribute("aria-pressed") == "true"
    assert problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_follow_the_theme(browser, page_url, scheme):
    page, problems = _open(browser, page_url, color_scheme=scheme)
    page.wait_for_function(f"document.documentElement.dataset.theme === '{scheme}'")
    assert page.locator(".cnnw").count() == 2
    assert theme_problems(page, scheme) == []
    # The canvases take the theme's colours: an unselected cell of the layer's units.
    cell = page.evaluate("""() => { const c = document.querySelector('.cnnw-rf canvas.cnnw-rf-units');
        return Array.from(c.getContext('2d').getImageData(3, 3, 1, 1).data).slice(0, 3); }""")
    assert (sum(cell) / 3 > 128) == (scheme == "light"), cell
    assert problems == []


@pytest.mark.parametrize("width", [1100, 400])
def test_fit_the_column(browser, page_url, width):
    page, problems = _open(browser, page_url, width=width)
    for selector in (".cnnw-optim", ".cnnw-rf"):
        sizes = page.evaluate(f"""() => {{ const r = document.querySelector('{selector}');
            return [r.getBoundingClientRect().width, r.scrollWidth, r.clientWidth]; }}""")
        assert sizes[1] <= sizes[2] + 1, f"{selector} overflows at {width} px: {sizes}"
    assert problems == []
