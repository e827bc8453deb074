"""Chapter 4's channel explorer as the reader sees it: the numbers its JavaScript
displays, on the chapter's own crop, filters and biases, against Keras' Conv2D.

The chapter cannot check this itself: executing a notebook runs Python only, and
the widget computes what it shows in the browser. This test takes the widget's
input, filters, biases, padding and stride from the chapter's stored widget
state, builds a one-page book with the widget, opens it in headless Chromium and
reads every number of the output maps from the page. It needs Playwright and
Debian's ``chromium`` (skipped without them, except in CI) and Keras.
"""

import json
import pathlib

import numpy as np
import pytest

from browser import build_page, open_offline, widget_notebook
from browser import pytestmark as browser_only

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "chapters" / "04_channels.ipynb"


def chapter_widget_state():
    """The stored state of the chapter's one ChannelConvExplorer."""
    notebook = json.loads(CHAPTER.read_text())
    states = notebook["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    found = [s["state"] for s in states.values()
             if s["model_name"] == "AnyModel" and "filter_names" in s["state"]]
    assert len(found) == 1, f"expected one channel explorer in {CHAPTER.name}, found {len(found)}"
    return found[0]


def keras_output(state):
    """What Keras' Conv2D computes with the widget's input, filters, bias, padding and stride."""
    keras = pytest.importorskip("keras")
    x, w, b = (np.asarray(state[name], "float32") for name in ("x", "w", "b"))
    model = keras.Sequential([
        keras.Input(x.shape),
        keras.layers.ZeroPadding2D(state["padding"]),
        keras.layers.Conv2D(w.shape[3], w.shape[:2], strides=state["stride"], padding="valid"),
    ])
    model.layers[-1].set_weights([w, b])
    return keras.ops.convert_to_numpy(model(x[np.newaxis]))[0]


def test_the_chapter_stores_the_widget_on_its_crop():
    state = chapter_widget_state()
    x, w = np.asarray(state["x"]), np.asarray(state["w"])
    assert x.shape == (5, 5, 3) and w.shape == (3, 3, 3, 3)
    assert (state["padding"], state["stride"]) == (1, 1)
    # The stored Python output (conv.conv2d) is Keras' too.
    np.testing.assert_allclose(state["output"], keras_output(state), atol=1e-5)


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    """Execute and build a one-page book with the chapter's widget; return the page's file:// URL."""
    if browser_only.mark.args[0]:
        pytest.skip(browser_only.mark.kwargs["reason"])
    state = chapter_widget_state()
    source = (
        "import numpy as np\nfrom cnnbook.widgets import ChannelConvExplorer\n"
        f"ChannelConvExplorer(np.array({state['x']}), np.array({state['w']}), {state['b']},\n"
        f"    padding={state['padding']}, stride={state['stride']},\n"
        f"    channel_names={state['channel_names']}, filter_names={state['filter_names']})"
    )
    notebook = widget_notebook("Channels", [source])
    return build_page(tmp_path_factory.mktemp("book"), "channels", notebook).as_uri()


@browser_only
def test_the_numbers_the_reader_sees_are_keras_conv2d(browser, page_url):
    state = chapter_widget_state()
    expected = keras_output(state)
    page, problems = open_offline(browser, page_url)
    page.wait_for_selector(".cnnw-chconv", timeout=30_000)
    cells = page.evaluate("""() => [...document.querySelectorAll('.cnnw-chconv-output button')].map(b =>
        [+b.dataset.row, +b.dataset.col, +b.dataset.filter, +b.dataset.value, b.textContent])""")
    assert len(cells) == expected.size == 75
    shown, text = np.full(expected.shape, np.nan), np.full(expected.shape, np.nan)
    for r, c, o, value, label in cells:
        shown[r, c, o], text[r, c, o] = value, float(label)
    # The values the JavaScript computed, and the numbers printed on the buttons (2 decimals).
    np.testing.assert_allclose(shown, expected, atol=1e-5)
    np.testing.assert_allclose(text, expected, atol=0.005 + 1e-5)
    assert problems == []
