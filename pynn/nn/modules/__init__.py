"""pynn.nn.modules: the Module base class and the layers built on it."""
# flake8: noqa: F401  (re-exports)
from . import activation, container, dropout, flatten, linear, loss, module
from . import batchnorm, normalization, sparse
from .module import Module
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .linear import Bilinear, Identity, Linear
from .flatten import Flatten, Unflatten
from .dropout import AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout
from .activation import (
    CELU, ELU, GELU, GLU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6,
    SELU, Sigmoid, SiLU, Softmax, Softmin, Softplus, Softsign, Tanh, Tanhshrink, Threshold,
)
from .loss import (
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss,
    SmoothL1Loss,
)
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .normalization import GroupNorm, LayerNorm, RMSNorm
from .sparse import Embedding

__all__ = ["Module"] + [name for m in (container, linear, flatten, dropout, activation, loss) for name in m.__all__]
__all__ += [name for m in (batchnorm, normalization, sparse) for name in m.__all__]

from . import conv, fold, pooling
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .fold import Fold, Unfold
from .pooling import (
    AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, MaxPool1d,
    MaxPool2d,
)
from .pooling import (
    AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, LPPool1d, LPPool2d, LPPool3d, MaxPool3d, MaxUnpool1d,
    MaxUnpool2d, MaxUnpool3d,
)

__all__ += [name for m in (conv, fold, pooling) for name in m.__all__]

from . import padding, pixelshuffle, upsampling
from .padding import *  # ConstantPad1d .. CircularPad3d
from .pixelshuffle import PixelShuffle, PixelUnshuffle
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__ += [name for m in (padding, pixelshuffle, upsampling) for name in m.__all__]

from . import distance, instancenorm
from .distance import CosineSimilarity, PairwiseDistance
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .normalization import LocalResponseNorm
from .sparse import EmbeddingBag

__all__ += [name for m in (distance, instancenorm) for name in m.__all__] + ["LocalResponseNorm", "EmbeddingBag"]

from . import rnn
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase

__all__ += rnn.__all__

from . import attention, transformer
from .attention import MultiheadAttention
from .transformer import (
    Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer,
)

__all__ += attention.__all__ + transformer.__all__

from .activation import ChannelShuffle, Hardshrink, RReLU, Softmax2d, Softshrink
from .loss import (
    CosineEmbeddingLoss, CTCLoss, GaussianNLLLoss, MarginRankingLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss,
    MultiMarginLoss, PoissonNLLLoss, SoftMarginLoss, TripletMarginLoss, TripletMarginWithDistanceLoss,
)

__all__ += ["ChannelShuffle", "Hardshrink", "RReLU", "Softmax2d", "Softshrink"] + [
    "CosineEmbeddingLoss", "CTCLoss", "GaussianNLLLoss", "MarginRankingLoss", "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss", "MultiMarginLoss", "PoissonNLLLoss", "SoftMarginLoss", "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
]
