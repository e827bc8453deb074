"""Fixtures shared by the unit tests."""

import pytest


@pytest.fixture
def mixed_precision():
    """Keras' mixed_float16 policy for one test, then float32 again."""
    import keras

    keras.mixed_precision.set_global_policy("mixed_float16")
    yield
    keras.mixed_precision.set_global_policy("float32")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, with every host name unresolvable: the pages must need no network."""
    from browser import CHROMIUM
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--host-resolver-rules=MAP * ~NOTFOUND", "--no-sandbox"])
        yield chromium
        chromium.close()
