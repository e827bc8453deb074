"""Fixtures shared by the unit tests."""

import pytest


@pytest.fixture
def mixed_precision():
    """Keras' mixed_float16 policy for one test, then float32 again."""
    import keras

    keras.mixed_precision.set_global_policy("mixed_float16")
    yield
    keras.mixed_precision.set_global_policy("float32")
