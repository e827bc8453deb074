// cnnbook: what the pages add to sphinx-book-theme (loaded by html_js_files in _config.yml).
//
// Printed tables (Keras' model summaries) and display equations wider than the text
// column shrink to fit it, as the figures do on a narrow screen, instead of hiding
// their right-hand side behind a scrollbar. A reader who wants them larger zooms in.
// Equations shrink at most to 60% and then scroll inside their own box.

function fit(element, smallest) {
  // MathJax sets its own font size on each equation (e.g. 127.3%): start from that one.
  element.dataset.cnnbookSize ??= element.style.fontSize;
  element.style.fontSize = element.dataset.cnnbookSize;
  delete element.dataset.cnnbookFit;
  const size = parseFloat(getComputedStyle(element).fontSize);
  let scale = 1;
  // Padding does not shrink with the text, so a few steps get the width right.
  for (let step = 0; step < 4 && element.scrollWidth > element.clientWidth + 1; step++) {
    scale = Math.max(smallest, scale * (element.clientWidth / element.scrollWidth) - 0.005);
    element.style.fontSize = `${(size * scale).toFixed(2)}px`;
    element.dataset.cnnbookFit = scale.toFixed(2);
    if (scale === smallest) break;
  }
}

function fitAll() {
  for (const pre of document.querySelectorAll("div.cell_output pre")) fit(pre, 0.4);
  for (const math of document.querySelectorAll('mjx-container[display="true"]')) fit(math, 0.6);
}

// On a phone a 79-column line of code wraps (cnnbook.css). Each line becomes a block whose
// continuation rows are indented four columns past the line's own indentation, so a
// wrapped argument never looks like a new statement. The text itself, newlines
// included, is unchanged, so copying the cell copies the same code.
function hangCodeLines(pre) {
  const lines = [[]];
  for (const node of [...pre.childNodes]) {
    const parts = node.textContent.split("\n");
    parts.forEach((part, index) => {
      if (index > 0) lines.push([]);
      const text = index < parts.length - 1 ? `${part}\n` : part;
      if (!text) return;
      if (node.nodeType === Node.TEXT_NODE) lines.at(-1).push(document.createTextNode(text));
      else {
        const piece = node.cloneNode(false);
        piece.textContent = text;
        lines.at(-1).push(piece);
      }
    });
  }
  pre.replaceChildren(...lines.filter((nodes) => nodes.length).map((nodes) => {
    const line = document.createElement("span");
    line.className = "cnnbook-line";
    const indent = nodes.map((n) => n.textContent).join("").search(/\S|$/) + 4;
    line.style.paddingLeft = `${indent}ch`;
    line.style.textIndent = `-${indent}ch`;
    line.append(...nodes);
    return line;
  }));
}

// A figure is drawn to the column's width, which on a phone is half its size: a tap on it
// opens the image on its own, at full resolution, where the reader can zoom.
function openOnTap(img) {
  img.classList.add("cnnbook-zoomable");
  img.title ||= "Open the figure at full size";
  img.addEventListener("click", () => window.open(img.currentSrc || img.src, "_blank"));
}

// A deep link (page.html#heading) lands on its heading although the widgets render after
// the load event and push the text below them down: until the reader scrolls, clicks or
// types (at most 10 s), the target goes back to the top whenever the article's height
// changes. tests/test_browser.py opens such a link and checks where the heading is.
function holdDeepLink() {
  const id = decodeURIComponent(location.hash.slice(1));
  const target = id ? document.getElementById(id) : null;
  if (!target || !window.ResizeObserver) return;
  const article = document.querySelector(".bd-article") || document.body;
  const observer = new ResizeObserver(() => target.scrollIntoView());
  const events = ["wheel", "touchstart", "keydown", "mousedown"];
  const release = () => {
    observer.disconnect();
    for (const type of events) window.removeEventListener(type, release);
  };
  observer.observe(article);
  for (const type of events) window.addEventListener(type, release, { passive: true });
  setTimeout(release, 10000);
}

// Search results show a snippet of each page where the book is served over HTTP (as on
// GitHub Pages); opened from disk the browser refuses to fetch the pages the snippets come
// from, so there _config.yml's html_show_search_summary: false stands (titles only).
if (location.protocol !== "file:" && typeof DOCUMENTATION_OPTIONS !== "undefined") {
  DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = true;
}

document.addEventListener("DOMContentLoaded", () => {
  holdDeepLink();
  document.querySelectorAll("div.cell_input pre").forEach(hangCodeLines);
  for (const img of document.querySelectorAll("div.cell_output img")) {
    if (!img.closest(".jupyter-widgets, .widget-subarea, .cnnw")) openOnTap(img);
  }
});

window.addEventListener("load", () => {
  const typeset = window.MathJax?.startup?.promise ?? Promise.resolve();
  typeset.then(fitAll);
  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(fitAll, 100);
  });
});
