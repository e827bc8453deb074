"""The package works with the libraries Google Colab has: one chapter of each part runs there.

Colab's runtime (googlecolab/backend-info, pip-freeze.txt, August 2026) has TensorFlow 2.20,
Keras 3.13, numpy 2.1, ipywidgets 7.7.1 and anywidget 0.9.21. Each chapter's first cell installs
``cnnbook`` there with pip, which must keep those versions, not upgrade or downgrade them (an
ipywidgets 8 upgrade breaks Colab's widgets and asks for a restart).

Colab has run Python 3.13 since late August 2026, while the book is developed and tested on
3.11. This test makes a fresh virtual environment with a Python 3.13 interpreter when the
machine has one (``CNNBOOK_COLAB_PYTHON``, else ``python3.13`` on the PATH or in pyenv's
versions folder), and otherwise with the Python running the tests, saying so in its output.
It installs exactly those versions together with the package (built from this checkout, not
editable), so that pip fails if the package's declared ranges exclude any of them, and executes
one chapter of each part with nbclient from a folder outside the checkout, so ``cnnbook`` is
imported from site-packages as in Colab (``CNNBOOK_PROFILE=smoke CNNBOOK_OFFLINE=1``).

It downloads about 600 MB from PyPI (TensorFlow) the first time; pip's cache makes later runs
faster. It runs in CI (``CI`` set) or with ``CNNBOOK_COLAB_TEST=1``; ``CNNBOOK_COLAB_TEST=0``
skips it everywhere. Elsewhere (a plain local ``pytest``) it is skipped, with this reason.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

#: Colab's versions of the libraries the book depends on (pip "==" specifiers).
COLAB = {
    "tensorflow": "2.20.*",
    "keras": "3.13.*",
    "numpy": "2.1.*",
    "ipywidgets": "7.7.1",
    "anywidget": "0.9.21",
}
#: One chapter of each part, executed in that environment.
CHAPTERS = [
    "chapters/01_convolution_kernels.ipynb",
    "chapters/07_first_convnet.ipynb",
    "chapters/10_alexnet_vgg.ipynb",
]
#: What the test itself needs in the environment to run notebooks (Colab has these).
RUNNER = ["nbclient>=0.10", "nbformat>=5.9", "ipykernel>=6.29"]
KERNEL = "cnnbook-colab-versions"


#: Colab's Python (major, minor).
COLAB_PYTHON = (3, 13)


def _python_version(executable):
    """``(major, minor)`` of an interpreter, or None when it does not run (a pyenv shim may not)."""
    try:
        result = subprocess.run(
            [executable, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True, text=True, timeout=60,
        )
    except OSError:
        return None
    if result.returncode != 0:
        return None
    return tuple(int(part) for part in result.stdout.split())


def colab_python():
    """The interpreter closest to Colab's: Python 3.13 if this machine has one, else this one."""
    candidates = [os.environ.get("CNNBOOK_COLAB_PYTHON"), shutil.which("python3.13")]
    pyenv = pathlib.Path(os.environ.get("PYENV_ROOT", pathlib.Path.home() / ".pyenv"))
    candidates += sorted(map(str, pyenv.glob("versions/3.13*/bin/python3.13")), reverse=True)
    for candidate in filter(None, candidates):
        if _python_version(candidate) == COLAB_PYTHON:
            return candidate
    return sys.executable


def _wanted():
    flag = os.environ.get("CNNBOOK_COLAB_TEST")
    if flag is not None:
        return flag == "1"
    return bool(os.environ.get("CI"))


pytestmark = pytest.mark.skipif(
    not _wanted(),
    reason="installs Colab's library versions (~600 MB download): runs in CI or with CNNBOOK_COLAB_TEST=1",
)


def _run(args, **kwargs):
    started = time.monotonic()
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args[:6]))} ... failed ({result.returncode}) after {seconds:.0f} s:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result, seconds


def _copy_package(destination):
    """The files a wheel is built from, so that building leaves the checkout untouched."""
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, destination / name)
    shutil.copytree(
        ROOT / "cnnbook",
        destination / "cnnbook",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )


DRIVER = """
import json, sys, time
import nbformat
from nbclient import NotebookClient

kernel, workdir = sys.argv[1], sys.argv[2]
timings = {}
for path in sys.argv[3:]:
    notebook = nbformat.read(path, as_version=4)
    started = time.monotonic()
    NotebookClient(notebook, timeout=900, kernel_name=kernel,
                   resources={"metadata": {"path": workdir}}).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, (path, errors)
    timings[path] = round(time.monotonic() - started, 1)
print(json.dumps(timings))
"""

VERSIONS = """
import json, sys
import anywidget, ipywidgets, keras, numpy, tensorflow
import cnnbook
print(json.dumps({
    "python": sys.version.split()[0],
    "tensorflow": tensorflow.__version__, "keras": keras.__version__, "numpy": numpy.__version__,
    "ipywidgets": ipywidgets.__version__, "anywidget": anywidget.__version__,
    "cnnbook": cnnbook.__file__,
}))
"""


def test_chapters_run_with_colab_versions(tmp_path):
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    timings = {}

    interpreter = colab_python()
    print(f"Colab's Python is {'.'.join(map(str, COLAB_PYTHON))}; this test uses "
          f"{'.'.join(map(str, _python_version(interpreter)))}")
    _, timings["venv"] = _run([interpreter, "-m", "venv", str(venv)])
    source = tmp_path / "source"
    source.mkdir()
    _copy_package(source)
    pins = [f"{name}=={version}" for name, version in COLAB.items()]
    # One resolution: the package's ranges must admit Colab's versions, or pip fails here.
    install, timings["pip install"] = _run(
        [python, "-m", "pip", "install", "--disable-pip-version-check", str(source), *pins, *RUNNER],
        env={**os.environ, "PIP_PROGRESS_BAR": "off"},
    )
    _run([python, "-m", "pip", "check"])

    versions = json.loads(_run([python, "-c", VERSIONS], cwd=tmp_path)[0].stdout)
    for name, wanted in COLAB.items():
        assert versions[name].startswith(wanted.rstrip("*")), (name, versions[name], wanted)
    assert pathlib.Path(versions["cnnbook"]).is_relative_to(venv), versions["cnnbook"]
    assert versions["python"].startswith("%d.%d." % _python_version(interpreter)), versions["python"]
    # The package's install must not have replaced any of them.
    assert "ipywidgets-8" not in install.stdout and "anywidget-0.9.18" not in install.stdout

    _run([python, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL])
    work = tmp_path / "work"
    work.mkdir()
    notebooks = []
    for chapter in CHAPTERS:
        notebooks.append(shutil.copy2(ROOT / chapter, work / pathlib.Path(chapter).name))
    env = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update(
        CNNBOOK_PROFILE="smoke",
        CNNBOOK_OFFLINE="1",
        CNNBOOK_CACHE=str(tmp_path / "cache"),
        JUPYTER_PATH=str(venv / "share" / "jupyter"),
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    result, timings["chapters"] = _run(
        [python, "-c", DRIVER, KERNEL, str(work), *map(str, notebooks)], cwd=work, env=env
    )
    per_chapter = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"Colab versions {versions}; seconds {timings}; per chapter {per_chapter}")
