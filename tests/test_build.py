"""The HTML book as `make book` builds it: offline, cited, one search box.

The book is built once (from the stored outputs, warnings as errors) into a temporary folder,
so the checkout's _build is left alone; the checks then read the HTML.
"""

import os
import pathlib
import re
import subprocess
import sys

import pytest
from browser import browser_missing

ROOT = pathlib.Path(__file__).resolve().parent.parent
JUPYTER_BOOK = pathlib.Path(sys.executable).parent / "jupyter-book"

pytest.importorskip("jupyter_book")


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    result = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(ROOT), "-W", "--keep-going", "--all", "--path-output", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    warnings = [line for line in result.stdout.splitlines() + result.stderr.splitlines() if "WARNING" in line]
    assert result.returncode == 0 and not warnings, "\n".join(warnings) or result.stdout[-3000:]
    return out / "_build" / "html"


def _pages(html):
    return sorted(p for p in html.rglob("*.html") if "_static" not in p.parts)


def _bib_keys():
    return re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text(encoding="utf-8"), re.M)


def test_pages_load_nothing_from_the_network(html):
    """Scripts, styles, images and fonts come from the book itself (links to other sites are fine)."""
    remote = re.compile(
        r"""<(?:script|img|iframe)[^>]*\ssrc=["']https?:|<link[^>]*\shref=["']https?:""", re.I
    )
    for page in _pages(html):
        text = page.read_text(encoding="utf-8")
        assert not remote.search(text), page.relative_to(html)
        assert "unpkg.com" not in text and "cdn.jsdelivr" not in text, page.relative_to(html)


def test_no_thebe_launcher(html):
    for page in _pages(html):
        assert "thebe" not in page.read_text(encoding="utf-8").lower(), page.relative_to(html)


def test_search_works_from_disk_without_fetching_summaries(html):
    options = (html / "_static" / "documentation_options.js").read_text(encoding="utf-8")
    assert "SHOW_SEARCH_SUMMARY: false" in options


def test_one_search_box_and_the_book_stylesheet_on_every_page(html):
    for page in _pages(html):
        text = page.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in text.lower():  # index.html redirects to intro.html
            continue
        assert "_static/cnnbook.css" in text, page.relative_to(html)
        assert "_static/cnnbook.js" in text, page.relative_to(html)
        assert "navbar-persistent--container" not in text, page.relative_to(html)


def test_sources_page_lists_every_work(html):
    sources = (html / "sources.html").read_text(encoding="utf-8")
    listed = re.findall(r'<div class="citation" id="[^"]*" role="doc-biblioentry">', sources)
    assert len(listed) == len(_bib_keys()) == len(set(_bib_keys()))
    for name in ("naughty", "Chollet", "Taspinar", "Strika", "Dive into Deep Learning"):
        assert name in sources


def test_citations_link_to_references_on_their_own_page(html):
    """A chapter that cites ends with its own References list, and its citations point there."""
    for page in sorted((html / "chapters").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        citations = re.findall(r'<span class="bibtex-citation"[^>]*>(.*?)</span>', text, re.S)
        targets = [href for c in citations for href in re.findall(r'href="([^"]*)"', c)]
        if not targets:
            continue
        assert 'role="doc-biblioentry"' in text, f"{page.name} cites but has no References list"
        assert all(href.startswith("#") for href in targets), (page.name, targets)


def _need_browser():
    """Skip without Chromium and playwright, except in CI, where the test fails."""
    missing = browser_missing()
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run in CI: {missing}")
    if missing:
        pytest.skip(missing)


def _check_pages():
    """book/check_pages.py, the audit a developer runs by hand (``python -m book.check_pages``)."""
    from book import check_pages

    return check_pages


def test_every_page_reads_well_on_a_wide_screen_and_a_phone(html):
    """Every page opened from disk in Chromium at 1,280 and 400 px: no error, no request off the
    disk, no output, equation or code cut off behind a scrollbar, no page wider than the window."""
    _need_browser()
    check_pages = _check_pages()
    found_problems = []
    for width, name, found in check_pages.audit(html, [1280, 400]):
        if name is None:
            found_problems += [f"{width} px: request off the disk: {url}" for url in found]
            continue
        wide = check_pages.problems(found) + [f"equation: {e}" for e in found["equations"]]
        if found["code_wide"]:
            wide.append(f"{found['code_wide']} code cells scroll sideways")
        found_problems += [f"{width} px, {name}: {problem}" for problem in wide]
    assert not found_problems, "\n".join(found_problems)


def test_wrapped_code_keeps_its_text_for_copying(html):
    """cnnbook.js splits code into one block per line so wrapped lines can hang; the text a
    reader copies must stay the code itself, newlines and indentation included."""
    _need_browser()
    from playwright.sync_api import sync_playwright

    page_url = (html / "chapters" / "03_padding_and_stride.html").as_uri()
    code = "() => [...document.querySelectorAll('div.cell_input pre')].map(e => e.textContent)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        texts = {}
        for scripts in (False, True):
            context = browser.new_context(viewport={"width": 400, "height": 900}, java_script_enabled=scripts)
            page = context.new_page()
            page.goto(page_url)
            texts[scripts] = page.evaluate(code)
            lines = page.locator("div.cell_input pre .cnnbook-line").count()
            assert (lines > 0) == scripts
            context.close()
        browser.close()
    assert texts[True] == texts[False] and len(texts[True]) > 5


def test_citations_and_reference_lists_use_one_author_year_style(html):
    """The text cites "[Chollet, 2017]" and the reference list labels the work the same way."""
    page = (html / "chapters" / "07_first_convnet.html").read_text(encoding="utf-8")
    cited = {re.sub(r"<[^>]+>", "", text) for text in re.findall(
        r'<span class="bibtex-citation"[^>]*>\[<a [^>]*>(.*?)</a>\]</span>', page, re.S)}
    labels = {re.sub(r"<[^>]+>", "", text) for text in re.findall(
        r'role="doc-biblioentry">\s*<span class="label"><span class="fn-bracket">\[</span>(.*?)'
        r'<span class="fn-bracket">\]</span>', page, re.S)}
    # Two works of Chollet's from 2017 (the book and the Xception paper) are told apart as 2017a and 2017b.
    assert any(re.fullmatch(r"Chollet, 2017[a-z]?", c) for c in cited) and labels, (cited, labels)
    assert cited <= labels, (cited, labels)
    assert all(re.fullmatch(r".+, \d{4}[a-z]?", label) for label in labels), labels


def test_figures_are_numbered_per_chapter(html):
    for name, chapter in (("01_convolution_kernels", 1), ("07_first_convnet", 7)):
        page = (html / "chapters" / f"{name}.html").read_text(encoding="utf-8")
        numbers = re.findall(r'<span class="caption-number">Fig\. ([\d.]+) </span>', page)
        assert numbers and numbers == [f"{chapter}.{i}" for i in range(1, len(numbers) + 1)], numbers


def test_the_whole_table_of_contents_shows_at_1280_by_900(html):
    """Every chapter, the appendix and the back matter fit the sidebar without scrolling it.

    The solutions are one collapsed entry; links inside a collapsed entry are not shown, so they are not measured.
    """
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto((html / "chapters" / "14_what_convnets_learn.html").as_uri())
        shown = page.evaluate("""() => [...document.querySelectorAll('nav.bd-links a')]
            .filter((a) => a.checkVisibility())
            .map((a) => [a.textContent.trim(), a.getBoundingClientRect().bottom])""")
        browser.close()
    assert [name for name, _ in shown][-3:] == ["Solutions", "Results", "Sources"]
    assert all(bottom <= 900 for _, bottom in shown), shown
