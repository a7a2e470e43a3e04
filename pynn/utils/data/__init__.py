"""pynn.utils.data (torch.utils.data): datasets, samplers, DataLoader (with worker processes), collation.

Submodules as in torch: dataset, sampler, dataloader, distributed."""
from . import dataloader, dataset, distributed, sampler  # noqa: F401
from ._collate import default_collate, default_convert
from ._worker import get_worker_info
from .dataloader import DataLoader
from .dataset import ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from .distributed import DistributedSampler
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "ChainDataset", "Subset", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
           "DistributedSampler", "DataLoader", "default_collate", "default_convert", "get_worker_info",
           "random_split", "dataset", "sampler", "dataloader", "distributed"]
