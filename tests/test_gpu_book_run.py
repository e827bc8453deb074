"""The GPU run (benchmarks/gpu_book_run.py) on this CPU, with TensorFlow made unimportable, and its pieces.

The GPU machines it is made for have JAX or PyTorch but no TensorFlow, so the
end-to-end tests run the command in a fresh Python whose ``sitecustomize``
refuses any ``import tensorflow``: a TensorFlow-only line on the code path
fails them. Each runs every net at its `full` size, with a tiny budget.
"""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

from book import results_page

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "gpu_book_run.py"
FOLDER = ROOT / "gpu_run"

NO_TENSORFLOW = textwrap.dedent("""
    import sys

    class NoTensorFlow:
        # Refuse TensorFlow, as on a GPU machine that has only JAX or PyTorch.
        def find_spec(self, name, path=None, target=None):
            if name == "tensorflow" or name.startswith("tensorflow."):
                raise ImportError(f"TensorFlow is not available in this test (import of {name})")
            return None

    sys.meta_path.insert(0, NoTensorFlow())
""")


def _load_script():
    spec = importlib.util.spec_from_file_location("gpu_book_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gpu_book_run = _load_script()


def _environment(tmp_path, backend):
    """Environment of a fresh Python with `backend` and no TensorFlow; cnnbook from this checkout."""
    guard = tmp_path / "guard"
    guard.mkdir(exist_ok=True)
    (guard / "sitecustomize.py").write_text(NO_TENSORFLOW)
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(guard), str(ROOT)]), KERAS_BACKEND=backend,
                JAX_PLATFORMS="cpu", CNNBOOK_OFFLINE="1", CUDA_VISIBLE_DEVICES="")


TINY = ["--train-images", "64", "--test-images", "64", "--batch-size", "8", "--epochs", "1",
        "--budget", "400", "--net-cap", "10"]


def test_guard_refuses_tensorflow(tmp_path):
    done = subprocess.run([sys.executable, "-c", "import tensorflow"], env=_environment(tmp_path, "jax"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "TensorFlow is not available in this test" in done.stderr


def test_cnnbook_imports_without_tensorflow(tmp_path):
    pytest.importorskip("jax")
    code = textwrap.dedent("""
        import sys
        import cnnbook
        from cnnbook import architectures, checks, datasets, models, results, runtime, standins
        import keras
        assert keras.backend.backend() == "jax"
        net = architectures.resnet18((96, 96, 1), 10)
        assert models.lenet_d2l().count_params() == 44426
        assert "tensorflow" not in sys.modules
        print("ok", runtime.device_description())
    """)
    done = subprocess.run([sys.executable, "-c", code], env=_environment(tmp_path, "jax"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("ok CPU")


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_command_runs_every_net_on_this_cpu(tmp_path, backend):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed in this environment (the book's venv has JAX but not "
                    f"PyTorch; the README gives the figures of a run in a separate PyTorch venv)")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(SCRIPT), "--backends", backend, "--out-dir", str(out), *TINY],
                          env=_environment(tmp_path, backend), capture_output=True, text=True, timeout=420)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    files = list(out.glob("*.json"))
    assert len(files) == 1 and files[0].name.startswith("cpu-"), files
    stored = json.loads(files[0].read_text())
    assert stored["format"] == gpu_book_run.FORMAT == results_page.GPU_RUN_FORMAT
    rows = stored["rows"]
    assert [row["net"] for row in rows] == list(gpu_book_run.NET_KEYS)
    for row in rows:
        assert row["status"] == "ok", row
        assert row["backend"] == backend and row["precision"] == "float32"
        assert row["images_per_s"] > 0 and row["epoch_s"] > 0 and row["train_images"] == 64
        assert row["epochs_run"] == 1 and row["stopped_by"] == "epochs"
        assert 0 <= row["test_accuracy"] <= 100 and row["test_images"] == 64
    assert {row["image_px"] for row in rows} == {28, 96, 224}
    assert rows[0]["data"].startswith("MNIST, 10,000-digit sample")
    assert all(row["data"] == "Fashion-MNIST, complete" for row in rows[1:]) or "STAND-IN" in rows[1]["data"]
    # It printed as it went: each net's row, then the summary.
    assert done.stdout.count(f"[{backend}] ResNet-18:") >= 2
    assert "Summary" in done.stdout and "ResNet-18" in done.stdout.split("Summary", 1)[1]


def test_the_time_cap_stops_a_net_and_extrapolates_the_epoch(tmp_path):
    pytest.importorskip("jax")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(SCRIPT), "--backends", "jax", "--nets", "resnet18",
                           "--out-dir", str(out), "--train-images", "2000", "--test-images", "32",
                           "--batch-size", "8", "--epochs", "1", "--net-cap", "2"],
                          env=_environment(tmp_path, "jax"), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    (row,) = json.loads(next(out.glob("*.json")).read_text())["rows"]
    assert row["stopped_by"] == "cap" and row["epoch_s_how"] == "extrapolated"
    assert 0 < row["epochs_run"] < 1
    assert row["epoch_s"] == pytest.approx(2000 / row["images_per_s"], rel=0.01)


@pytest.mark.skipif(not (FOLDER / "run.sh").exists(),
                    reason="no prepared folder: run scripts/prepare_gpu_folder.py (it downloads the keras wheel)")
def test_the_prepared_folder_installs_offline_and_runs(tmp_path):
    pytest.importorskip("jax")
    env = _environment(tmp_path, "jax")
    env.update(PYTHON=sys.executable, TMPDIR=str(tmp_path), PYTHONPATH=str(tmp_path / "guard"))
    done = subprocess.run(["sh", str(FOLDER / "run.sh"), "--backends", "jax", "--nets", "convnet,resnet18",
                           "--out-dir", str(tmp_path / "out"), *TINY], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    rows = json.loads(next((tmp_path / "out").glob("*.json")).read_text())["rows"]
    assert [row["status"] for row in rows] == ["ok", "ok"]
    assert len(list(tmp_path.glob("*/site/keras/__init__.py"))) == 1  # installed from the folder's wheel
    size = sum(f.stat().st_size for f in FOLDER.rglob("*") if f.is_file())
    assert size < 48 * 2**20, f"the folder holds {size / 2**20:.1f} MiB; with the checkout it must stay under 64"


# ---------------------------------------------------------------- the pieces


def test_arguments_are_checked():
    with pytest.raises(SystemExit):
        gpu_book_run.parse_args(["--nets", "alexnet,lenet7"])
    with pytest.raises(SystemExit):
        gpu_book_run.parse_args(["--budget", "0"])
    with pytest.raises(SystemExit):
        gpu_book_run.parse_args(["--epochs", "0"])
    args = gpu_book_run.parse_args(["--nets", "resnet18, alexnet"])
    assert args.nets == ["resnet18", "alexnet"] and args.budget == 410 and args.deep_epochs == 3


def test_budget_shares_and_arguments_passed_on():
    assert gpu_book_run._shares(1) == [1.0]
    assert gpu_book_run._shares(2) == pytest.approx([0.6, 0.4])
    assert sum(gpu_book_run._shares(3)) == pytest.approx(1)
    assert gpu_book_run._passed_on(["--backends", "jax,torch", "--budget", "9", "--backends=jax"]) == \
        ["--budget", "9"]
    assert gpu_book_run._slug("GPU: NVIDIA H100 80GB HBM3") == "gpu-nvidia-h100-80gb-hbm3"


def _row(net="alexnet", backend="jax", **changes):
    row = {"net": net, "title": "AlexNet", "chapter": 10, "image_px": 224, "backend": backend,
           "backend_version": f"{backend} 1.0", "keras": "3", "precision": "mixed_float16", "status": "ok",
           "data": "Fashion-MNIST, complete", "images_per_s": 12345.6, "epoch_s": 4.86, "epoch_s_how": "measured",
           "epochs_run": 3.0, "chapter_epochs": 10, "test_accuracy": 90.12}
    row.update(changes)
    return row


def test_rows_are_added_as_they_come_and_a_new_run_starts_a_new_file(tmp_path):
    path = tmp_path / "gpu" / "gpu-x.json"
    header = {"format": gpu_book_run.FORMAT, "run_id": "run-1", "device": "GPU: X"}
    gpu_book_run.write_row(path, header, _row())
    gpu_book_run.write_row(path, header, _row(backend="torch"))
    gpu_book_run.write_row(path, header, _row(images_per_s=1.0))  # the same net and backend again: replaced
    stored = json.loads(path.read_text())
    assert [(r["backend"], r["images_per_s"]) for r in stored["rows"]] == [("torch", 12345.6), ("jax", 1.0)]
    gpu_book_run.write_row(path, dict(header, run_id="run-2"), _row(net="nin"))
    assert [r["net"] for r in json.loads(path.read_text())["rows"]] == ["nin"]
    assert not list(path.parent.glob("*.tmp"))


def test_summary_table():
    text = gpu_book_run.format_rows([dict(_row(), device="GPU: X"),
                                     dict(_row(net="nin", title="NiN", status="not run: 2 s left"), device="GPU: X"),
                                     dict(_row(epoch_s_how="extrapolated", epoch_s=123.4), device="GPU: X")])
    lines = text.splitlines()
    assert "12,346" in lines[1] and "4.86 " in lines[1] and "90.1%" in lines[1] and "GPU: X" in lines[1]
    assert lines[2].split() == ["NiN", "jax", "224", "not", "run:", "2", "s", "left"]
    assert "123*" in lines[3]


def test_results_page_section_without_and_with_a_gpu_run(tmp_path):
    assert "GPU figures: **not obtained**" in results_page.gpu_section(tmp_path / "missing")
    folder = tmp_path / "gpu"
    header = {"format": results_page.GPU_RUN_FORMAT, "run_id": "2026-12-07T05:00:00Z"}
    gpu_book_run.write_row(folder / "cpu.json", dict(header, device="CPU (2 cores, x86_64)"), _row())
    (folder / "other.json").write_text(json.dumps({"format": "something else", "device": "GPU: Y"}))
    assert "not obtained" in results_page.gpu_section(folder)  # a CPU run is not a GPU figure
    gpu_book_run.write_row(folder / "gpu-x.json", dict(header, device="GPU: NVIDIA X"), _row())
    gpu_book_run.write_row(folder / "gpu-x.json", dict(header, device="GPU: NVIDIA X"),
                           _row(net="nin", title="NiN", status="not run: 2 s left"))
    text = results_page.gpu_section(folder)
    assert "not obtained" not in text and "### GPU: NVIDIA X" in text and "GPU: Y" not in text
    assert "| AlexNet | 10 | jax 1.0 | 224 | mixed_float16 | 12,346 | 4.86 | 3.00 (10) | 90.1% |" in text
    assert "| NiN | 10 | jax 1.0 | 224 | mixed_float16 | not run: 2 s left |" in text
    (folder / "broken.json").write_text("{")
    with pytest.raises(ValueError, match="broken.json"):
        results_page.gpu_section(folder)
