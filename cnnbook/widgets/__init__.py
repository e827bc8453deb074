"""Interactive widgets that stay live in the static HTML book.

Each widget is an `anywidget <https://anywidget.dev>`_ whose JavaScript (next to
this file) does all the computing that reacts to the reader: the convolution,
the pooling, the window arithmetic. Python only sets the inputs and reads the
state back, so the widgets keep working in the HTML book where no Python runs.

* `KernelExplorer`: slide an editable kernel over a grayscale image.
* `ConvArithmeticExplorer`: input size, kernel, padding, stride, dilation and
  transposed convolution on a grid, with the output-size formula.
* `PoolingExplorer`: max and average pooling on a small grid, forward and backward.
* `ChannelConvExplorer`: a convolution over several input channels, one output
  cell at a time: its window in every channel, one sum per channel, plus the bias.
* `FeatureMapExplorer`: the feature maps of a trained convnet, by image, layer and channel.
* `OptimizerExplorer`: SGD, Momentum, Nesterov, RMSProp and Adam on a 2-D loss surface,
  from a start point the reader drags, step by step.
* `ReceptiveFieldExplorer`: a unit of a trained net's layer, its theoretical receptive field
  on a real image and its effective one (the gradient of the unit with respect to the input).
* `DigitClassifier`: draw a digit and watch a trained convnet classify it, layer by layer,
  with the network's weights stored in the page.
"""

from .channel_conv import ChannelConvExplorer
from .conv_arithmetic import ConvArithmeticExplorer
from .digit_classifier import DigitClassifier
from .feature_maps import FeatureMapExplorer
from .kernel_explorer import KernelExplorer
from .optimizer_explorer import OptimizerExplorer
from .pooling import PoolingExplorer
from .receptive_field import ReceptiveFieldExplorer

__all__ = ["KernelExplorer", "ConvArithmeticExplorer", "PoolingExplorer", "ChannelConvExplorer", "FeatureMapExplorer", "DigitClassifier",
           "OptimizerExplorer", "ReceptiveFieldExplorer"]
