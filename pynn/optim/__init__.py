"""pynn.optim: optimizers (torch.optim's classes, options and state_dict format) and lr_scheduler.

Each step hands all parameters of a param group to one fused C++ kernel call.
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
