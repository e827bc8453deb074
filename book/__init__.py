"""The book's build machinery, kept out of the ``cnnbook`` package that readers install.

``python -m book.execute`` makes the stored outputs and the Results page
(:mod:`book.results_page`); :mod:`book.check_pages` audits the built pages in
Chromium; the ``sphinx_*`` modules are the build's own Sphinx extensions, which
``_config.yml`` loads from the checkout. All of it runs in a checkout of the
repository only.
"""
