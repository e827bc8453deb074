"""A Sphinx extension for building the book: citations and reference lists in one
author–year style.

pybtex labels reference lists with short keys ("[Cho17]") while the text cited
"[Chollet, 2017]", so a reader followed a citation to a label that did not match it.
This registers a pybtex label style that writes author–year labels ("Chollet, 2017";
"LeCun et al., 1998a" and "1998b", on every page, for two works of one year) and a bibliography style,
``cnnbook`` (pybtex's ``plain`` with these labels). ``_config.yml`` names it in
``bibtex_default_style`` and cites with ``bibtex_reference_style: label``, so the
citation in the text and the label in the list are the same words.
"""

import pathlib

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def author_year(entry):
    """The label of ``entry`` as the text cites it: "Chollet, 2017", "Zeiler and Fergus,
    2014", "LeCun et al., 1998".

    >>> from pybtex.database import Entry, Person
    >>> entry = Entry("book", fields={"year": "2014"},
    ...               persons={"author": [Person("Zeiler, Matthew D."), Person("Fergus, Rob")]})
    >>> author_year(entry)
    'Zeiler and Fergus, 2014'
    """
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [" ".join(person.prelast_names + person.last_names) for person in people]
    names = [name.replace("{", "").replace("}", "") for name in names]
    if len(names) > 2:
        who = f"{names[0]} et al."
    else:
        who = " and ".join(names) or entry.fields.get("title", entry.key)
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


# Entry key -> "a", "b", ... for the works that share an author–year label in the book's
# bibliography, filled when the build starts (config-inited), so that a work has the same
# label on every page, whichever other works that page's list holds.
SUFFIXES = {}


def suffixes(entries):
    """Letters for the works in ``entries`` that share an author–year label, by title.

    >>> from pybtex.database import Entry, Person
    >>> def work(title):
    ...     return Entry("misc", fields={"year": "1998", "title": title},
    ...                  persons={"author": [Person("LeCun, Yann")]})
    >>> suffixes({"m": work("MNIST"), "g": work("Gradient"), "x": Entry("misc")})
    {'g': 'a', 'm': 'b'}
    """
    by_label = {}
    for key, entry in entries.items():
        by_label.setdefault(author_year(entry), []).append((entry.fields.get("title", ""), key))
    found = {}
    for works in by_label.values():
        if len(works) > 1:
            for letter, (_, key) in zip("abcdefghijklmnopqrstuvwxyz", sorted(works)):
                found[key] = letter
    return dict(sorted(found.items()))


class AuthorYearLabelStyle(BaseLabelStyle):
    """Author–year labels, with a, b, ... after the year for works that would share one."""

    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield author_year(entry) + SUFFIXES.get(entry.key, "")


def _read_bibliography(app, config):
    from pybtex.database import parse_file

    SUFFIXES.clear()
    for name in config.bibtex_bibfiles:
        SUFFIXES.update(suffixes(parse_file(pathlib.Path(app.srcdir) / name).entries))


class AuthorYearStyle(PlainStyle):
    default_label_style = "cnnbook_author_year"


def setup(app):
    register_plugin("pybtex.style.labels", "cnnbook_author_year", AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", "cnnbook", AuthorYearStyle)
    app.connect("config-inited", _read_bibliography)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
