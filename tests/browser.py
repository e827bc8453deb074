"""What the browser tests share: Debian's Chromium driven by playwright, required in CI.

Import ``pytestmark`` in a browser test module: the module is skipped where
Chromium or playwright is missing, except in CI (``CI=true``), where it fails.
"""

import os
import pathlib
import shutil

import pytest
import yaml

CHROMIUM = "/usr/bin/chromium"
ROOT = pathlib.Path(__file__).resolve().parent.parent


def browser_missing():
    """Say why the browser tests cannot run here, or return None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    return None


_missing = browser_missing()
if _missing and os.environ.get("CI") == "true":
    raise RuntimeError(f"browser test cannot run in CI: {_missing}")
pytestmark = pytest.mark.skipif(bool(_missing), reason=_missing or "")


def one_page_book(folder, page):
    """Lay out a one-page book in ``folder`` with the real ``_config.yml``, for a notebook named ``page``.

    Returns the parsed configuration. Copies what the configuration points to:
    ``vendor/`` (the widgets' JavaScript), the stylesheet and the bibliography.
    """
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["only_build_toc_files"] = True
    (folder / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (folder / "_toc.yml").write_text(f"format: jb-book\nroot: {page}\n")
    shutil.copytree(ROOT / "vendor", folder / "vendor")
    if (ROOT / "_static").is_dir():
        shutil.copytree(ROOT / "_static", folder / "_static")
    for name in config.get("bibtex_bibfiles", []):
        shutil.copy(ROOT / name, folder / name)
    return config
