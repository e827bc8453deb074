"""`KernelExplorer`: an editable kernel slid over a grayscale image."""


import anywidget
import numpy as np
import traitlets

from cnnbook import checks

from ._files import css, esm

from ._validate import check_grid


#: Larger images are downsampled to this many pixels on their longer side.
MAX_SIDE = 256


def kernel_presets():
    """Preset kernels by name: the 3x3 ones of `cnnbook.kernels` and a few 5x5 ones."""
    from cnnbook import kernels  # lazily: the module is only needed here

    presets = {name: np.asarray(k, float) for name, k in kernels.named_kernels().items()}
    presets["identity_5x5"] = kernels.identity(5)
    presets["box_blur_5x5"] = kernels.box_blur(5)
    presets["gaussian_blur_5x5"] = kernels.gaussian_blur(5, sigma=1.0)
    return presets


def _check_image(image, max_side):
    """Return (float32 image, value range maximum, note) or raise ValueError."""
    unit = checks.image(image, "image", min_side=3)
    # uint8 images keep their 0..255 gray levels, which the arithmetic shows.
    vmax = 255.0 if np.asarray(image).dtype == np.uint8 else 1.0
    array = np.round(unit * vmax) if vmax == 255 else unit
    note = ""
    if max(array.shape) > max_side:
        from skimage.transform import resize

        scale = max_side / max(array.shape)
        shape = tuple(max(3, round(n * scale)) for n in array.shape)
        note = (f"Image downsampled from {array.shape[1]}\u00d7{array.shape[0]} to {shape[1]}\u00d7{shape[0]} "
                "pixels for the live view.")
        small = resize(array.astype(np.float64), shape, anti_aliasing=True, preserve_range=True)
        array = np.round(small) if vmax == 255 else np.clip(small, 0, 1)
    return np.ascontiguousarray(array, dtype=np.float32), vmax, note


def _bytes_from_json(value, widget):
    """The image buffer as bytes, however the front end sent it (memoryview, bytes, None)."""
    if value is None:
        return b""
    return value.tobytes() if isinstance(value, memoryview) else bytes(value)


def _check_kernel(kernel, size):
    """Return (kernel as a nested list, preset name or "") or raise ValueError."""
    if isinstance(kernel, str):
        presets = kernel_presets()
        size = 3 if size is None else size
        if size not in (3, 5) or isinstance(size, bool):
            raise ValueError(f"size must be 3 or 5, got {size!r}")
        name = kernel if size == 3 or kernel.endswith("_5x5") else f"{kernel}_5x5"
        if name not in presets:
            choices = ", ".join(n for n, k in presets.items() if k.shape[0] == size)
            raise ValueError(f"unknown {size}x{size} kernel preset {kernel!r}; choose one of: {choices}")
        return presets[name].tolist(), name
    array = check_grid(kernel, "kernel", 1, 99)
    if array.shape[0] != array.shape[1] or array.shape[0] not in (3, 5):
        raise ValueError(f"kernel must be 3x3 or 5x5, got {array.shape[0]}x{array.shape[1]}")
    if size is not None and size != array.shape[0]:
        raise ValueError(f"size={size} does not match the {array.shape[0]}x{array.shape[0]} kernel")
    return array.tolist(), ""


class KernelExplorer(anywidget.AnyWidget):
    """Slide a kernel over a grayscale image and see every product and sum.

    The output image is the cross-correlation of the image with the kernel,
    zero-padded so that it has the image's size: ``corr2d(image, kernel,
    padding="same")`` of `cnnbook.conv`. Values keep the image's units (0..255
    for uint8, 0..1 for float); the output is drawn clipped to that range by
    default (``scaling="clip"``), or stretched from its minimum to its maximum
    (``"minmax"``), or as absolute values (``"abs"``, good for edge kernels).

    Hover, click or use the arrow keys on either image to pick a pixel: the
    widget shows the window under the kernel, the element-wise products and
    their sum. The play button moves the window pixel by pixel.

    The reader can also drop an image file on the widget or pick one with
    *Your image*: the browser decodes it, scales it to at most 512 pixels a
    side and converts it to gray levels 0..255 with the weights of
    ``skimage.color.rgb2gray`` (0.2125 R + 0.7154 G + 0.0721 B, rounded).
    This needs no Python, so it works in the static HTML book; in a live
    notebook the new image comes back to `image` and `output`.

    Parameters
    ----------
    image : (H, W) array_like
        Grayscale image, uint8 or float in [0, 1], at least 3x3. Images larger
        than `max_side` pixels are downsampled (with skimage) for the live view,
        and the widget says so.
    kernel : str or (3, 3) or (5, 5) array_like
        A preset name (``"sharpen"``, ``"sobel_h"``, ...; see `kernel_presets`)
        or the kernel's numbers.
    size : {3, 5}, optional
        Kernel size when `kernel` is a preset name (default 3).
    scaling : {"clip", "minmax", "abs"}
        How the output is drawn.
    max_side : int
        Longest side of the live view.

    Attributes
    ----------
    kernel : list of list of float
        The current kernel (edits made in the widget come back here).
    selected : [row, col]
        The selected pixel.
    value : float
        The output value at the selected pixel.

    Examples
    --------
    >>> from skimage import data
    >>> KernelExplorer(data.camera(), "sobel_v")  # doctest: +SKIP
    """

    _esm = esm("kernel_explorer.js")
    _css = css()

    # The image travels as a binary buffer: float32, row-major, with its shape.
    image_data = traitlets.Bytes().tag(sync=True, from_json=_bytes_from_json)
    image_shape = traitlets.List(traitlets.Int()).tag(sync=True)
    value_max = traitlets.Float(1.0).tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)
    kernel = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    kernel_name = traitlets.Unicode("").tag(sync=True)
    presets = traitlets.Dict().tag(sync=True)
    scaling = traitlets.Enum(["clip", "minmax", "abs"], "clip").tag(sync=True)
    selected = traitlets.List(traitlets.Int(), minlen=2, maxlen=2).tag(sync=True)
    value = traitlets.Float(0.0).tag(sync=True)

    def __init__(self, image, kernel="sharpen", size=None, scaling="clip", max_side=MAX_SIDE):
        max_side = checks.integer(max_side, "max_side", 8, 1024)
        if scaling not in ("clip", "minmax", "abs"):
            raise ValueError(f"scaling must be 'clip', 'minmax' or 'abs', got {scaling!r}")
        pixels, vmax, note = _check_image(image, max_side)
        kernel_list, name = _check_kernel(kernel, size)
        super().__init__(
            image_data=pixels.tobytes(),
            image_shape=list(pixels.shape),
            value_max=vmax,
            note=note,
            kernel=kernel_list,
            kernel_name=name,
            presets={n: k.tolist() for n, k in kernel_presets().items()},
            scaling=scaling,
            selected=[pixels.shape[0] // 2, pixels.shape[1] // 2],
        )
        self._update_value()

    @property
    def image(self):
        """The image shown (after any downsampling), float32 (H, W)."""
        return np.frombuffer(self.image_data, np.float32).reshape(self.image_shape)

    @traitlets.validate("kernel")
    def _valid_kernel(self, proposal):
        return _check_kernel(proposal["value"], None)[0]

    @traitlets.validate("selected")
    def _valid_selected(self, proposal):
        row, col = proposal["value"]
        if self.image_shape and not (0 <= row < self.image_shape[0] and 0 <= col < self.image_shape[1]):
            raise ValueError(f"selected pixel {[row, col]} is outside the {self.image_shape} image")
        return [int(row), int(col)]

    @traitlets.observe("kernel", "selected", "image_data")
    def _update_value(self, change=None):
        # Python's own reading of the output at the selected pixel (the
        # browser computes the same number for display).
        from cnnbook.conv import corr2d

        if not self.image_shape or not self.kernel:
            return
        row, col = self.selected
        if not (0 <= row < self.image_shape[0] and 0 <= col < self.image_shape[1]):
            return  # a new image whose selection has not arrived yet
        k = np.asarray(self.kernel)
        half = k.shape[0] // 2
        window = np.pad(self.image.astype(np.float64), half)[row:row + k.shape[0], col:col + k.shape[1]]
        self.value = float(corr2d(window, k)[0, 0])

    def output(self):
        """The whole output image, ``corr2d(image, kernel, padding="same")``."""
        from cnnbook.conv import corr2d

        return corr2d(self.image.astype(np.float64), np.asarray(self.kernel), padding="same")
