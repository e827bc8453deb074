"""Execute chapters top to bottom and store their outputs: ``python -m book.execute [NOTEBOOK ...]``.

This is the only way the book's stored outputs are made, and it works in a
checkout of the book's repository (it reads ``_config.yml`` and ``_toc.yml``).
Each notebook runs in a fresh kernel with nbclient, from its first cell to its
last; widget state is stored so that widgets work in the static HTML book.
Without arguments, every chapter listed in ``_toc.yml`` is executed in book
order. For each notebook the command

* runs it with the profile in ``CNNBOOK_PROFILE`` or, when that is unset, the
  profile its stored outputs were made with (``metadata.cnnbook.profile``), and
  records the profile used there;
* rewrites the first cell (tagged ``colab-install``) from ``_config.yml``'s
  ``repository.url``, pinned to the commit checked out now, so a Colab reader
  installs the package that made the outputs; Parts II and III ask Colab for a
  GPU runtime;
* writes the notebook atomically (a failed write leaves the old file whole);
* collects the chapter's result checks into ``results/<chapter>.json`` and
  rewrites the Results page (``results.md``).

``--pin-colab`` only rewrites the install cells (no execution), for use after
committing the package.
"""

import argparse
import contextlib
import os
import pathlib
import subprocess
import sys
import tempfile
import time

BOOK_ROOT = pathlib.Path(__file__).resolve().parent.parent

#: Warnings and tracebacks name cells by this instead of a temporary file path.
CELL_NAME = "<cell>"
COLAB_INSTALL_TAG = "colab-install"
#: Chapters in these parts of ``_toc.yml`` train networks: Colab should offer them a GPU.
GPU_PARTS = ("Part II", "Part III", "Appendix")
RESULTS_DIR = "results"
RESULTS_PAGE = "results.md"


def _book_root(root=BOOK_ROOT):
    root = pathlib.Path(root)
    if not (root / "_config.yml").exists() or not (root / "_toc.yml").exists():
        raise SystemExit(f"python -m book.execute runs in a checkout of the cnnbook repository (`make execute` "
                         f"installs what it needs), next to its _config.yml and _toc.yml; {root} has none.")
    return root


def colab_install_source(repository_url, ref):
    """Return the source of the guarded cell that installs cnnbook in Google Colab, at git ``ref``."""
    return (
        "# In Google Colab, install the cnnbook package this chapter was run with;\n"
        "# elsewhere do nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    repository = "git+{repository_url}"\n'
        f'    commit = "{ref}"\n'
        '    %pip install --quiet "cnnbook @ {repository}@{commit}"'
    )


def book_config(root=BOOK_ROOT):
    """Read ``_config.yml`` of the book at ``root``."""
    import yaml

    return yaml.safe_load((_book_root(root) / "_config.yml").read_text())


def toc_chapters(root=BOOK_ROOT):
    """Return ``(notebook path, part caption)`` for each notebook listed in ``_toc.yml``, in book order."""
    import yaml

    root = _book_root(root)
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    found = []
    def entries(listed):  # the files of a part, with the sections nested under them
        for entry in listed:
            yield entry
            yield from entries(entry.get("sections", []))

    for part in toc.get("parts", []):
        for chapter in entries(part.get("chapters", [])):
            name = chapter.get("file", "")
            path = root / (name if name.endswith(".ipynb") else name + ".ipynb")
            if path.exists():
                found.append((path, part.get("caption", "")))
    return found


def toc_notebooks(root=BOOK_ROOT):
    """Return the notebooks (``.ipynb`` files) listed in ``_toc.yml``, in book order."""
    return [path for path, _ in toc_chapters(root)]


def current_commit(root=BOOK_ROOT):
    """Return the commit checked out in the book's repository, warning when the package has uncommitted changes."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        changed = git("status", "--porcelain", "--", "cnnbook", "pyproject.toml")
    except (OSError, subprocess.CalledProcessError) as error:
        raise SystemExit(f"cannot read the git commit of {root} ({error}); the Colab install cell pins one") from error
    if changed:
        print("  warning: the package has uncommitted changes; the Colab cell pins the last commit. Commit, then "
              "run `python -m book.execute --pin-colab`.", flush=True)
    return commit


def refresh_colab_cell(notebook, repository_url, ref, gpu=False):
    """Rewrite the notebook's ``colab-install`` cell and Colab metadata; raise if the first cell is not one."""
    first = notebook.cells[0] if notebook.cells else None
    if first is None or COLAB_INSTALL_TAG not in first.get("metadata", {}).get("tags", []):
        raise ValueError(f"the first cell must be a code cell tagged {COLAB_INSTALL_TAG!r}")
    first.source = colab_install_source(repository_url, ref)
    # The HTML book has no use for the cell (Colab and Jupyter run it); "remove-cell" hides it there.
    first.metadata["tags"] = [COLAB_INSTALL_TAG, "remove-cell"]
    if gpu:
        notebook.metadata["accelerator"] = "GPU"
        notebook.metadata["colab"] = {"gpuType": "T4", "provenance": []}
    else:
        notebook.metadata.pop("accelerator", None)
        notebook.metadata.pop("colab", None)


def write_atomically(notebook, path):
    """Write a notebook to a temporary file beside ``path``, flush it to disk, then replace ``path`` in one step."""
    import nbformat

    path = pathlib.Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            nbformat.write(notebook, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise


@contextlib.contextmanager
def _environment(**values):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def execute(path, timeout=3600, root=BOOK_ROOT, gpu=False, ref=None):
    """Execute one notebook in a fresh kernel and write it back with its outputs.

    Parameters
    ----------
    path : path-like
        The notebook.
    timeout : int
        Seconds allowed for any one cell.
    root : path-like
        The book's repository.
    gpu : bool
        Ask Colab for a GPU runtime in the notebook's metadata.
    ref : str, optional
        The git commit the Colab install cell pins (default: the one checked out).

    Returns
    -------
    str
        The profile the notebook ran with.
    """
    import nbformat
    from nbclient import NotebookClient

    from book import results_page

    if os.environ.get("CNNBOOK_SEED", "").strip() not in ("", "0"):
        raise RuntimeError("the stored outputs are made with the chapters' own seeds: unset CNNBOOK_SEED "
                           "(run other seeds with pytest --nbval, which stores nothing)")
    root = _book_root(root)
    path = pathlib.Path(path)
    repository = book_config(root)["repository"]
    notebook = nbformat.read(path, as_version=4)
    refresh_colab_cell(notebook, repository["url"], ref or current_commit(root), gpu)
    stored = notebook.metadata.get("cnnbook", {}).get("profile")
    profile = os.environ.get("CNNBOOK_PROFILE", "").strip().lower() or stored or ""
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
    with _environment(IPYKERNEL_CELL_NAME=CELL_NAME, **({"CNNBOOK_PROFILE": profile} if profile else {})):
        client.execute()
        record = _setup_record(notebook) or {}
        profile = record.get("profile") or profile
    if not _has_widgets(notebook):
        # Widgets created but never shown (progress bars, say) would only bloat the file.
        notebook.metadata.pop("widgets", None)
    if profile:
        notebook.metadata.setdefault("cnnbook", {})["profile"] = profile
    write_atomically(notebook, path)
    results_page.collect(path, root / RESULTS_DIR)
    write_results_page(root)
    return profile


def _setup_record(notebook):
    """The record that ``runtime.setup()`` left in the notebook's outputs (profile, seed shift), if any."""
    from cnnbook import runtime

    for cell in notebook.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            record = output.get("data", {}).get(runtime.SETUP_MIME_TYPE)
            if record is not None:
                return record
    return None


def write_results_page(root=BOOK_ROOT):
    """Rewrite ``results.md`` from ``results/*.json``."""
    from book import results_page

    root = _book_root(root)
    (root / RESULTS_PAGE).write_text(results_page.page(root / RESULTS_DIR, chapter_links(root)) + "\n")


def chapter_links(root=BOOK_ROOT):
    """Return, by notebook stem, a ``{doc}`` target that shows the chapter's title, e.g. ``"8. LeNet <chapters/08_lenet>"``."""
    import nbformat

    root = _book_root(root)
    links = {}
    for path in toc_notebooks(root):
        cells = nbformat.read(path, as_version=4).cells
        heading = next((line for cell in cells if cell.cell_type == "markdown"
                        for line in cell.source.splitlines() if line.startswith("# ")), f"# {path.stem}")
        links[path.stem] = f"{heading[2:].strip()} <{path.relative_to(root).with_suffix('')}>"
    return links


def pin_colab(paths, root=BOOK_ROOT):
    """Rewrite only the Colab install cells of ``paths`` to the commit checked out now."""
    import nbformat

    root = _book_root(root)
    repository = book_config(root)["repository"]
    commit = current_commit(root)
    gpu_notebooks = {path.resolve() for path, part in toc_chapters(root) if part.startswith(GPU_PARTS)}
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        refresh_colab_cell(notebook, repository["url"], commit, pathlib.Path(path).resolve() in gpu_notebooks)
        write_atomically(notebook, path)
    return commit


def _has_widgets(notebook):
    return any(
        "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        for cell in notebook.cells if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m book.execute", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        help="notebooks to execute (default: every chapter in _toc.yml)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed for one cell")
    parser.add_argument("--pin-colab", action="store_true",
                        help="only pin the Colab install cells to the current commit; execute nothing")
    args = parser.parse_args(argv)
    root = _book_root()
    chapters = toc_chapters(root)
    paths = args.notebooks or [path for path, _ in chapters]
    if args.pin_colab:
        print(f"pinned {len(paths)} notebooks to {pin_colab(paths, root)}")
        return 0
    gpu_notebooks = {path.resolve() for path, part in chapters if part.startswith(GPU_PARTS)}
    for path in paths:
        started = time.perf_counter()
        print(f"executing {path} ...", flush=True)
        profile = execute(path, args.timeout, root, gpu=path.resolve() in gpu_notebooks)
        print(f"  done in {time.perf_counter() - started:.0f} s (profile {profile or 'default'})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
