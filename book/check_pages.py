"""Open every page of the built book from disk in headless Chromium and report what a reader meets.

Usage: ``python -m book.check_pages [--widths 1280 400] [--details]`` after ``make book``.

For each page and width it counts console and page errors, requests that leave
the disk (the network is refused), output blocks and display equations wider
than their box, code cells that scroll sideways, whether the page itself is
wider than the window, and the figures: how many images are shown, how many
are numbered with a caption, the smallest scale at which one is shown, and
the images drawn more than 2% off their natural aspect ratio (squashed).
Exits with 1 when any page has an error, an external request, a cut-off
output, a squashed image or a page wider than the window.
"""

import argparse
import pathlib
import sys

import yaml
from playwright.sync_api import sync_playwright

ROOT = pathlib.Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"

MEASURE = """() => {
  const wide = e => e.scrollWidth > e.clientWidth + 1;
  const text = e => e.textContent.trim().slice(0, 60).replace(/\\s+/g, ' ');
  const outputs = [...document.querySelectorAll(
      '.cell_output pre, .cell_output .output, .cell_output .cnnw, .cell_output select')]
    .filter(wide).map(text);
  const equations = [...document.querySelectorAll('mjx-container[display="true"]')]
    .filter(wide).map(text);
  const code = [...document.querySelectorAll('.cell_input pre')];
  const images = [...document.querySelectorAll('.cell_output img')];
  const drawn = images.filter(i => i.naturalWidth > 0 && i.getBoundingClientRect().height > 0);
  const scales = drawn.map(i => i.getBoundingClientRect().width / (i.naturalWidth / 2));
  // How far each image is drawn from its own shape: drawn width/height over natural width/height.
  const shapes = drawn.map(i => {
    const box = i.getBoundingClientRect();
    return (box.width / box.height) / (i.naturalWidth / i.naturalHeight);
  });
  const squashed = drawn.map((img, k) => [img, shapes[k]]).filter(([, r]) => Math.abs(r - 1) > 0.02)
    .map(([img, r]) => `${(img.alt || img.src.split('/').pop()).slice(0, 50)}: drawn at ${(r * 100).toFixed(1)}% of its aspect ratio`);
  return {
    outputs, equations,
    code: code.length, code_wide: code.filter(wide).length,
    page_wide: document.scrollingElement.scrollWidth > window.innerWidth,
    images: images.length,
    numbered: document.querySelectorAll('figure .caption-number').length,
    no_alt: images.filter(i => !i.alt || /\\.(png|jpe?g|svg)$/i.test(i.alt)).length,
    min_scale: scales.length ? Math.min(...scales) : null,
    squashed,
    worst_shape: shapes.length ? Math.min(...shapes.map(r => Math.min(r, 1 / r))) : null,
    shrunk: [...document.querySelectorAll('[data-cnnbook-fit]')]
      .map(e => parseFloat(getComputedStyle(e).fontSize)),
  };
}"""


def pages():
    """The book's pages in table-of-contents order, as paths under _build/html."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return [pathlib.Path(name).with_suffix(".html") for name in names]


def shrunk_text(sizes):
    return f"{len(sizes)}, {min(sizes):.1f} px" if sizes else ""


def audit(html, widths):
    """Open each page of the book built in ``html`` at each width; yield what was found.

    Yields ``(width, page, found)`` for each page, where ``found`` holds the
    measurements of ``MEASURE`` and ``errors``, then ``(width, None, external)``
    with the requests that tried to leave the disk at that width.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        for width in widths:
            context = browser.new_context(viewport={"width": width, "height": 900})
            external = []

            def route(request_route, external=external):
                url = request_route.request.url
                if url.startswith(("file:", "data:", "blob:")):
                    request_route.continue_()
                else:
                    external.append(url)
                    request_route.abort()

            context.route("**/*", route)
            for name in pages():
                errors = []
                page = context.new_page()
                page.on("console", lambda m, e=errors: m.type == "error" and e.append(m.text))
                page.on("pageerror", lambda x, e=errors: e.append(str(x)))
                page.goto((html / name).as_uri())
                # Widgets render and MathJax typesets after the load event.
                page.wait_for_timeout(2500)
                found = page.evaluate(MEASURE)
                found["errors"] = errors
                page.close()
                yield width, name, found
            yield width, None, external
            context.close()
        browser.close()


def problems(found):
    """What a reader must not meet: errors, cut-off outputs, a page wider than the window,
    a figure drawn more than 2% off its own aspect ratio."""
    return (
        found["errors"]
        + found["outputs"]
        + found["squashed"]
        + (["page wider than window"] if found["page_wide"] else [])
    )


def check(widths, details):
    failed = False
    for width, name, found in audit(HTML, widths):
        if name is None:
            print(f"  external requests: {len(found)}")
            failed |= bool(found)
            continue
        if name == pages()[0]:
            print(
                f"\n{width} px: errors, cut-off outputs, wide equations, "
                "code scrolling/all, page wider than window, images numbered/all "
                "(without alt text), "
                "smallest image scale, images squashed (>2% off their aspect ratio, worst), "
                "text shrunk to fit (count, smallest px)"
            )
        scale, shape = found["min_scale"], found["worst_shape"]
        print(
            f"  {name!s:42} {len(found['errors']):2} {len(found['outputs']):3} "
            f"{len(found['equations']):3} {found['code_wide']:4}/{found['code']:<4}"
            f" {'WIDE' if found['page_wide'] else 'ok  '}"
            f" {found['numbered']:3}/{found['images']:<3}({found['no_alt']})"
            f" {'' if scale is None else f'{scale:.0%}':4}"
            f" {len(found['squashed']):3} {'' if shape is None else f'{shape:.0%}':4}"
            f" {shrunk_text(found['shrunk'])}"
        )
        if details:
            for item in found["errors"] + found["outputs"] + found["equations"] + found["squashed"]:
                print("      ", item)
        failed |= bool(problems(found))
    return failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[1280, 400])
    parser.add_argument("--details", action="store_true", help="print what overflows")
    args = parser.parse_args()
    if not HTML.is_dir():
        sys.exit(f"{HTML} does not exist: run `make book` first")
    sys.exit(1 if check(args.widths, args.details) else 0)


if __name__ == "__main__":
    main()
