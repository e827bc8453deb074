"""A Sphinx extension for building the book: each page loads each script once.

Sphinx 7.4 (the series Jupyter Book 1 requires) lists an inline script twice
when an extension adds it after the builder has started, once under the name
``None`` and once under ``""``. sphinx-thebe's script declares a ``const``, so the
second copy is a console error on every page. This drops the repeats.
"""


def _drop_repeated_scripts(app, pagename, templatename, context, doctree):
    seen = set()
    unique = []
    for script in context.get("script_files", []):
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_repeated_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
