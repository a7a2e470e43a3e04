"""pynn.utils.data: datasets, samplers, DataLoader batching/shuffling/collation, random_split."""
import collections

import numpy as np
import pytest

import pynn
from pynn.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler,
                             SequentialSampler, Subset, TensorDataset, default_collate, random_split)

torch = pytest.importorskip("torch")
import torch.utils.data as tdata  # noqa: E402


def to_np(x):
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def same_structure(a, b):
    """a (pynn) and b (torch) are the same nested batch: types, dtypes, shapes and values."""
    if isinstance(b, torch.Tensor):
        assert isinstance(a, pynn.Tensor)
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(b, dict):
        assert type(a) is type(b) and list(a) == list(b)
        for k in b:
            same_structure(a[k], b[k])
    elif isinstance(b, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            same_structure(x, y)
    else:
        assert a == b


class Records(Dataset):
    """Items of every kind default_collate handles, as (pynn, torch) twins."""

    Point = collections.namedtuple("Point", "x y")

    def __init__(self, lib, n=10):
        self.lib, self.n = lib, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        lib = self.lib
        return {
            "image": lib.tensor(np.full((2, 3), i, dtype=np.float32)),
            "label": i % 3,
            "weight": 0.5 * i,
            "flag": i % 2 == 0,
            "name": f"item{i}",
            "array": np.arange(4, dtype=np.float64) * i,
            "pair": (lib.tensor([i, i + 1]), float(i)),
            "list": [i, 2 * i],
            "point": self.Point(i, -i),
        }


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (10, False), (16, True)])
def test_batches_match_torch(batch_size, drop_last):
    pl = DataLoader(Records(pynn), batch_size=batch_size, drop_last=drop_last)
    tl = tdata.DataLoader(Records(torch), batch_size=batch_size, drop_last=drop_last)
    assert len(pl) == len(tl)
    got, want = list(pl), list(tl)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        same_structure(a, b)


def test_tensor_dataset_loop():
    x = pynn.arange(20, dtype=pynn.float32).reshape(10, 2)
    y = pynn.arange(10)
    ds = TensorDataset(x, y)
    assert len(ds) == 10
    xi, yi = ds[3]
    assert xi.tolist() == [6.0, 7.0] and yi.item() == 3
    batches = list(DataLoader(ds, batch_size=4))
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    assert isinstance(batches[0], list)  # torch collates tuples into lists
    inputs, labels = batches[-1]
    assert labels.tolist() == [8, 9] and labels.dtype == pynn.int64


def test_shuffle_covers_everything_once_and_is_seeded():
    ds = TensorDataset(pynn.arange(50))

    def epoch(loader):
        return [int(v) for (b,) in loader for v in b.tolist()]

    pynn.manual_seed(0)
    loader = DataLoader(ds, batch_size=8, shuffle=True)
    e1, e2 = epoch(loader), epoch(loader)
    assert sorted(e1) == list(range(50)) and sorted(e2) == list(range(50))
    assert e1 != list(range(50)) and e1 != e2  # shuffled, and differently each epoch
    pynn.manual_seed(0)
    assert epoch(DataLoader(ds, batch_size=8, shuffle=True)) == e1  # reproducible from the global seed

    g1 = pynn.Generator().manual_seed(123)
    g2 = pynn.Generator().manual_seed(123)
    a = epoch(DataLoader(ds, batch_size=5, shuffle=True, generator=g1))
    b = epoch(DataLoader(ds, batch_size=5, shuffle=True, generator=g2))
    assert a == b and sorted(a) == list(range(50))


def test_samplers():
    ds = list(range(7))
    assert list(SequentialSampler(ds)) == list(range(7))
    rs = RandomSampler(ds, generator=pynn.Generator().manual_seed(1))
    assert sorted(rs) == list(range(7)) and len(rs) == 7
    rs = RandomSampler(ds, replacement=True, num_samples=20, generator=pynn.Generator().manual_seed(1))
    draws = list(rs)
    assert len(draws) == 20 and all(0 <= d < 7 for d in draws)
    assert list(BatchSampler(SequentialSampler(ds), 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(SequentialSampler(ds), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    loader = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 2, False))
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5], [6]]


def test_no_batching_and_custom_collate():
    ds = [np.array([1.0, 2.0]), np.array([3.0, 4.0])]
    items = list(DataLoader(ds, batch_size=None))
    assert isinstance(items[0], pynn.Tensor) and items[0].dtype == pynn.float64 and items[1].tolist() == [3.0, 4.0]
    assert list(DataLoader(ds, batch_size=2, collate_fn=len)) == [2]


def test_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(), shuffle=True)


def test_random_split():
    ds = TensorDataset(pynn.arange(10))
    a, b = random_split(ds, [7, 3], generator=pynn.Generator().manual_seed(0))
    assert isinstance(a, Subset) and len(a) == 7 and len(b) == 3
    seen = sorted(int(a[i][0]) for i in range(7)) + sorted(int(b[i][0]) for i in range(3))
    assert sorted(seen) == list(range(10))
    parts = random_split(range(10), [0.5, 0.3, 0.2], generator=pynn.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(range(11), [0.5, 0.5])
    assert [len(p) for p in parts] == [6, 5]  # the leftover goes round-robin, as in torch
    again = random_split(ds, [7, 3], generator=pynn.Generator().manual_seed(0))
    assert again[0].indices == a.indices
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(ds, [5, 3])


def test_concat_and_subset():
    c = ConcatDataset([list(range(3)), list(range(10, 15))])
    assert len(c) == 8 and c[2] == 2 and c[3] == 10 and c[-1] == 14
    with pytest.raises(IndexError):
        c[8]
    assert [Subset(list("abcdef"), [5, 0])[i] for i in range(2)] == ["f", "a"]


# ---- bad input ----------------------------------------------------------------------------------------

def test_items_that_do_not_collate():
    ragged = [pynn.ones(2), pynn.ones(3)]
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        next(iter(DataLoader(ragged, batch_size=2)))
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers"):
        next(iter(DataLoader([object(), object()], batch_size=2)))
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_bad_loader_arguments():
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(list(range(3)), batch_size=0)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(list(range(3)), num_workers=-1)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(list(range(3)), shuffle=True, sampler=SequentialSampler(range(3)))
    with pytest.raises(TypeError, match="map-style Dataset"):
        DataLoader(5)
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        TensorDataset(pynn.ones(3), pynn.ones(4))
    with pytest.raises(TypeError, match="pynn.Generator"):
        DataLoader(list(range(3)), shuffle=True, generator=42)
