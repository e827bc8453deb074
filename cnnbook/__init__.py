"""Helpers for the cnnbook chapters.

Importing ``cnnbook`` is cheap: it imports no deep-learning framework. The
modules are imported by name where they are needed, e.g.
``from cnnbook import conv, runtime``.
"""

__version__ = "0.1.0"

