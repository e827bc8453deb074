// Shared by every cnnbook widget; each widget's module is this file followed by its own
// (anywidget loads one self-contained ES module per widget, so shared code cannot be imported).

/** Create an element: el("button", {class: "x", text: "Play", "aria-label": "..."}, child, ...). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}
