"""cnnbook.training: the callbacks, the results line and the plots."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

keras = pytest.importorskip("keras")

import matplotlib.pyplot as plt  # noqa: E402

from cnnbook import models, runtime, training  # noqa: E402


@pytest.fixture(scope="module")
def trained():
    """A tiny model fitted for 2 epochs on 96 random images, with a LiveCurves log."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((96, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 96)
    model = models.tfjs_convnet()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    curves = training.LiveCurves(interval=0.0, smooth=3, title="test")
    model.fit(x, y, batch_size=16, epochs=2, validation_split=0.25, callbacks=[curves], verbose=0)
    yield model, curves, x, y
    plt.close("all")


def test_training_log_recovers_each_batch_from_running_means(trained):
    _, log, _, _ = trained
    assert log.steps_per_epoch == 5  # 72 training images in batches of 16
    assert log.iterations == 10 and log.epoch_iterations == [5, 10]
    # The mean of the per-batch values of an epoch is Keras' epoch mean (up to the short last batch).
    per_epoch = np.mean(np.reshape(log.batches["loss"], (2, 5)), axis=1)
    sizes = np.array([16, 16, 16, 16, 8])
    weighted = (np.reshape(log.batches["loss"], (2, 5)) * sizes).sum(axis=1) / sizes.sum()
    assert np.allclose(weighted, log.epochs["loss"], rtol=1e-3) or np.allclose(per_epoch, log.epochs["loss"], rtol=1e-3)
    assert set(log.epochs) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert log.seconds > 0


def test_live_curves_leaves_one_figure_with_a_panel_per_metric(trained):
    _, curves, _, _ = trained
    assert len(curves.figure.axes) == 2
    assert [ax.get_title() for ax in curves.figure.axes] == ["loss", "accuracy"]
    # The figure is not managed by pyplot, so a notebook does not show it twice.
    assert curves.figure.number if hasattr(curves.figure, "number") else True
    assert curves.figure not in [plt.figure(n) for n in plt.get_fignums()]


def test_live_curves_arguments():
    with pytest.raises(ValueError, match="metrics"):
        training.LiveCurves(metrics="loss")
    with pytest.raises(ValueError, match="interval"):
        training.LiveCurves(interval=-1)
    with pytest.raises(ValueError, match="smooth"):
        training.LiveCurves(smooth=0)


DEMO = runtime.DataSource("demo", "Demo digits", real=True)


def test_results_returns_the_run_record(trained, capsys):
    model, curves, x, y = trained
    run = training.results(model, x[:32], y[:32], 2.0, n_train=144, data=DEMO, seed=3, label="tiny")
    line = capsys.readouterr().out
    assert line.startswith("tiny: test accuracy ") and "72 images/s" in line and "(32 images)" in line
    assert len(line.strip()) <= 80
    assert run.accuracy == pytest.approx(100 * np.mean(run.predictions == y[:32]))
    assert (run.parameters, run.n_train, run.n_test, run.seed, run.data) == (5_994, 144, 32, 3, DEMO)
    assert run.chance == pytest.approx(100 / run.probabilities.shape[1])
    picked = run.probabilities[np.arange(32), y[:32]]
    assert run.loss == pytest.approx(-np.mean(np.log(picked)), rel=1e-5)


def test_results_counts_the_epochs_of_a_log(trained, capsys):
    model, curves, x, y = trained
    run = training.results(model, x[:32], y[:32], curves, n_train=144, data=DEMO)
    epochs = len(curves.epoch_iterations)
    assert epochs >= 1 and run.seconds == curves.seconds
    assert run.images_per_second == pytest.approx(144 * epochs / curves.seconds)


def test_results_refuses_bad_arguments(trained):
    model, curves, x, y = trained
    with pytest.raises(ValueError, match="labels"):
        training.results(model, x[:3], y[:2], 1.0, n_train=10, data=DEMO)
    with pytest.raises(ValueError, match="log must be positive"):
        training.results(model, x[:3], y[:3], 0, n_train=10, data=DEMO)
    with pytest.raises(ValueError, match="data must be a cnnbook.runtime.DataSource"):
        training.results(model, x[:3], y[:3], 1.0, n_train=10, data="Demo digits")


def test_plot_history_of_one_and_several_runs(trained):
    model, curves, _, _ = trained
    fig = training.plot_history(curves)
    assert [ax.get_xlabel() for ax in fig.axes] == ["epoch", "epoch"]
    fig = training.plot_history({"a": curves, "b": model.history}, metrics="accuracy")
    assert len(fig.axes[0].get_lines()) == 4
    fig = training.plot_history({"a": curves}, metrics="loss", x="iteration", validation=False)
    assert len(fig.axes[0].get_lines()) == 1
    fig, axes = plt.subplots(1, 2)
    assert training.plot_history(curves, metrics="loss", axes=[axes[1]]) is fig
    assert axes[1].get_title() == "loss" and not axes[0].get_lines()
    with pytest.raises(ValueError, match="axes"):
        training.plot_history(curves, axes=[axes[0]])
    with pytest.raises(ValueError, match="x must be"):
        training.plot_history(curves, x="time")
    with pytest.raises(ValueError, match="only has epochs"):
        training.plot_history(model.history, x="iteration")
    with pytest.raises(ValueError, match="no 'top5'"):
        training.plot_history(model.history.history, metrics="top5")
    plt.close("all")


def test_confusion_matrix_small_example():
    matrix = training.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2])
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    with pytest.raises(ValueError, match="same length"):
        training.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="num_classes"):
        training.confusion_matrix([0, 3], [0, 1], num_classes=3)
    with pytest.raises(ValueError, match="non-negative"):
        training.confusion_matrix([0, -1], [0, 1])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=60))
def test_confusion_matrix_counts(pairs):
    y_true, y_pred = np.array(pairs).T
    matrix = training.confusion_matrix(y_true, y_pred, num_classes=7)
    assert matrix.sum() == len(pairs)
    assert np.trace(matrix) == np.sum(y_true == y_pred)
    assert matrix.sum(axis=1).tolist() == np.bincount(y_true, minlength=7).tolist()
    assert matrix.sum(axis=0).tolist() == np.bincount(y_pred, minlength=7).tolist()


def test_plot_confusion_matrix_and_misclassified(capsys):
    matrix = training.confusion_matrix([0, 1, 1], [0, 1, 0])
    fig = training.plot_confusion_matrix(matrix, class_names=["zero", "one"])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["zero", "one"]
    with pytest.raises(ValueError, match="class names"):
        training.plot_confusion_matrix(matrix, class_names=["zero"])
    with pytest.raises(ValueError, match="square"):
        training.plot_confusion_matrix(np.zeros((2, 3)))
    images = np.zeros((3, 8, 8, 1), np.uint8)
    fig = training.show_misclassified(images, [0, 1, 1], [0, 1, 0], class_names=["zero", "one"])
    assert fig.axes[0].get_title() == "one → zero"
    assert training.show_misclassified(images, [0, 1, 1], [0, 1, 1]) is None
    assert "No misclassified" in capsys.readouterr().out
    with pytest.raises(ValueError, match="images"):
        training.show_misclassified(images[:2], [0, 1, 1], [0, 1, 0])
    plt.close("all")


def test_moving_average_starts_with_shorter_windows():
    assert np.allclose(training._moving_average([2, 4, 6, 8], 2), [2, 3, 5, 7])


def test_fit_and_test_trains_watches_and_records(capsys):
    rng = np.random.default_rng(0)
    x = rng.random((96, 4, 4, 1), dtype="float32")
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype(int)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    data = runtime.DataSource("toy", "96 random images", real=False)
    run, log = training.fit_and_test(model, (x, y), (x[:32], y[:32]), data=data, epochs=3,
                                     batch_size=32, watch="test", epoch_lines=True, label="toy")
    printed = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in printed[:3]] == ["epoch 1", "epoch 2", "epoch 3"]
    assert all(", test " in line for line in printed[:3])
    assert printed[3].startswith("toy: test accuracy")
    assert len(log.epochs["val_accuracy"]) == 3 and log.iterations == 9
    assert len(log.epoch_seconds) == 3 and all(s > 0 for s in log.epoch_seconds)
    assert (run.n_train, run.n_test, run.label) == (96, 32, "toy")


def test_fit_and_test_refuses_bad_pairs():
    data = runtime.DataSource("toy", "toy", real=False)
    x, y = np.zeros((4, 2, 2, 1)), np.zeros(4, int)
    with pytest.raises(ValueError, match="train"):
        training.fit_and_test(None, x, (x, y), data=data, epochs=1)
    with pytest.raises(ValueError, match="test has 4 images but 3 labels"):
        training.fit_and_test(None, (x, y), (x, y[:3]), data=data, epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        training.fit_and_test(None, (x, y), (x, y), data=data, epochs=0)


def test_kernel_gradient_norms_match_the_hand_gradient_of_a_softmax_layer():
    # One softmax layer without hidden units: dL/dW = x^T (p - onehot) / n.
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax", name="out")])
    x = np.random.default_rng(1).normal(size=(6, 3)).astype("float32")
    y = np.array([0, 1, 1, 0, 1, 0])
    p = np.asarray(model(x))
    by_hand = x.T @ (p - np.eye(2)[y]) / len(x)
    norms = training.kernel_gradient_norms(model, x, y)
    assert list(norms) == ["out"]
    assert np.isclose(norms["out"], np.linalg.norm(by_hand), rtol=1e-4)
    with pytest.raises(ValueError, match="one label per image"):
        training.kernel_gradient_norms(model, x, y[:3])


def test_seconds_per_step_times_every_model_and_refuses_uncompiled_ones():
    keras.utils.set_random_seed(0)
    small = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2, activation="softmax")])
    large = keras.Sequential([keras.Input((8,)), keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dense(512, activation="relu"), keras.layers.Dense(2, activation="softmax")])
    for model in (small, large):
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x, y = np.ones((256, 8), "float32"), np.zeros(256, int)
    times = training.seconds_per_step({"small": small, "large": large}, x, y, steps=5, repeats=3)
    assert list(times) == ["small", "large"] and all(t > 0 for t in times.values())
    assert times["large"] > times["small"]
    fresh = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="not compiled"):
        training.seconds_per_step({"fresh": fresh}, x, y)
    with pytest.raises(ValueError, match="steps"):
        training.seconds_per_step({"small": small}, x, y, steps=0)
