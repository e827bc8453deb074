"""The widgets' JavaScript and style sheets, read from the files next to this one."""

import pathlib

HERE = pathlib.Path(__file__).parent


def esm(name):
    """Return widget module ``name`` preceded by ``dom.js``, the kit every widget uses.

    anywidget loads each widget as one self-contained ES module, so shared code is
    prepended here rather than imported.
    """
    return (HERE / "dom.js").read_text() + "\n" + (HERE / name).read_text()


def css(name=None):
    """Return ``widgets.css`` (the shared theme, light and dark), followed by style sheet
    ``name`` when the widget has one of its own."""
    sheets = ["widgets.css"] + ([name] if name else [])
    return "\n".join((HERE / sheet).read_text() for sheet in sheets)
