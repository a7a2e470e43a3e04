"""pynn.utils.data as a package (issue #17): submodules, lazy and weighted samplers, DistributedSampler,
ChainDataset, and DataLoader with real worker processes (order, seeds, worker_init_fn, get_worker_info,
persistent workers, errors from workers), compared with torch.utils.data."""
import os
import time
import tracemalloc
import warnings

import numpy as np
import pytest

import pynn
from pynn.utils import data as pdata

torch = pytest.importorskip("torch")
import torch.utils.data as tdata  # noqa: E402


def batches(loader):
    def arr(x):
        return np.asarray(x.numpy() if hasattr(x, "numpy") else x)

    return [[arr(x) for x in b] if isinstance(b, (list, tuple)) else [arr(b)] for b in loader]


def assert_same_batches(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert len(x) == len(y)
        for u, v in zip(x, y):
            np.testing.assert_array_equal(u, v)


def test_submodules_and_names():
    from pynn.utils.data import dataloader, dataset, distributed, sampler  # noqa: F401
    from pynn.utils.data.dataloader import DataLoader, default_collate  # noqa: F401
    from pynn.utils.data.dataset import ConcatDataset, Subset, TensorDataset  # noqa: F401
    from pynn.utils.data.distributed import DistributedSampler  # noqa: F401
    from pynn.utils.data.sampler import BatchSampler, RandomSampler, WeightedRandomSampler  # noqa: F401
    names = ("Dataset IterableDataset TensorDataset ConcatDataset ChainDataset Subset random_split Sampler "
             "SequentialSampler RandomSampler SubsetRandomSampler WeightedRandomSampler BatchSampler "
             "DistributedSampler DataLoader default_collate get_worker_info").split()
    for name in names:
        assert hasattr(pdata, name) and hasattr(tdata, name), name


def test_random_sampler_with_replacement_is_lazy():
    tracemalloc.start()
    s = pdata.RandomSampler(range(10), replacement=True, num_samples=10 ** 10)
    it = iter(s)
    first = [next(it) for _ in range(1000)]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(s) == 10 ** 10 and peak < 1 << 20
    assert all(0 <= i < 10 for i in first) and len(set(first)) == 10


def test_samplers_match_torch_where_deterministic():
    n = 23
    for drop_last in (False, True):
        a = list(pdata.BatchSampler(pdata.SequentialSampler(range(n)), 5, drop_last))
        b = list(tdata.BatchSampler(tdata.SequentialSampler(range(n)), 5, drop_last))
        assert a == b
    g = pynn.Generator().manual_seed(0)
    idx = [3, 9, 4, 7]
    assert sorted(pdata.SubsetRandomSampler(idx, generator=g)) == sorted(idx)
    for shuffle in (False, True):
        for drop_last in (False, True):
            for n in (10, 12):
                parts = [list(pdata.DistributedSampler(range(n), 3, r, shuffle=shuffle, drop_last=drop_last))
                         for r in range(3)]
                ref = [list(tdata.DistributedSampler(range(n), 3, r, shuffle=False, drop_last=drop_last))
                       for r in range(3)]
                if shuffle:  # another RNG: the same sizes, every index covered (padding repeats some)
                    flat = sum(parts, [])
                    assert [len(p) for p in parts] == [len(p) for p in ref]
                    assert set(flat) == set(range(n)) if not drop_last else len(set(flat)) == len(flat)
                else:
                    assert parts == ref
    with pytest.raises(ValueError, match="Invalid rank 3"):
        pdata.DistributedSampler(range(4), 3, 3)
    with pytest.raises(ValueError, match="process group"):
        pdata.DistributedSampler(range(4))


def test_distributed_sampler_epochs():
    s = pdata.DistributedSampler(range(50), 2, 0, seed=1)
    e0 = list(s)
    s.set_epoch(1)
    assert list(s) != e0
    s.set_epoch(0)
    assert list(s) == e0


def test_weighted_random_sampler():
    w = [0.1, 0.0, 5.0, 1.0]
    g = pynn.Generator().manual_seed(0)
    draws = list(pdata.WeightedRandomSampler(w, 30000, generator=g))
    freq = np.bincount(draws, minlength=4) / len(draws)
    np.testing.assert_allclose(freq, np.array(w) / sum(w), atol=0.01)
    s = pdata.WeightedRandomSampler(pynn.tensor(w), 3, replacement=False, generator=g)
    got = list(s)
    assert len(got) == 3 and len(set(got)) == 3 and 1 not in got  # the zero weight comes last
    assert len(list(pdata.WeightedRandomSampler(w, 4, replacement=False))) == 4
    assert s.weights.dtype == pynn.float64 and len(s) == 3
    for bad, n, repl in [([1.0, -1.0], 2, True), ([float("nan"), 1.0], 2, True), ([0.0, 0.0], 2, True),
                         ([1.0, 1.0], 3, False), ([[1.0, 2.0]], 1, True)]:
        with pytest.raises(Exception) as ref:
            list(tdata.WeightedRandomSampler(bad, n, repl))
        with pytest.raises(type(ref.value)) as got:
            list(pdata.WeightedRandomSampler(bad, n, repl))
        assert str(ref.value).split("(")[0][:30] == str(got.value).split("(")[0][:30]
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        pdata.WeightedRandomSampler(w, 0)


def _split_stream(self):
    info = (pdata if self.lib is pynn else tdata).get_worker_info()
    if info is None:
        return iter(range(self.n))
    per = self.n // info.num_workers
    return iter(range(info.id * per, (info.id + 1) * per))


class Stream(pdata.IterableDataset):
    lib = pynn
    __iter__ = _split_stream

    def __init__(self, n):
        self.n = n


class TorchStream(tdata.IterableDataset):
    lib = torch
    __iter__ = _split_stream

    def __init__(self, n):
        self.n = n


def test_chain_and_concat_datasets():
    a, b = Stream(4), Stream(3)
    assert list(a + b) == list(pdata.ChainDataset([a, b])) == [0, 1, 2, 3, 0, 1, 2]
    assert len(pdata.ChainDataset([range_ds(4), range_ds(2)])) == 6
    c = pdata.ConcatDataset([[0, 1, 2], [0, 1]])
    assert [c[i] for i in range(len(c))] == [0, 1, 2, 0, 1]
    with pytest.raises(TypeError):
        pdata.ConcatDataset([range_ds(3)])


class range_ds(pdata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def tensor_datasets(n=37):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n)
    return (pdata.TensorDataset(pynn.from_numpy(x), pynn.from_numpy(y)),
            tdata.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)))


@pytest.mark.parametrize("num_workers", [0, 2])
def test_tensor_dataset_batches_match_torch(num_workers):
    p, t = tensor_datasets()
    for kw in (dict(batch_size=8), dict(batch_size=8, drop_last=True), dict(batch_size=None)):
        a = batches(pdata.DataLoader(p, num_workers=num_workers, **kw))
        b = batches(tdata.DataLoader(t, num_workers=0, **kw))
        assert_same_batches(a, b)


def test_tensor_dataset_gather_matches_per_sample_collate():
    # The fast path (one gather per tensor) against the reference: index each sample, then default_collate.
    p, _ = tensor_datasets()
    idx = [5, 0, 36, 5, 17]
    sub = pdata.Subset(pdata.Subset(p, list(range(36, -1, -1))), [3, 1, 4, 1, 5, 9, 2, 6])
    for ds, rows in ((p, idx), (sub, [0, 7, 2, 2])):
        fast = pdata.dataloader.fetch_map(ds, rows, True, pdata.default_collate)
        ref = pdata.default_collate([ds[i] for i in rows])
        for f, r in zip(fast, ref):
            assert f.dtype == r.dtype
            np.testing.assert_array_equal(f.numpy(), r.numpy())


def test_workers_give_the_single_process_order_and_shuffle():
    p, _ = tensor_datasets(101)
    pynn.manual_seed(5)
    a = batches(pdata.DataLoader(p, batch_size=10, shuffle=True))
    pynn.manual_seed(5)
    b = batches(pdata.DataLoader(p, batch_size=10, shuffle=True, num_workers=2, prefetch_factor=3))
    assert_same_batches(a, b)
    assert sorted(np.concatenate([x[1] for x in a]).tolist()) == list(range(101))


def test_iterable_dataset_split_between_workers_as_torch():
    for bs in (3, None):
        a = batches(pdata.DataLoader(Stream(10), batch_size=bs, num_workers=2))
        b = batches(tdata.DataLoader(TorchStream(10), batch_size=bs, num_workers=2))
        assert_same_batches(a, b)


class WhoAmI(pdata.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = pdata.get_worker_info()
        return np.array([i, info.id, info.num_workers, os.getpid(), _INIT.get("worker", -1),
                         int(pynn.randint(0, 2 ** 30, (1,)).item())])


_INIT = {}


def mark_init(worker_id):
    _INIT["worker"] = worker_id


def test_worker_info_init_fn_seeds_and_persistence():
    assert pdata.get_worker_info() is None
    loader = pdata.DataLoader(WhoAmI(), batch_size=2, num_workers=2, worker_init_fn=mark_init,
                              persistent_workers=True)
    epochs = [np.concatenate([b[0] for b in batches(loader)]) for _ in range(2)]
    for rows in epochs:
        assert rows[:, 0].tolist() == list(range(8))
        assert rows[:, 1].tolist() == [0, 0, 1, 1, 0, 0, 1, 1]  # batches go round-robin to the workers
        assert (rows[:, 2] == 2).all() and (rows[:, 4] == rows[:, 1]).all()
        assert len(set(rows[:, 3].tolist())) == 2 and os.getpid() not in rows[:, 3]
    assert set(epochs[0][:, 3]) == set(epochs[1][:, 3])  # persistent: the same processes
    # Per-worker seeds: the workers' global generators differ from each other.
    assert epochs[0][0, 5] != epochs[0][2, 5]
    fresh = [np.concatenate([b[0] for b in batches(pdata.DataLoader(WhoAmI(), batch_size=2, num_workers=2))])
             for _ in range(2)]
    assert set(fresh[0][:, 3]).isdisjoint(fresh[1][:, 3])  # not persistent: new processes each epoch


class Failing(pdata.Dataset):
    def __init__(self, how):
        self.how = how

    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == 5:
            if self.how == "raise":
                raise KeyError("bad item 5")
            if self.how == "die":
                os._exit(7)
            time.sleep(5)
        return i


def test_worker_exception_reaches_main_with_traceback():
    with pytest.raises(KeyError) as e:
        list(pdata.DataLoader(Failing("raise"), batch_size=2, num_workers=2))
    msg = str(e.value)
    assert "Caught KeyError in DataLoader worker process 0" in msg
    assert "Original Traceback" in msg and "bad item 5" in msg and "__getitem__" in msg


def test_worker_death_and_timeout_are_clean_errors():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(pdata.DataLoader(Failing("die"), batch_size=2, num_workers=2))
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        list(pdata.DataLoader(Failing("sleep"), batch_size=2, num_workers=1, timeout=0.5))


def test_loader_option_errors_match_torch():
    for kw in (dict(prefetch_factor=2), dict(persistent_workers=True), dict(num_workers=-1),
               dict(num_workers=1, prefetch_factor=-1)):
        with pytest.raises(ValueError) as ref:
            tdata.DataLoader(range(4), **kw)
        with pytest.raises(ValueError) as got:
            pdata.DataLoader(list(range(4)), **kw)
        assert str(got.value) == str(ref.value)


def test_pin_memory_accepted():
    p, t = tensor_datasets(10)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        a = batches(pdata.DataLoader(p, batch_size=4, pin_memory=True))
    assert any("pin_memory" in str(x.message) for x in w)
    assert_same_batches(a, batches(tdata.DataLoader(t, batch_size=4)))
    x = pynn.ones(3)
    y = x.pin_memory()
    assert y is not x and np.array_equal(y.numpy(), x.numpy()) and not x.is_pinned()
