"""A Sphinx extension for building the book: reference lists labelled author–year.

The text cites in sphinxcontrib-bibtex's ``author_year`` style ("[Chollet, 2017]"),
but pybtex labels reference lists with short keys ("[Cho17]"), so a reader follows a
citation to a label that does not match it. This registers a pybtex label style that
writes the same words as the citation, and a bibliography style (``cnnbook``: pybtex's
``plain`` with these labels) for ``bibtex_default_style`` in ``_config.yml``.
"""

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


class AuthorYearLabelStyle(BaseLabelStyle):
    """Author–year labels; two works with the same label stay the same, as their citations are."""

    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield author_year(entry)


class AuthorYearStyle(PlainStyle):
    default_label_style = "cnnbook_author_year"


def setup(app):
    register_plugin("pybtex.style.labels", "cnnbook_author_year", AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", "cnnbook", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
