"""What the browser tests share: Debian's Chromium driven by playwright, required in CI.

Import ``pytestmark`` in a browser test module: the module is skipped where
Chromium or playwright is missing, except in CI (``CI=true``), where it fails.
"""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"


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
