# Loaded by pytest before it runs the chapters with nbval.
import os

# The kernels that nbval starts inherit these: cells are named "<cell>" in
# warnings instead of a temporary path, and TensorFlow's C++ start-up chatter
# stays out of the outputs being compared.
os.environ.setdefault("IPYKERNEL_CELL_NAME", "<cell>")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
