"""What the browser tests share: Debian's Chromium driven by playwright, required in CI.

Import ``pytestmark`` in a browser test module: the module is skipped where
Chromium or playwright is missing, except in CI (``CI=true``), where it fails.
The ``browser`` fixture (tests/conftest.py) launches Chromium; ``widget_notebook``,
``build_page`` and ``open_offline`` make a one-page book of a widget and open it
with the network refused.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml

CHROMIUM = "/usr/bin/chromium"
ROOT = pathlib.Path(__file__).resolve().parent.parent


def browser_missing():
    """Say why the browser tests cannot run here, or return None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    return None


_missing = browser_missing()
if _missing and os.environ.get("CI") == "true":
    raise RuntimeError(f"browser test cannot run in CI: {_missing}")
pytestmark = pytest.mark.skipif(bool(_missing), reason=_missing or "")


def one_page_book(folder, page):
    """Lay out a one-page book in ``folder`` with the real ``_config.yml``, for a notebook named ``page``.

    Returns the parsed configuration. Copies what the configuration points to:
    ``vendor/`` (the widgets' JavaScript), ``book/`` (the Sphinx extensions), the
    stylesheet and the bibliography.
    """
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["only_build_toc_files"] = True
    (folder / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (folder / "_toc.yml").write_text(f"format: jb-book\nroot: {page}\n")
    shutil.copytree(ROOT / "vendor", folder / "vendor")
    # The build's Sphinx extensions, which _config.yml loads from the book's folder (local_extensions).
    shutil.copytree(ROOT / "book", folder / "book", ignore=shutil.ignore_patterns("__pycache__"))
    if (ROOT / "_static").is_dir():
        shutil.copytree(ROOT / "_static", folder / "_static")
    for name in config.get("bibtex_bibfiles", []):
        shutil.copy(ROOT / name, folder / name)
    return config


def widget_notebook(heading, sources):
    """A notebook laid out as the chapters are: the Colab install cell, a markdown ``heading``
    (the text after "# "), then one code cell per string of ``sources``."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nb.cells = [
        new_code_cell("# colab install cell (filled in by book.execute)", metadata={"tags": ["colab-install"]}),
        new_markdown_cell(f"# {heading}"),
        *(new_code_cell(source) for source in sources),
    ]
    return nb


def build_page(folder, name, notebook, timeout=120):
    """Execute ``notebook`` with the execute command as the only page of a book in ``folder``,
    build the book as `make book` does; return the path of the page's HTML file."""
    import nbformat

    from book.execute import execute

    config = one_page_book(folder, name)
    assert "nb_ipywidgets_js" in config["sphinx"]["config"], "_config.yml lacks the widget settings"
    path = folder / f"{name}.ipynb"
    nbformat.write(notebook, path)
    execute(path, timeout=timeout)
    jupyter_book = shutil.which("jupyter-book") or str(pathlib.Path(sys.executable).parent / "jupyter-book")
    out = folder / "out"
    result = subprocess.run([jupyter_book, "build", str(folder), "--path-output", str(out)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out / "_build" / "html" / f"{name}.html"


# The vendored widget manager's stylesheet names icon fonts the book does not ship (one of
# them under an "@jupyter-widgets/" path); Chromium asks for one only when a glyph falls back
# to it, now and then under load. No widget uses an icon font, so these requests are not problems.
ICON_FONT = re.compile(r"\.(woff2?|ttf|eot)$")


def open_offline(browser, url, *, width=1100, color_scheme="light"):
    """Open ``url`` in a new context with requests off the disk refused; return (page, problems).

    ``problems`` fills as the page runs: refused and failed requests (except icon fonts, above),
    console errors and page errors. Chromium's console line for a failed load is left out:
    the failed request itself is counted, with its address.
    """
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=color_scheme)
    problems = []

    def local_only(route):
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            problems.append(f"network request refused: {route.request.url}")
            route.abort()

    def failed(request):
        if not ICON_FONT.search(request.url):
            problems.append(f"request failed: {request.url}")

    def console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console error: {message.text}")

    context.route("**/*", local_only)
    page = context.new_page()
    page.on("requestfailed", failed)
    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.goto(url)
    return page, problems


def theme_problems(page, scheme):
    """Every widget on ``page`` (each ``.cnnw`` root) in the colours of ``scheme`` ("light" or
    "dark"): a light background and dark ink in light mode, the reverse in dark mode. Returns
    the widgets that are not, as (class, background, ink); [] when every one is."""
    colours = page.evaluate("""() => [...document.querySelectorAll('.cnnw')].map((w) => {
        const s = getComputedStyle(w); return [w.className, s.backgroundColor, s.color]; })""")
    assert colours, "no widget on the page"

    def light(colour):
        rgb = [float(v) for v in colour[colour.index("(") + 1:-1].split(",")[:3]]
        return sum(rgb) / 3 > 128

    return [(name, background, ink) for name, background, ink in colours
            if light(background) != (scheme == "light") or light(ink) != (scheme == "dark")]
