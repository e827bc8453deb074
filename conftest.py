"""Loaded by pytest before the unit tests and the chapters (nbval) run.

The tests never need the internet: unless the reader sets ``CNNBOOK_OFFLINE``
(``0`` to allow downloads), they run offline, so data sets come from the Keras
cache, the machine's data folders or the samples shipped with cnnbook. The
kernels that nbval starts inherit these variables too.
"""

import os

os.environ.setdefault("CNNBOOK_OFFLINE", "1")
# Warnings name cells "<cell>" instead of a temporary path, and TensorFlow's C++
# start-up chatter stays out of the outputs nbval compares.
os.environ.setdefault("IPYKERNEL_CELL_NAME", "<cell>")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
