"""What the widget frame-time benchmarks share: a widget's module as a plain script, run in Chromium.

Each benchmark mounts a widget on a stand-in for the Jupyter widget model in a blank page of
headless Chromium (Debian's /usr/bin/chromium, driven by Playwright, no network) and reads the
figures its script leaves in ``window.__result``.
"""

from playwright.sync_api import sync_playwright

from cnnbook.widgets._files import esm


def plain(name):
    """Widget module ``name`` exactly as it ships, turned into a plain script defining ``widget``."""
    module = esm(name).replace("export default { render };", "const widget = { render };")
    return module.replace("export function", "function").replace("export const", "const")


def run(page_script):
    """Run ``page_script`` in a blank page; return ``(window.__result, Chromium's version)``."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--host-resolver-rules=MAP * ~NOTFOUND"])
        page = browser.new_page()
        page.set_content("<!doctype html><html><body></body></html>")
        page.add_script_tag(content=page_script)
        page.wait_for_function("window.__result !== undefined", timeout=120_000)
        result = page.evaluate("window.__result")
        version = browser.version
        browser.close()
    return result, version
