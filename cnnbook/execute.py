"""Execute chapters top to bottom and store their outputs: ``python -m cnnbook.execute [NOTEBOOK ...]``.

This is the only way the book's stored outputs are made. Each notebook runs in a
fresh kernel with nbclient, from its first cell to its last; widget state is
stored so that widgets work in the static HTML book. Without arguments, every
chapter listed in ``_toc.yml`` is executed in book order.

Before running, the chapter's first cell (tagged ``colab-install``) is rewritten
from ``_config.yml``'s ``repository.url``, so the repository's address is kept
in one place. The profile comes from ``CNNBOOK_PROFILE`` as always.
"""

import argparse
import os
import pathlib
import sys
import time

import nbformat
import yaml
from nbclient import NotebookClient

BOOK_ROOT = pathlib.Path(__file__).resolve().parent.parent

#: Warnings and tracebacks name cells by this instead of a temporary file path.
CELL_NAME = "<cell>"

COLAB_INSTALL_TAG = "colab-install"


def colab_install_source(repository_url, branch="main"):
    """Return the source of the guarded cell that installs cnnbook in Google Colab."""
    return (
        "# In Google Colab, install the cnnbook package that this chapter imports; elsewhere do nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "cnnbook @ git+{repository_url}@{branch}"'
    )


def book_config(root=BOOK_ROOT):
    """Read ``_config.yml`` of the book at ``root``."""
    return yaml.safe_load((pathlib.Path(root) / "_config.yml").read_text())


def toc_notebooks(root=BOOK_ROOT):
    """Return the notebooks (``.ipynb`` files) listed in ``_toc.yml``, in book order."""
    toc = yaml.safe_load((pathlib.Path(root) / "_toc.yml").read_text())
    files = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    candidates = [pathlib.Path(root) / (name if name.endswith(".ipynb") else name + ".ipynb") for name in files]
    return [path for path in candidates if path.exists()]


def refresh_colab_cell(notebook, repository_url, branch="main"):
    """Rewrite the notebook's ``colab-install`` cell; raise if the first cell is not one."""
    first = notebook.cells[0] if notebook.cells else None
    if first is None or COLAB_INSTALL_TAG not in first.get("metadata", {}).get("tags", []):
        raise ValueError(f"the first cell must be a code cell tagged {COLAB_INSTALL_TAG!r}")
    first.source = colab_install_source(repository_url, branch)
    # The HTML book has no use for the cell (Colab and Jupyter run it); "remove-cell" hides it there.
    first.metadata["tags"] = [COLAB_INSTALL_TAG, "remove-cell"]


def execute(path, timeout=3600):
    """Execute one notebook in a fresh kernel and write it back with its outputs.

    Parameters
    ----------
    path : path-like
        The notebook.
    timeout : int
        Seconds allowed for any one cell.
    """
    path = pathlib.Path(path)
    config = book_config()
    notebook = nbformat.read(path, as_version=4)
    repository = config["repository"]
    refresh_colab_cell(notebook, repository["url"], repository.get("branch", "main"))
    os.environ["IPYKERNEL_CELL_NAME"] = CELL_NAME
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
        record_timing=False,
        # TensorFlow's C++ start-up messages bypass Python; leave them in this terminal, out of the book.
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
    )
    client.execute()
    if not _has_widgets(notebook):
        # Widgets created but never shown (progress bars, say) would only bloat the file.
        notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)


def _has_widgets(notebook):
    return any(
        "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        for cell in notebook.cells if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m cnnbook.execute", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        help="notebooks to execute (default: every chapter in _toc.yml)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed for one cell")
    args = parser.parse_args(argv)
    for path in args.notebooks or toc_notebooks():
        started = time.perf_counter()
        print(f"executing {path} (profile {os.environ.get('CNNBOOK_PROFILE') or 'default'}) ...", flush=True)
        execute(path, args.timeout)
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
