"""Self-checks for the exercises: test your own answer before reading the solution.

For an exercise with a definite answer (a number, a shape, an array, a
choice, or a kernel with a required property), ``check("3.1", answer)`` says
``right``, or how far off the answer is, or what shape was expected, without
showing the solution. The solution notebooks (``solutions/``) call the same
function on their own answers, so the checks are tested with the book.

Examples
--------
>>> from cnnbook import exercises
>>> exercises.check("3.1", [26, 13, 11, 5, 3])
right
>>> exercises.check("3.1", [26, 13, 11, 5, 2])
off at item 4: 2 (4 of 5 items right)
"""

import numpy as np

from cnnbook import checks


class Verdict(str):
    """The message of :func:`check`, shown without quotes, with ``right`` (bool) attached."""

    def __new__(cls, message, right):
        verdict = super().__new__(cls, message)
        verdict.right = bool(right)
        return verdict

    def __repr__(self):
        return str(self)


def _edge_response(kernel, image):
    from cnnbook import conv

    return np.abs(conv.corr2d(image, kernel)).max()


def _steps():
    """Vertical, horizontal and 45° step edges on 12 × 12 images."""
    rows, cols = np.mgrid[0:12, 0:12]
    return {"vertical": (cols >= 6) * 1.0, "horizontal": (rows >= 6) * 1.0,
            "45°": (rows + cols >= 12) * 1.0, "135°": (rows >= cols) * 1.0}


def _diagonal_only(kernel):
    kernel = np.asarray(kernel, float)
    if kernel.shape != (3, 3):
        return False, f"expected a kernel of shape (3, 3), got {kernel.shape}"
    response = {name: _edge_response(kernel, image) for name, image in _steps().items()}
    scale = max(np.abs(kernel).sum(), 1e-12)
    wrong = [name for name in ("vertical", "horizontal") if response[name] > 1e-9 * scale]
    if wrong:
        return False, f"it still responds to {' and '.join(wrong)} step edges (largest |response| " \
                      f"{max(response[n] for n in wrong):.3g})"
    if max(response["45°"], response["135°"]) < 1e-6 * scale:
        return False, "it does not respond to diagonal step edges either"
    return True, "right"


def _sums_to_zero(kernel):
    kernel = np.asarray(kernel, float)
    if kernel.shape != (3, 3):
        return False, f"expected a kernel of shape (3, 3), got {kernel.shape}"
    if not np.any(kernel):
        return False, "all its weights are zero: it gives a black image everywhere"
    if abs(kernel.sum()) > 1e-9 * np.abs(kernel).sum():
        return False, f"its weights sum to {kernel.sum():.4g}, not 0"
    return True, "right"


def _red_vertical_edges(w):
    from cnnbook import conv

    w = np.asarray(w, float)
    if w.shape != (3, 3, 3, 1):
        return False, f"expected a weight tensor of shape (3, 3, 3, 1), got {w.shape}"
    steps = _steps()
    out = {}
    for c, colour in enumerate(("red", "green", "blue")):
        for name in ("vertical", "horizontal"):
            image = np.zeros((12, 12, 3))
            image[:, :, c] = steps[name]
            out[colour, name] = np.abs(conv.conv2d(image, w)).max()
    scale = max(np.abs(w).sum(), 1e-12)
    if out["red", "vertical"] < 1e-6 * scale:
        return False, "it does not respond to a vertical edge in the red channel"
    leaks = [f"{colour} {name}" for (colour, name), value in out.items()
             if (colour, name) != ("red", "vertical") and value > 1e-9 * scale]
    if leaks:
        return False, f"it also responds to {', '.join(leaks)} edges"
    return True, "right"


def _keeps_size(answer):
    for k in range(1, 16, 2):
        p = answer(k) if callable(answer) else dict(answer).get(k)
        if p is None:
            continue
        if p != (k - 1) // 2:
            return False, f"for k = {k} the padding {p} gives n {'+' if 2 * p > k - 1 else '-'} " \
                          f"{abs(2 * p - (k - 1))}, not n"
    return True, "right"


#: Exercise -> (expected answer, or a function returning (right, message); a hint for a wrong choice).
ANSWERS = {
    "1.1": (np.array([[-2, -2], [-2, -2]]), None),
    "1.2": (_sums_to_zero, None),
    "1.5": ((9, 6), "multiplications per output pixel: (one 3 × 3 kernel, the two 1-D passes)"),
    "2.1": (_diagonal_only, None),
    "2.2": ("scharr", "measure the angular error of each of the three kernels on the disc"),
    "2.3": (lambda answer: _compare(_dog_kernel(), answer, None), None),
    "3.1": ((26, 13, 11, 5, 3), None),
    "3.2": (_keeps_size, None),
    "3.3": ((4, 6, 8, 10, 12), None),
    "3.4": (15, None),
    "3.5": ("same", "which of the two maps n to exactly 2n?"),
    "3.6": (((0, 3), (3, 0)), "(padding of the 1 × 7 kernel, of the 7 × 1 kernel), each as (rows, columns)"),
    "4.1": ((5_994, 322_560), "(parameters, multiply-adds)"),
    "4.2": (4_736, None),
    "4.3": (_red_vertical_edges, None),
    "4.4": (np.eye(3)[::-1].reshape(1, 1, 3, 3), None),
    "4.5": (5, "count the blocks from 1; 'exceed' means more than 100"),
    "5.3": ((3, 8), "(ReLUs for a 2 × 2 window, for a 3 × 3 window)"),
    "6.1": ((1, 3), "(traces with the input_signature, traces without it) for batches of 1, 7 and 64"),
    "6.4": ("yes", "start both from zeros and compare their weights after training"),
    "7.1": ((200_768, 257_162), "(parameters of the first dense layer, of the whole network)"),
    "7.2": (121_994, None),
    "7.3": ((93_322, 33_194, 13_498), "parameters with filters (32, 64, 64), (16, 32, 32), (8, 16, 16)"),
    "7.5": ((False, True, False), "for shifts of 1, 2 and 3 pixels: does the pooled map match a shifted copy?"),
    "9.7": (lambda answer: _within(answer, (0.95, 0.339), 0.005), None),
    "10.1": (36_700_160, "parameters of the full-size AlexNet, before minus after"),
    "10.2": ((133_638_952, 11_770_888_192), "(parameters, multiply-adds) of configuration C at 224 x 224"),
    "10.3": (163, "pixels per side of one conv5 unit's field in a 227-pixel image"),
    "10.4": ("yes", "compare its test accuracy with chance, 10%"),
    "11.1": ((393_472, 308_281_344), "(parameters, multiply-adds) of the block without reductions, biases included"),
    "11.2": ("plain", "which 56-layer net ends with the higher training loss, plain or residual?"),
    "11.3": ((771_106, 414_064), "(parameters of d2l's DenseNet, of cifar_resnet(width=16)), both for 32 x 32 x 3 "
                                 "images and 10 classes, as count_params() counts them"),
    "12.1": (3, "the smallest F from which the separable layer needs at most half the multiply-adds"),
    "12.3": ((176_566, 2_156_304), "(parameters, multiply-adds per 28 x 28 image) of the small ConvNeXt with depths "
                                   "(1, 1, 3, 1)"),
    "13.1": ("no", "score the chosen t on images that played no part in choosing it"),
    "15.1": (16, "images per replica of a global batch of 64 over four replicas"),
    "15.2": (((0, 31), (32, 63), (64, 95)), "(first row, last row) of the batch of 96 fed by processes 0, 1, 2"),
    "15.3": ("all-reduce", "name the collective operation that adds up the devices' partial outputs"),
    "15.4": ("no", "compare the resumed run's weights with the uninterrupted run's"),
}


def _within(answer, expected, tolerance):
    """Right when each number of ``answer`` is within ``tolerance`` of ``expected`` (a measured limit)."""
    try:
        given = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return False, f"expected {len(expected)} numbers"
    if given.shape != (len(expected),):
        return False, f"expected shape ({len(expected)},), got {given.shape}"
    off = [i for i, (g, e) in enumerate(zip(given, expected)) if abs(g - e) > tolerance]
    if off:
        return False, f"off at item {off[0]}: {given[off[0]]:g} ({len(expected) - len(off)} of {len(expected)} right)"
    return True, "right"


def _dog_kernel():
    import scipy.signal

    from cnnbook import kernels

    return scipy.signal.convolve2d(kernels.gaussian_blur(5, 1.0), kernels.sobel_v())


def exercise_ids():
    """Return the exercises that have a self-check, e.g. ``["1.1", "1.2", ...]``."""
    return sorted(ANSWERS, key=lambda key: tuple(int(part) for part in key.split(".")))


def _compare(expected, answer, hint):
    if isinstance(expected, str):
        if str(answer).strip().lower() == expected:
            return True, "right"
        return False, "not this one" + (f"; hint: {hint}" if hint else "")
    expected = np.asarray(expected)
    try:
        given = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return False, f"expected numbers of shape {expected.shape}" + (f" {hint}" if hint else "")
    if given.shape != expected.shape:
        return False, f"expected shape {expected.shape}, got {given.shape}" + (f"; {hint}" if hint else "")
    if np.allclose(given, expected, rtol=1e-6, atol=1e-9):
        return True, "right"
    if expected.ndim == 0:
        return False, f"off by {float(given - expected):+g}"
    if expected.ndim == 1 and len(expected) <= 8:
        wrong = np.flatnonzero(~np.isclose(given, expected, rtol=1e-6, atol=1e-9))
        first = int(wrong[0])
        return False, (f"off at item {first}: {given[first]:g} ({len(expected) - len(wrong)} of "
                       f"{len(expected)} items right)" + (f"; {hint}" if hint else ""))
    difference = np.abs(given - expected)
    return False, f"off by up to {difference.max():.3g} ({int(np.sum(difference > 1e-9))} of {expected.size} " \
                  f"values differ)"


def check(exercise, answer):
    """Say whether ``answer`` answers exercise ``exercise`` (``"chapter.number"``) right.

    Parameters
    ----------
    exercise : str
        The exercise, e.g. ``"3.1"`` for the first exercise of chapter 3;
        :func:`exercise_ids` lists those with a self-check.
    answer : object
        A number, a sequence or array, a word (``"same"``), or a kernel,
        as the exercise asks; for exercise 3.2 a function of ``k``.

    Returns
    -------
    Verdict
        ``right``, or what is off (by how much, at which item, the expected
        shape); ``verdict.right`` is True or False.

    Raises
    ------
    ValueError
        If ``exercise`` has no self-check.

    Examples
    --------
    >>> check("1.1", [[-2, -2], [-2, -2]])
    right
    >>> check("1.1", [[-2, -2, -2]])
    expected shape (2, 2), got (1, 3)
    >>> check("3.4", 17)
    off by +2
    >>> check("3.5", "valid").right
    False
    """
    exercise = checks.choice(str(exercise).strip(), "exercise", exercise_ids())
    expected, hint = ANSWERS[exercise]
    if callable(expected):
        right, message = expected(answer)
    else:
        right, message = _compare(expected, answer, hint)
    return Verdict(message, right)
