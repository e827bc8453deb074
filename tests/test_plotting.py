"""cnnbook.plotting.show_images: figures that fit the text column and say what their colours mean."""

import doctest

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnbook import plotting  # noqa: E402
from cnnbook.plotting import MAX_COLS, MAX_WIDTH, show_images  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def _grid(fig):
    """(rows, cols) of the subplot grid."""
    spec = fig.axes[0].get_subplotspec().get_gridspec()
    return spec.nrows, spec.ncols


def test_docstring_examples_run():
    failures, tried = doctest.testmod(plotting)
    assert tried > 0 and failures == 0


def test_old_call_signature_still_works():
    """The chapters call show_images(images, titles, suptitle, cols, cmap, figsize) positionally."""
    images = [np.zeros((5, 5)), np.ones((5, 5))]
    fig = show_images(images, ["a", "b"], "both", 2, "gray", (4, 2))
    assert [ax.get_title() for ax in _image_axes(fig)] == ["a", "b"]
    assert fig.get_suptitle() == "both"
    assert fig.get_size_inches().tolist() == [4.0, 2.0]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 8, 13])
def test_at_most_four_a_row_and_within_the_column(count):
    fig = show_images([np.random.default_rng(0).random((28, 28))] * count, titles=[f"image {i}" for i in range(count)])
    rows, cols = _grid(fig)
    assert cols == min(count, MAX_COLS)
    assert rows == -(-count // cols)
    assert len(_image_axes(fig)) == count
    assert fig.get_size_inches()[0] <= MAX_WIDTH


def test_many_columns_wrap_and_figsize_is_capped():
    """cols=8 with a 12-inch figsize (as chapter 8 asked) becomes two rows of four, 7 inches wide."""
    fig = show_images([np.zeros((28, 28))] * 8, cols=8, figsize=(12, 2.2))
    assert _grid(fig) == (2, 4)
    width, height = fig.get_size_inches()
    assert width == MAX_WIDTH
    assert height > 2 * 0.9 * width / 4  # room for two rows of square images


def test_wide_figsize_is_scaled_down_keeping_its_shape():
    fig = show_images([np.zeros((4, 4))] * 3, cols=3, figsize=(14, 4))
    assert fig.get_size_inches().tolist() == pytest.approx([7.0, 2.0])


def test_max_width_argument():
    fig = show_images([np.zeros((4, 4))] * 4, max_width=5)
    assert fig.get_size_inches()[0] == pytest.approx(5)


def test_default_scale_is_per_image():
    fig = show_images([np.array([[0.0, 0.5]]), np.array([[2.0, 4.0]])])
    assert [ax.images[0].get_clim() for ax in _image_axes(fig)] == [(0.0, 0.5), (2.0, 4.0)]
    assert _image_axes(fig)[0].images[0].get_cmap().name == "gray"


def test_explicit_limits_apply_to_every_image():
    """'Clipped to 0..1' and '+0.5 bias' are visible only on a fixed scale."""
    image = np.array([[0.2, 0.4]])
    fig = show_images([image, image + 0.5], vmin=0, vmax=1)
    assert [ax.images[0].get_clim() for ax in _image_axes(fig)] == [(0, 1), (0, 1)]
    # The brighter image really is drawn brighter.
    first, second = (ax.images[0] for ax in _image_axes(fig))
    assert np.all(second.to_rgba(second.get_array())[..., 0] > first.to_rgba(first.get_array())[..., 0])


def test_symmetric_scale_for_signed_kernels():
    sobel = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    fig = show_images([sobel, 0.5 * sobel, np.zeros((3, 3))], symmetric=True)
    clims = [ax.images[0].get_clim() for ax in _image_axes(fig)]
    assert clims == [(-2.0, 2.0), (-1.0, 1.0), (-1.0, 1.0)]
    artist = _image_axes(fig)[0].images[0]
    assert artist.get_cmap().name == plotting.DIVERGING_CMAP
    # zero is the middle of the colour map: white-ish, neither red nor blue
    r, g, b, _ = artist.to_rgba(np.array([[0.0]]))[0, 0]
    assert abs(r - b) < 0.05 and min(r, g, b) > 0.9


def test_symmetric_with_a_shared_vmax():
    fig = show_images([np.array([[-1.0, 3.0]]), np.array([[0.5, 0.0]])], symmetric=True, vmax=4)
    assert [ax.images[0].get_clim() for ax in _image_axes(fig)] == [(-4, 4), (-4, 4)]


def test_explicit_cmap_wins_over_symmetric_default():
    fig = show_images([np.array([[-1.0, 1.0]])], cmap="viridis", symmetric=True)
    assert _image_axes(fig)[0].images[0].get_cmap().name == "viridis"


def test_colour_images_are_shown_as_rgb():
    colour = np.random.default_rng(1).random((6, 6, 3))
    fig = show_images([colour, colour[..., 0]])
    rgb, gray = (ax.images[0] for ax in _image_axes(fig))
    assert rgb.get_array().shape == (6, 6, 3)
    assert gray.get_cmap().name == "gray"


def test_long_titles_wrap_to_the_image_width():
    title = "a rather long title that would run into its neighbour"
    fig = show_images([np.zeros((4, 4))] * 4, titles=[title] * 4)
    shown = _image_axes(fig)[0].get_title()
    assert "\n" in shown and shown.replace("\n", " ") == title


def _overlaps(a, b):
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_titles_do_not_collide():
    """Neither neighbouring subplot titles nor the suptitle and the subplot titles overlap."""
    titles = ["Blurring before differentiating", "Sobel x of the blurred cat", "Sobel y", "magnitude of both"] * 2
    fig = show_images([np.zeros((20, 30))] * 8, titles=titles, suptitle="Blurring before differentiating tames noise")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [ax.title.get_window_extent(renderer) for ax in _image_axes(fig)]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlaps(a, b)
    suptitle = fig._suptitle.get_window_extent(renderer)
    assert all(not _overlaps(suptitle, box) for box in boxes)
    figure_box = fig.bbox
    assert all(box.x0 >= figure_box.x0 - 1 and box.x1 <= figure_box.x1 + 1 for box in boxes + [suptitle])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"images": []}, "images"),
        ({"images": [np.zeros(3)]}, r"images\[0\]"),
        ({"images": [np.zeros((2, 2, 5))]}, r"images\[0\]"),
        ({"images": [np.zeros((2, 2))], "titles": ["a", "b"]}, "titles"),
        ({"images": [np.zeros((2, 2))], "cols": 0}, "cols"),
        ({"images": [np.zeros((2, 2))], "cols": 1.5}, "cols"),
        ({"images": [np.zeros((2, 2))], "vmin": 1, "vmax": 0}, "vmin, vmax"),
        ({"images": [np.zeros((2, 2))], "vmin": -1, "symmetric": True}, "vmin"),
        ({"images": [np.zeros((2, 2))], "vmax": -1, "symmetric": True}, "vmax"),
        ({"images": [np.zeros((2, 2))], "max_width": 0}, "max_width"),
    ],
)
def test_invalid_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        show_images(**kwargs)


def test_new_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        show_images([np.zeros((2, 2))], None, None, None, "gray", None, 0)


def test_frame_surrounds_the_pixels():
    import matplotlib.pyplot as plt

    from cnnbook.plotting import frame

    fig, ax = plt.subplots()
    box = frame(ax, 1, 2, 3, 4, linestyle="--")
    assert box.get_bbox().bounds == (1.5, 0.5, 4, 3)
    assert box in ax.patches and not box.get_fill()
    with pytest.raises(ValueError, match="width must be positive"):
        frame(ax, 0, 0, 1, -1)
    plt.close(fig)


@pytest.mark.parametrize("n, k, padding, stride", [(7, 3, 0, 1), (5, 3, 1, 2), (2, 3, 2, 1)])
def test_conv_windows_draws_every_cell(n, k, padding, stride):
    import matplotlib.pyplot as plt

    from cnnbook import conv
    from cnnbook.plotting import conv_windows

    fig, ax = plt.subplots()
    out = conv_windows(ax, n, k, padding, stride)
    assert out == conv.conv_output_size(n, k, padding, stride)
    # every padded input cell, the two windows, every output cell
    assert len(ax.patches) == (n + 2 * padding) ** 2 + 2 + out**2
    with pytest.raises(ValueError, match="stride must be at least 1"):
        conv_windows(ax, n, k, padding, 0)
    plt.close(fig)
