"""pynn.optim: optimizers (torch.optim's classes, options and state_dict format) and lr_scheduler.

Each step hands all parameters of a param group to one fused C++ kernel call (LBFGS, which works on one
flattened vector and calls the closure repeatedly, is Python over tensor ops).
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "ASGD", "LBFGS",
           "NAdam", "RAdam", "Rprop", "lr_scheduler"]
