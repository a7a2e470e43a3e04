"""The training loops of the tutorials (/work/shared/seeds, Chinese PyTorch tutorials) run unchanged with
`import pynn as torch`. Each tutorial is split into its setup code (data, model, loss, optimizer) and its
training loop, both verbatim. The setup runs with torch and with pynn; pynn then receives torch's data and
initial weights, so the verbatim loop must produce the same losses and weights under both libraries."""
import sys
import types

import numpy as np
import pytest

import pynn

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

PYNN_IMPORTS = {
    "import torch.nn.functional as F": "import pynn.nn.functional as F",
    "import torch.nn as nn": "import pynn.nn as nn",
    "import torch.optim as optim": "import pynn.optim as optim",
    "from torch.utils.data import DataLoader, TensorDataset": "from pynn.utils.data import DataLoader, TensorDataset",
    "import torch\n": "import pynn as torch\n",
}


def with_pynn(src: str) -> str:
    """The only edit a user makes: the import lines."""
    for old, new in PYNN_IMPORTS.items():
        src = src.replace(old, new)
    assert "import torch" not in src.replace("import pynn as torch", "")
    return src


def run(src: str, ns: dict) -> dict:
    exec(compile(src, "<tutorial>", "exec"), ns)
    return ns


def namespace(name: str) -> dict:
    # Classes defined by a tutorial live in a real module, so whole-model pickling can find them.
    mod = types.ModuleType(name)
    sys.modules[name] = mod
    return mod.__dict__


def sync(pns: dict, tns: dict, tensors=(), models=()):
    """Gives pynn's namespace torch's data tensors and model weights."""
    for name in tensors:
        pns[name] = pynn.tensor(tns[name].detach().numpy())
    for name in models:
        pns[name].load_state_dict({k: pynn.tensor(v.numpy()) for k, v in tns[name].state_dict().items()})


def compare_models(pmodel, tmodel, rtol=1e-5, atol=1e-6):
    tsd = tmodel.state_dict()
    psd = pmodel.state_dict()
    assert list(psd) == list(tsd)
    for k in tsd:
        np.testing.assert_allclose(psd[k].numpy(), tsd[k].numpy(), rtol=rtol, atol=atol, err_msg=k)


def twin_run(setup: str, train: str, tensors, models, name: str):
    tns = run(setup, namespace(name + "_torch"))
    pns = run(with_pynn(setup), namespace(name + "_pynn"))
    sync(pns, tns, tensors, models)
    run(train, tns)
    run(with_pynn(train), pns)
    return pns, tns


# ---- 002: linear regression with nn.Linear, MSELoss, SGD, 200 epochs ---------------------------------------

LINREG_SETUP = """
import torch
import numpy as np

torch.manual_seed(42)

x = torch.linspace(0, 1, 100).reshape(-1, 1)
y = 2 * x + 1 + torch.randn(x.size()) * 0.1

import torch.nn as nn

model = nn.Linear(1, 1)

criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
"""

LINREG_TRAIN = """
num_epochs = 200
losses = []
for epoch in range(num_epochs):
    outputs = model(x)
    loss = criterion(outputs, y)

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

with torch.no_grad():
    predicted = model(x)
"""


def test_linear_regression_200_epochs():
    pns, tns = twin_run(LINREG_SETUP, LINREG_TRAIN, ["x", "y"], ["model"], "tut_linreg")
    assert isinstance(pns["model"], pynn.nn.Linear)
    np.testing.assert_allclose(pns["losses"], tns["losses"], rtol=1e-5)
    assert pns["losses"][-1] < 0.3 * pns["losses"][0]
    compare_models(pns["model"], tns["model"])
    np.testing.assert_allclose(pns["predicted"].numpy(), tns["predicted"].numpy(), rtol=1e-5, atol=1e-6)
    assert not pns["predicted"].requires_grad


# ---- 003: Sequential binary classifier (MSELoss + SGD), then SimpleNN with BCELoss ------------------------

CLASSIFIER_SETUP = """
import torch
import torch.nn as nn
import torch.optim as optim

n_in, n_h, n_out, batch_size = 10, 5, 1, 10

x = torch.randn(batch_size, n_in)
y = torch.tensor([[1.0], [0.0], [0.0], [1.0], [1.0],
                  [1.0], [0.0], [0.0], [1.0], [1.0]])

model = nn.Sequential(
    nn.Linear(n_in, n_h),
    nn.ReLU(),
    nn.Linear(n_h, n_out),
    nn.Sigmoid()
)

criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)
"""

CLASSIFIER_TRAIN = """
losses = []
for epoch in range(50):
    y_pred = model(x)
    loss = criterion(y_pred, y)

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
"""


def test_sequential_binary_classifier():
    pns, tns = twin_run(CLASSIFIER_SETUP, CLASSIFIER_TRAIN, ["x", "y"], ["model"], "tut_seq")
    np.testing.assert_allclose(pns["losses"], tns["losses"], rtol=1e-5)
    compare_models(pns["model"], tns["model"])


SIMPLENN_SETUP = CLASSIFIER_SETUP + """
class SimpleNN(nn.Module):
    def __init__(self, n_in=10, n_h=5, n_out=1):
        super(SimpleNN, self).__init__()
        self.fc1 = nn.Linear(n_in, n_h)
        self.fc2 = nn.Linear(n_h, n_out)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = self.sigmoid(self.fc2(x))
        return x

model = SimpleNN()

criterion = nn.BCELoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)
"""

SIMPLENN_TRAIN = """
epochs = 100
losses = []
for epoch in range(epochs):
    outputs = model(x)
    loss = criterion(outputs, y)

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
"""


def test_simple_nn_with_bce_loss():
    pns, tns = twin_run(SIMPLENN_SETUP, SIMPLENN_TRAIN, ["x", "y"], ["model"], "tut_simplenn")
    np.testing.assert_allclose(pns["losses"], tns["losses"], rtol=1e-5, atol=1e-7)
    assert pns["losses"][-1] < pns["losses"][0]
    compare_models(pns["model"], tns["model"])


# ---- 004: the DataLoader loop with CrossEntropyLoss ------------------------------------------------------

LOADER_SETUP = """
import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

class SimpleNet(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(SimpleNet, self).__init__()
        self.linear = nn.Linear(input_size, hidden_size)
        self.activation = nn.ReLU()
        self.output = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        x = self.linear(x)
        x = self.activation(x)
        x = self.output(x)
        return x

images = torch.randn(96, 784)
targets = torch.randint(0, 10, (96,))
num_epochs = 3

model = SimpleNet(input_size=784, hidden_size=128, output_size=10)
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)
"""

LOADER_TRAIN = """
train_loader = DataLoader(TensorDataset(images, targets), batch_size=32, shuffle=SHUFFLE)
losses = []
for epoch in range(num_epochs):
    for inputs, labels in train_loader:
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
"""


def test_dataloader_loop_with_cross_entropy():
    train = LOADER_TRAIN.replace("SHUFFLE", "False")  # torch's and pynn's shuffles draw different orders
    pns, tns = twin_run(LOADER_SETUP, train, ["images", "targets"], ["model"], "tut_loader")
    assert len(pns["losses"]) == 9
    np.testing.assert_allclose(pns["losses"], tns["losses"], rtol=1e-5)
    compare_models(pns["model"], tns["model"], rtol=1e-4, atol=1e-6)


def test_dataloader_loop_shuffled_learns():
    pns = run(with_pynn(LOADER_SETUP + LOADER_TRAIN.replace("SHUFFLE", "True").replace("num_epochs", "20")),
              namespace("tut_loader_shuffled"))
    first, last = np.mean(pns["losses"][:3]), np.mean(pns["losses"][-3:])
    assert last < 0.8 * first


# ---- 003: saving and loading -----------------------------------------------------------------------------

def test_save_load_state_dict_and_whole_model(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pns = run(with_pynn(SIMPLENN_SETUP), namespace("tut_save"))
    model = pns["model"]
    x = pns["x"]
    expected = model(x)
    run(with_pynn("""
import torch
torch.save(model.state_dict(), 'model_state.pth')
model = SimpleNN()
model.load_state_dict(torch.load('model_state.pth'))
"""), pns)
    assert pynn.equal(pns["model"](x), expected)

    run(with_pynn("""
import torch
torch.save(model, 'model.pth')
model = torch.load('model.pth', weights_only=False)
"""), pns)
    assert type(pns["model"]).__name__ == "SimpleNN" and pns["model"] is not model
    assert pynn.equal(pns["model"](x), expected)
    # As in torch >= 2.6, the tutorial's bare torch.load('model.pth') is refused: it would run pickled code.
    import pickle

    with pytest.raises(pickle.UnpicklingError, match="weights_only=False"):
        run(with_pynn("import torch\nmodel = torch.load('model.pth')\n"), pns)
