"""Dependencies: the build stack is locked and installed at those versions; the package's ranges keep Colab's."""

import importlib.metadata
import pathlib
import re
import tomllib

from packaging.requirements import Requirement

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOCK = ROOT / "constraints-book.txt"


def _pins():
    lines = LOCK.read_text().splitlines()
    pins = [re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", line) for line in lines if line and line[0] != "#"]
    assert all(pins), "every line of constraints-book.txt is a comment or an exact pin"
    return {match[1]: match[2] for match in pins}


def test_the_lock_pins_the_build_stack():
    pinned = {name.lower().replace("_", "-") for name in _pins()}
    for name in ("jupyter-book", "sphinx", "myst-nb", "myst-parser", "sphinx-book-theme",
                 "pydata-sphinx-theme", "sphinxcontrib-bibtex", "docutils", "pybtex"):
        assert name in pinned, f"{name} is not pinned in constraints-book.txt"


def test_installed_versions_are_the_locked_ones():
    drift = {name: (importlib.metadata.version(name), wanted) for name, wanted in _pins().items()
             if importlib.metadata.version(name) != wanted}
    assert drift == {}, f"installed vs locked, reinstall with `make test`: {drift}"


def test_anywidget_range_keeps_colabs_copy_and_the_vendored_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    anywidget = next(Requirement(r) for r in project["dependencies"] if r.startswith("anywidget"))
    # 0.9.18: the vendored JavaScript; 0.9.21: Colab's today; 0.10 and 0.11: Colab's next releases.
    for version in ("0.9.18", "0.9.21", "0.10.0", "0.11.0"):
        assert anywidget.specifier.contains(version), (str(anywidget), version)
