"""A Sphinx extension for building the book: figures numbered per chapter, "Fig. 7.3".

Sphinx numbers figures per chapter only in a numbered table of contents, which would
number the chapters a second time: their titles already carry their numbers ("7. Your
first convnet"). So the numbers Sphinx assigns (1 to N across the book) are renumbered
here, once they are assigned: chapter number (from the page's title), then the figure's
place in that chapter. Captions and ``{numref}`` references both read them.
"""

import re


def chapter_number(title):
    """The number a chapter's title starts with, or None: "7. Your first convnet" gives 7.

    >>> chapter_number("7. Your first convnet (MNIST)"), chapter_number("Results")
    (7, None)
    """
    match = re.match(r"\s*(\d+)\.\s", title)
    return int(match.group(1)) if match else None


def _per_chapter(app, env):
    for docname, kinds in env.toc_fignumbers.items():
        chapter = chapter_number(env.titles[docname].astext()) if docname in env.titles else None
        if chapter is None:
            continue
        for kind, numbers in kinds.items():
            order = sorted(numbers, key=lambda ident: numbers[ident])
            kinds[kind] = {ident: (chapter, place) for place, ident in enumerate(order, start=1)}
    return []


def setup(app):
    # After Sphinx's own collector (priority 500) has assigned the book-wide numbers.
    app.connect("env-get-updated", _per_chapter, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
