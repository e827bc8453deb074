"""cnnbook.exercises: the readers' self-checks say right, off by how much, or the shape expected."""

import numpy as np
import pytest

from cnnbook import exercises, kernels


def test_right_answers_are_right_and_wrong_ones_say_how():
    assert exercises.check("1.1", [[-2, -2], [-2, -2]]).right
    assert exercises.check("3.1", [26, 13, 11, 5, 2]) == "off at item 4: 2 (4 of 5 items right)"
    assert exercises.check("3.4", 14) == "off by -1"
    assert exercises.check("4.4", np.eye(3).reshape(1, 1, 3, 3)).startswith("off by up to 1")
    assert exercises.check("1.1", [1, 2, 3]) == "expected shape (2, 2), got (3,)"
    assert exercises.check("3.5", " Same ").right
    assert not exercises.check("2.2", "sobel").right


def test_kernel_properties():
    assert exercises.check("1.2", kernels.laplacian()).right
    assert exercises.check("1.2", kernels.box_blur(3)) == "its weights sum to 1, not 0"
    assert exercises.check("2.1", np.outer([1, 0, -1], [1, 0, -1])).right
    assert "vertical" in exercises.check("2.1", kernels.sobel_v())
    w = np.zeros((3, 3, 3, 1))
    w[:, :, 1, 0] = kernels.sobel_v()  # green, not red
    assert not exercises.check("4.3", w).right
    assert exercises.check("3.2", lambda k: (k - 1) // 2).right
    assert not exercises.check("3.2", lambda k: k // 2 + 1).right


def test_unknown_exercise_is_refused_with_the_list():
    with pytest.raises(ValueError, match="exercise must be one of '1.1'"):
        exercises.check("9.9", 1)


def test_every_chapter_one_to_six_has_self_checks():
    chapters = {i.split(".")[0] for i in exercises.exercise_ids()}
    assert chapters >= {"1", "2", "3", "4", "5", "6"}


def test_a_measured_limit_is_right_within_its_tolerance():
    assert exercises.check("9.7", (0.949, 0.337)).right
    assert exercises.check("9.7", (0.95, 0.5)) == "off at item 1: 0.5 (1 of 2 right)"
    assert exercises.check("9.7", 0.95) == "expected shape (2,), got ()"


def test_a_yes_no_list_is_checked_item_by_item():
    assert exercises.check("7.5", [False, True, False]).right
    assert not exercises.check("7.5", [True, True, True]).right


def test_self_checks_of_chapters_13_to_15():
    assert exercises.check("13.1", "No").right
    assert exercises.check("15.1", 32) == "off by +16"
    assert exercises.check("15.2", [(0, 31), (32, 63), (64, 95)]).right
    assert not exercises.check("15.3", "all-gather").right
    assert exercises.check("15.4", "no").right
