"""The widgets' JavaScript, read from the files next to this one."""

import pathlib

HERE = pathlib.Path(__file__).parent


def esm(name):
    """Return widget module ``name`` preceded by ``dom.js``, the helpers every widget uses.

    anywidget loads each widget as one self-contained ES module, so shared code is
    prepended here rather than imported.
    """
    return (HERE / "dom.js").read_text() + "\n" + (HERE / name).read_text()
