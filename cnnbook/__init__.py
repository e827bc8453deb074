"""Helpers for the cnnbook chapters.

Importing ``cnnbook`` is cheap: it imports no deep-learning framework. The
modules are imported by name where they are needed, e.g.
``from cnnbook import conv, runtime``.
"""

__version__ = "0.1.0"

#: Where the book's source lives; the Colab install cell of each chapter is
#: generated from ``_config.yml``, which names the same repository.
REPOSITORY_URL = "https://github.com/cnnbook/cnnbook"
