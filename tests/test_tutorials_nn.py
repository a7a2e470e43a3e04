"""The torch.nn snippets of the tutorials (shared/seeds/*.txt) run unchanged with pynn standing in for torch.

Each snippet is the tutorial's code, executed once with `torch` resolving to pynn (sys.modules aliases, so
`import torch.nn as nn` and `import torch.nn.functional as F` pick up pynn's) and once with real torch;
the printed structure must agree and, where the state is copied across, the numbers too.
Left out: conv/pool/norm/RNN/embedding layers, torchvision, DataLoader, optimizers and save/load (other
parts of pynn) and plotting. Training loops use a hand-written SGD step (commented where it replaces
`optimizer.step()`)."""
import contextlib
import io
import re
import sys
import textwrap

import numpy as np
import pytest

import pynn
from conftest import assert_close
from nn_testing import copy_state, to_pynn

torch = pytest.importorskip("torch")

_ALIASES = {"torch": pynn, "torch.nn": pynn.nn, "torch.nn.functional": pynn.nn.functional,
            "torch.nn.init": pynn.nn.init}


@contextlib.contextmanager
def _pynn_as_torch():
    saved = {name: sys.modules.get(name) for name in _ALIASES}
    sys.modules.update(_ALIASES)
    try:
        yield
    finally:
        for name, mod in saved.items():
            if mod is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = mod


def run(code, lib, ns=None):
    """exec the snippet with `torch` meaning lib; returns (namespace, printed text)."""
    ns = {} if ns is None else ns
    out = io.StringIO()
    ctx = _pynn_as_torch() if lib is pynn else contextlib.nullcontext()
    with ctx, contextlib.redirect_stdout(out):
        exec(textwrap.dedent(code), ns)
    return ns, out.getvalue()


def run_both(code, p_ns=None, t_ns=None):
    p_ns, p_out = run(code, pynn, p_ns)
    t_ns, t_out = run(code, torch, t_ns)
    return p_ns, p_out, t_ns, t_out


def normalized(text):
    """Printed text with library names and random numbers masked (structure only)."""
    text = text.replace("torch.", "pynn.")
    return re.sub(r"-?\d+\.\d+(e[-+]?\d+)?", "<num>", text)


# ----------------------------------------------------------------------------------------- 000
SNIPPET_CUSTOM_LAYER = """
import torch
import torch.nn as nn

class CustomLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(100, 50))  # 自动跟踪梯度
        self.bias = nn.Parameter(torch.zeros(50))

    def forward(self, x):
        return x @ self.weight + self.bias

layer = CustomLayer()
out = layer(torch.randn(4, 100))
"""


def test_custom_layer_parameters_and_grads():
    p_ns, _, t_ns, _ = run_both(SNIPPET_CUSTOM_LAYER)
    pl, tl = p_ns["layer"], t_ns["layer"]
    assert [n for n, _ in pl.named_parameters()] == ["weight", "bias"]
    copy_state(pl, tl)
    x = np.random.default_rng(0).standard_normal((4, 100)).astype(np.float32)
    po, to = pl(pynn.tensor(x)), tl(torch.tensor(x))
    assert_close(po, to, rtol=1e-4, atol=1e-4)
    po.sum().backward()
    to.sum().backward()
    assert_close(pl.weight.grad, tl.weight.grad, rtol=1e-5, atol=1e-5)
    assert_close(pl.bias.grad, tl.bias.grad)


SNIPPET_SEQUENTIAL_AND_FUNCTIONAL = """
import torch
import torch.nn as nn
import torch.nn.functional as F

model = nn.Sequential(   #快速堆叠层
    nn.Linear(100, 50),  # 全连接层
    nn.ReLU(),           # 激活函数
    nn.Dropout(0.5),     # Dropout层
    nn.Linear(50, 10)    # 输出层
)
print(model)
model_output = model(torch.randn(8, 100))
target_labels = torch.randint(0, 10, (8,))
criterion = nn.CrossEntropyLoss()
loss = criterion(model_output, target_labels)

input_tensor = torch.randn(8, 10)
logits, labels = model_output, target_labels
# 直接调用函数，无需先实例化类
output = F.relu(input_tensor)          # ReLU激活
loss2 = F.cross_entropy(logits, labels) # 交叉熵损失
x = F.dropout(input_tensor, p=0.5, training=model.training)  # 动态Dropout

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = model.to(device)
print(device)
"""


def test_sequential_loss_and_functional_forms():
    p_ns, p_out, t_ns, t_out = run_both(SNIPPET_SEQUENTIAL_AND_FUNCTIONAL)
    assert normalized(p_out) == normalized(t_out)
    assert tuple(p_ns["loss"].shape) == () and p_ns["loss"].grad_fn is not None
    assert float(p_ns["loss2"]) == pytest.approx(float(p_ns["loss"]))
    assert float(p_ns["output"].min()) >= 0


SNIPPET_FUNCTIONAL_LINEAR = """
import torch
import torch.nn as nn
import torch.nn.functional as F

class MyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.manual_weight = nn.Parameter(torch.randn(50, 100))
        self.manual_bias = nn.Parameter(torch.randn(50))

    def forward(self, x, dropout_p=0.5):
        x = F.linear(x, self.manual_weight, self.manual_bias)  # 手动传参
        if self.training:
            x = F.dropout(x, p=dropout_p)  # 动态调整dropout率
        return x

model = MyModel()
model.eval()
out = model(torch.randn(3, 100))
"""


def test_functional_linear_with_manual_parameters():
    p_ns, _, t_ns, _ = run_both(SNIPPET_FUNCTIONAL_LINEAR)
    copy_state(p_ns["model"], t_ns["model"])
    x = np.random.default_rng(1).standard_normal((3, 100)).astype(np.float32)
    assert_close(p_ns["model"](pynn.tensor(x)), t_ns["model"](torch.tensor(x)), rtol=1e-4, atol=1e-4)
    p_ns["model"].train()
    y = p_ns["model"](pynn.tensor(x)).detach().numpy()
    assert 0.3 < (y == 0).mean() < 0.7


# ----------------------------------------------------------------------------------------- 001
SNIPPET_001 = """
import torch
import torch.nn as nn

class MyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 20)  # 输入10维 -> 输出20维
        self.fc2 = nn.Linear(20, 1)   # 输入20维 -> 输出1维

    def forward(self, x):  # 定义前向传播
        x = torch.relu(self.fc1(x))
        x = self.fc2(x)
        return x

model = MyModel()

class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(10, 20), nn.Linear(20, 30)])
        self.dict = nn.ModuleDict({
            "fc1": nn.Linear(10, 20),
            "fc2": nn.Linear(20, 1)
        })

holder = Holder()
print(holder)
losses = [nn.MSELoss(), nn.L1Loss(), nn.CrossEntropyLoss(), nn.BCELoss(), nn.NLLLoss(), nn.SmoothL1Loss()]
acts = [nn.ReLU(), nn.Sigmoid(), nn.Tanh()]
x = torch.randn(5, 10)
fns = [torch.relu(x), torch.sigmoid(x), torch.tanh(x)]
print(losses, acts)

# 1. 定义模型
model2 = nn.Sequential(
    nn.Linear(10, 20),
    nn.ReLU(),
    nn.Linear(20, 1)
)
# 2. 定义损失函数
criterion = nn.MSELoss()
"""

SNIPPET_001_TRAIN_STEP = """
# 4. 前向传播 + 反向传播 + 更新
output = model2(x)        # 前向
loss = criterion(output, y)   # 计算损失
model2.zero_grad()    # 梯度清零 (optimizer.zero_grad())
loss.backward()          # 反向传播
with torch.no_grad():    # 参数更新 (optimizer.step(), SGD lr=0.01)
    for p in model2.parameters():
        p -= 0.01 * p.grad
"""


def test_tutorial_001_structure_and_training_step():
    p_ns, p_out, t_ns, t_out = run_both(SNIPPET_001)
    assert p_out == t_out  # no random numbers printed: reprs must be identical
    assert [n for n, _ in p_ns["holder"].named_parameters()] == [n for n, _ in t_ns["holder"].named_parameters()]
    copy_state(p_ns["model2"], t_ns["model2"])
    x = np.random.default_rng(2).standard_normal((5, 10)).astype(np.float32)
    y = np.random.default_rng(3).standard_normal((5, 1)).astype(np.float32)
    p_ns.update(x=pynn.tensor(x), y=pynn.tensor(y))
    t_ns.update(x=torch.tensor(x), y=torch.tensor(y))
    run_both(SNIPPET_001_TRAIN_STEP, p_ns, t_ns)
    assert_close(p_ns["loss"], t_ns["loss"], rtol=1e-5)
    for (n, p), (_, t) in zip(p_ns["model2"].named_parameters(), t_ns["model2"].named_parameters()):
        assert_close(p.detach(), t.detach(), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------------------- 002
SNIPPET_REGRESSION_DATA = """
import torch
import numpy as np

# 设置随机种子
torch.manual_seed(42)

# 生成数据
x = torch.linspace(0, 1, 100).reshape(-1, 1)  # 100个数据点
y = 2 * x + 1 + torch.randn(x.size()) * 0.1  # y = 2x + 1 + 噪声

import torch.nn as nn

# 定义线性模型
model = nn.Linear(1, 1)  # 输入是1维，输出也是1维
criterion = nn.MSELoss()
"""

SNIPPET_REGRESSION_TRAIN = """
num_epochs = 200

for epoch in range(num_epochs):
    # 正向传播
    outputs = model(x)  # 计算预测
    loss = criterion(outputs, y)  # 计算损失

    # 反向传播
    model.zero_grad()  # 清零之前的梯度 (optimizer.zero_grad())
    loss.backward()  # 计算梯度
    with torch.no_grad():  # 更新参数 (optimizer.step(), SGD lr=0.01)
        for p in model.parameters():
            p -= 0.01 * p.grad

    if (epoch+1) % 20 == 0:
        print(f'Epoch [{epoch+1}/{num_epochs}], Loss: {loss.item():.4f}')

with torch.no_grad():  # 在这个上下文中不需要计算梯度
    predicted = model(x)
pred_np = predicted.numpy()
"""


def test_linear_regression_training_matches_torch():
    p_ns, _, t_ns, _ = run_both(SNIPPET_REGRESSION_DATA)
    copy_state(p_ns["model"], t_ns["model"])
    p_ns["y"] = to_pynn(t_ns["y"])  # same noise in both runs
    p_ns, p_out, t_ns, t_out = run_both(SNIPPET_REGRESSION_TRAIN, p_ns, t_ns)
    p_losses = [float(v) for v in re.findall(r"Loss: ([\d.]+)", p_out)]
    t_losses = [float(v) for v in re.findall(r"Loss: ([\d.]+)", t_out)]
    assert len(p_losses) == 10
    np.testing.assert_allclose(p_losses, t_losses, atol=2e-4)
    np.testing.assert_allclose(p_ns["pred_np"], t_ns["pred_np"], rtol=1e-4, atol=1e-5)
    assert p_ns["predicted"].grad_fn is None


SNIPPET_002_MODULES = """
import torch
import torch.nn as nn
import torch.nn.functional as F

class MyModel(nn.Module):
    def __init__(self):
        super(MyModel, self).__init__()
        # 将一个普通的张量转换为模型参数
        self.weight = nn.Parameter(torch.randn(2, 3))

    def forward(self, x):
        return x @ self.weight.t()

# 创建模型实例
model = MyModel()
print("模型参数：", model.weight)

class MyModel(nn.Module):
    def __init__(self):
        super(MyModel, self).__init__()
        self.linear = nn.Linear(3, 1)

    def forward(self, x):
        return self.linear(x)

# 创建模型实例
model_b = MyModel()

# 定义输入数据和目标值
input_data = torch.tensor([[1.0, 2.0, 3.0]])
target = torch.tensor([[1.0]])

# 计算输出
output = model_b(input_data)
print("前向传播结果：", output)

# 定义损失函数
loss_fn = nn.MSELoss()
loss = loss_fn(output, target)
print("损失值：", loss.item())

# 反向传播
loss.backward()
print("线性层的权重梯度：", model_b.linear.weight.grad)

class SubModel(nn.Module):
    def __init__(self):
        super(SubModel, self).__init__()
        self.linear = nn.Linear(3, 3)

    def forward(self, x):
        return self.linear(x)

class MyModel(nn.Module):
    def __init__(self):
        super(MyModel, self).__init__()
        self.submodel = SubModel()
        self.linear = nn.Linear(3, 1)

    def forward(self, x):
        x = self.submodel(x)
        return self.linear(x)

# 创建模型实例
model_c = MyModel()
output_c = model_c(input_data)
print("嵌套模块前向传播结果：", output_c)

class MyModel(nn.Module):
    def __init__(self):
        super(MyModel, self).__init__()
        self.weight = nn.Parameter(torch.randn(3, 3))

    def forward(self, x):
        # 使用 nn.functional 进行线性变换
        return F.linear(x, self.weight)

model_d = MyModel()
output_d = model_d(input_data)
print("使用 nn.functional 计算的前向传播结果：", output_d)

# 使用 nn.Sequential 定义模型
model_e = nn.Sequential(
    nn.Linear(3, 5),
    nn.ReLU(),
    nn.Linear(5, 1)
)
output_e = model_e(input_data)
print("Sequential 模型前向传播结果：", output_e)

x = torch.randn(2, 3)
relu_x = F.relu(x)  # 使用 F.relu
softmax_x = F.softmax(x, dim=1)  # 使用 F.softmax
output = torch.randn(10, 5)  # 假设有 10 个样本，5 个类别的分类任务
target = torch.randint(0, 5, (10,))  # 随机生成 10 个标签
loss_ce = F.cross_entropy(output, target)  # 计算交叉熵损失
"""


def test_tutorial_002_module_examples():
    p_ns, p_out, t_ns, t_out = run_both(SNIPPET_002_MODULES)
    # same lines, same structure (Parameter containing:, grad_fn names differ only in numbering/wording)
    p_lines, t_lines = p_out.splitlines(), t_out.splitlines()
    assert len(p_lines) == len(t_lines)
    assert p_lines[0] == "模型参数： Parameter containing:"
    assert "requires_grad=True" in p_out and "grad_fn=<" in p_out
    for name in ("model_b", "model_c", "model_d", "model_e"):
        copy_state(p_ns[name], t_ns[name])
        x = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
        assert_close(p_ns[name](pynn.tensor(x)), t_ns[name](torch.tensor(x)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(p_ns["softmax_x"].sum(1).numpy(), [1, 1], rtol=1e-6)
    assert p_ns["loss_ce"].dim() == 0


SNIPPET_MANUAL_NET = """
import torch
batch_n = 100#一个批次输入数据的数量
hidden_layer = 100
input_data = 1000#每个数据的特征为1000
output_data = 10

x = torch.randn(batch_n,input_data)
y = torch.randn(batch_n,output_data)

w1 = torch.randn(input_data,hidden_layer)
w2 = torch.randn(hidden_layer,output_data)

epoch_n = 20
lr = 1e-6

for epoch in range(epoch_n):
    h1=x.mm(w1)#(100,1000)*(1000,100)-->100*100
    print(h1.shape)
    h1=h1.clamp(min=0)
    y_pred = h1.mm(w2)

    loss = (y_pred-y).pow(2).sum()
    print("epoch:{},loss:{:.4f}".format(epoch,loss))

    grad_y_pred = 2*(y_pred-y)
    grad_w2 = h1.t().mm(grad_y_pred)

    grad_h = grad_y_pred.clone()
    grad_h = grad_h.mm(w2.t())
    grad_h.clamp_(min=0)#将小于0的值全部赋值为0，相当于sigmoid
    grad_w1 = x.t().mm(grad_h)

    w1 = w1 -lr*grad_w1
    w2 = w2 -lr*grad_w2
"""


def test_manual_two_layer_net_runs_and_loss_decreases():
    _, out = run(SNIPPET_MANUAL_NET, pynn)
    assert out.count("pynn.Size([100, 100])") == 20
    losses = [float(v) for v in re.findall(r"loss:([\d.]+)", out)]
    assert len(losses) == 20 and losses[-1] < losses[0]


# ----------------------------------------------------------------------------------------- 003
SNIPPET_003_BASICS = """
import torch
import torch.nn as nn

class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 5)
        self.fc2 = nn.Linear(5, 1)

    def forward(self, x):
        x = self.fc1(x)
        x = torch.relu(x)
        x = self.fc2(x)
        return x

# 使用
model = SimpleNet()
x = torch.randn(32, 10)  # batch_size=32, features=10
output = model(x)
print(output.shape)  # (32, 1)

model = SimpleNet()

# 查看模型结构
print(model)

# 获取所有参数
for name, param in model.named_parameters():
    print(f"{name}: {param.shape}")

# 获取所有模块
for name, module in model.named_modules():
    print(f"{name}: {module}")

# 获取所有子模块
for name, child in model.named_children():
    print(f"{name}: {child}")

# 设置为训练/评估模式
model.train()   # 训练模式（启用 dropout 等）
model.eval()    # 评估模式（禁用 dropout 等）

# Linear(in_features, out_features, bias=True)
fc = nn.Linear(784, 128)
x = torch.randn(32, 784)
out = fc(x)
print(out.shape)  # (32, 128)

# ReLU
relu = nn.ReLU()
x = torch.randn(32, 128)
out = relu(x)

# Sigmoid
sigmoid = nn.Sigmoid()
out = sigmoid(x)

# Tanh
tanh = nn.Tanh()
out = tanh(x)

# Leaky ReLU
leaky_relu = nn.LeakyReLU(negative_slope=0.01)

# GELU
gelu = nn.GELU()

# 也可以直接使用函数形式
out = torch.relu(x)
out = torch.sigmoid(x)

# Dropout（训练时随机置零，评估时不变）
dropout = nn.Dropout(p=0.5)
x = torch.randn(32, 128)
out = dropout(x)
print(leaky_relu, gelu, dropout)
"""


def test_tutorial_003_module_basics_print_like_torch():
    p_ns, p_out, t_ns, t_out = run_both(SNIPPET_003_BASICS)
    assert p_out == t_out.replace("torch.", "pynn.")
    assert not p_ns["model"].training and not p_ns["model"].fc1.training


SNIPPET_MLP = """
import torch
import torch.nn as nn

class MLP(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, hidden_size)
        self.fc3 = nn.Linear(hidden_size, output_size)
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(0.2)

    def forward(self, x):
        x = self.fc1(x)
        x = self.relu(x)
        x = self.dropout(x)
        x = self.fc2(x)
        x = self.relu(x)
        x = self.dropout(x)
        x = self.fc3(x)
        return x

model = MLP(784, 256, 10)
print(model)
"""


def test_mlp_train_and_eval_mode_against_torch():
    p_ns, p_out, t_ns, t_out = run_both(SNIPPET_MLP)
    assert p_out == t_out
    pm, tm = p_ns["model"], t_ns["model"]
    copy_state(pm, tm)
    x = np.random.default_rng(4).standard_normal((16, 784)).astype(np.float32)
    pm.eval()
    tm.eval()
    px, tx = pynn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    po, to = pm(px), tm(tx)
    assert_close(po, to, rtol=1e-4, atol=1e-5)
    target = np.random.default_rng(5).integers(0, 10, 16)
    pynn.nn.CrossEntropyLoss()(po, pynn.tensor(target)).backward()
    torch.nn.CrossEntropyLoss()(to, torch.tensor(target)).backward()
    assert_close(px.grad, tx.grad, rtol=1e-4, atol=1e-6)
    for (n, p), (_, t) in zip(pm.named_parameters(), tm.named_parameters()):
        assert_close(p.grad, t.grad, rtol=1e-4, atol=1e-6)
    # train mode: dropout active, outputs differ between calls, backward still works
    pm.train()
    y1, y2 = pm(pynn.tensor(x)), pm(pynn.tensor(x))
    assert not np.allclose(y1.detach().numpy(), y2.detach().numpy())
    y1.sum().backward()


SNIPPET_INIT = """
def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)
    elif isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')

model = MLP(784, 256, 10)
model.apply(init_weights)
"""

SNIPPET_MANUAL_INIT = """
model = MLP(784, 256, 10)
# 或手动初始化
nn.init.xavier_uniform_(model.fc1.weight)
nn.init.zeros_(model.fc1.bias)
"""


def _check_xavier(model):
    w = model.fc1.weight.detach().numpy()
    assert np.abs(w).max() <= np.sqrt(6 / (784 + 256)) + 1e-7
    assert float(model.fc1.bias.detach().abs().sum()) == 0


def test_init_weights_apply():
    if not hasattr(pynn.nn, "Conv2d"):
        pytest.skip("the snippet's elif branch names nn.Conv2d, which this pynn build lacks")
    p_ns, _ = run(SNIPPET_MLP, pynn)
    p_ns, _ = run(SNIPPET_INIT, pynn, p_ns)
    _check_xavier(p_ns["model"])
    assert all(float(m.bias.detach().abs().sum()) == 0 for m in (p_ns["model"].fc2, p_ns["model"].fc3))


def test_manual_init():
    p_ns, _ = run(SNIPPET_MLP, pynn)
    p_ns, _ = run(SNIPPET_MANUAL_INIT, pynn, p_ns)
    _check_xavier(p_ns["model"])


SNIPPET_FREEZE = """
# 冻结部分层
for param in model.parameters():
    param.requires_grad = False

# 只训练最后一层
for param in model.fc3.parameters():
    param.requires_grad = True

model.fc3 = nn.Linear(model.fc3.in_features, 10)
model.fc2 = nn.Identity()  # 移除分类层
"""


def test_freeze_and_replace_layers():
    p_ns, _ = run(SNIPPET_MLP, pynn)
    p_ns, _ = run(SNIPPET_FREEZE, pynn, p_ns)
    m = p_ns["model"]
    assert [n for n, p in m.named_parameters() if p.requires_grad] == ["fc3.weight", "fc3.bias"]
    assert isinstance(m.fc2, pynn.nn.Identity)
    assert m(pynn.randn(2, 784)).shape == (2, 10)


# The tutorial registers the hooks on model.conv1 of its CNN; here on the MLP's fc1 (no conv in this part).
SNIPPET_HOOKS = """
# 前向钩子
def forward_hook(module, input, output):
    print(f"{module.__class__.__name__} forward")
    print(f"Input shape: {input[0].shape}")
    print(f"Output shape: {output.shape}")

# 注册钩子
hook = model.fc1.register_forward_hook(forward_hook)
out = model(torch.randn(4, 784))

# 使用后移除
hook.remove()
out = model(torch.randn(4, 784))

# 反向钩子
def backward_hook(module, grad_input, grad_output):
    print(f"{module.__class__.__name__} backward")
    print(f"Grad output: {grad_output[0].shape}")

hook = model.fc1.register_backward_hook(backward_hook)
model(torch.randn(4, 784)).sum().backward()
hook.remove()
hook = model.fc2.register_full_backward_hook(backward_hook)
model(torch.randn(4, 784, requires_grad=True)).sum().backward()
"""


def test_forward_and_backward_hooks_print_shapes_like_torch():
    import warnings

    p_ns, _ = run(SNIPPET_MLP, pynn)
    t_ns, _ = run(SNIPPET_MLP, torch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about the legacy backward hook
        p_ns, p_out, t_ns, t_out = run_both(SNIPPET_HOOKS, p_ns, t_ns)
    assert p_out == t_out.replace("torch.", "pynn.")
    assert p_out.count("Linear forward") == 1 and p_out.count("Linear backward") == 2


SNIPPET_ATTENTION = """
class Attention(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)
        self.scale = dim ** -0.5

    def forward(self, x):
        q = self.query(x)
        k = self.key(x)
        v = self.value(x)

        attn = torch.matmul(q, k.transpose(-2, -1)) * self.scale
        attn = torch.softmax(attn, dim=-1)
        out = torch.matmul(attn, v)
        return out

attention = Attention(16)
"""


def test_attention_block_matches_torch():
    base = "import torch\nimport torch.nn as nn\n"
    p_ns, _, t_ns, _ = run_both(base + SNIPPET_ATTENTION)
    pm, tm = p_ns["attention"], t_ns["attention"]
    copy_state(pm, tm)
    x = np.random.default_rng(6).standard_normal((2, 5, 16)).astype(np.float32)
    px, tx = pynn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    po, to = pm(px), tm(tx)
    assert_close(po, to, rtol=1e-4, atol=1e-5)
    proj = np.random.default_rng(7).standard_normal(po.shape).astype(np.float32)
    (po * pynn.tensor(proj)).sum().backward()
    (to * torch.tensor(proj)).sum().backward()
    assert_close(px.grad, tx.grad, rtol=1e-4, atol=1e-5)
    for (n, p), (_, t) in zip(pm.named_parameters(), tm.named_parameters()):
        assert_close(p.grad, t.grad, rtol=1e-4, atol=1e-5)


SNIPPET_FIRST_NN = """
import torch
import torch.nn as nn

# 定义网络参数
n_in, n_h, n_out, batch_size = 10, 5, 1, 10

# 创建虚拟输入数据和目标数据
x = torch.randn(batch_size, n_in)  # 随机生成输入数据
y = torch.tensor([[1.0], [0.0], [0.0], [1.0], [1.0],
                  [1.0], [0.0], [0.0], [1.0], [1.0]])  # 目标输出数据

# 创建顺序模型
model = nn.Sequential(
    nn.Linear(n_in, n_h),      # 输入层到隐藏层的线性变换
    nn.ReLU(),                 # 隐藏层的ReLU激活函数
    nn.Linear(n_h, n_out),     # 隐藏层到输出层的线性变换
    nn.Sigmoid()               # 输出层的Sigmoid激活函数
)

# 定义损失函数
criterion = nn.MSELoss()

class SimpleNN(nn.Module):
    def __init__(self, n_in=10, n_h=5, n_out=1):
        super(SimpleNN, self).__init__()
        # 定义神经网络的层
        self.fc1 = nn.Linear(n_in, n_h)    # 输入层有 n_in 个特征，隐藏层有 n_h 个神经元
        self.fc2 = nn.Linear(n_h, n_out)   # 隐藏层输出到 n_out 个神经元（用于二分类）
        self.sigmoid = nn.Sigmoid()        # 二分类激活函数

    def forward(self, x):
        x = torch.relu(self.fc1(x))        # 使用 ReLU 激活函数
        x = self.sigmoid(self.fc2(x))       # 输出层使用 Sigmoid 激活函数
        return x

# 实例化模型
model2 = SimpleNN()
criterion2 = nn.BCELoss()  # 二元交叉熵损失
"""

SNIPPET_FIRST_NN_TRAIN = """
# 训练循环
for epoch in range(50):
    y_pred = model(x)          # 前向传播，计算预测值
    loss = criterion(y_pred, y)  # 计算损失

    model.zero_grad()          # 清零梯度 (optimizer.zero_grad())
    loss.backward()            # 反向传播，计算梯度
    with torch.no_grad():      # 更新模型参数 (optimizer.step(), SGD lr=0.01)
        for p in model.parameters():
            p -= 0.01 * p.grad

    if (epoch + 1) % 10 == 0:
        print(f'Epoch [{epoch+1}/50], Loss: {loss.item():.4f}')

epochs = 100
for epoch in range(epochs):
    # 前向传播
    outputs = model2(x)
    loss = criterion2(outputs, y)

    # 反向传播
    model2.zero_grad()  # (optimizer.zero_grad())
    loss.backward()
    with torch.no_grad():  # (optimizer.step(), SGD lr=0.1)
        for p in model2.parameters():
            p -= 0.1 * p.grad

    if (epoch + 1) % 10 == 0:
        print(f'Epoch [{epoch + 1}/{epochs}], Loss: {loss.item():.4f}')
"""


def test_first_networks_train_like_torch():
    p_ns, _, t_ns, _ = run_both(SNIPPET_FIRST_NN)
    copy_state(p_ns["model"], t_ns["model"])
    copy_state(p_ns["model2"], t_ns["model2"])
    p_ns["x"] = to_pynn(t_ns["x"])
    p_ns, p_out, t_ns, t_out = run_both(SNIPPET_FIRST_NN_TRAIN, p_ns, t_ns)
    p_losses = [float(v) for v in re.findall(r"Loss: ([\d.]+)", p_out)]
    t_losses = [float(v) for v in re.findall(r"Loss: ([\d.]+)", t_out)]
    assert len(p_losses) == 15
    np.testing.assert_allclose(p_losses, t_losses, atol=2e-4)


SNIPPET_ACTIVATIONS = """
import torch.nn.functional as F

# ReLU 激活
output = F.relu(input_tensor)

# Sigmoid 激活
output = torch.sigmoid(input_tensor)

# Tanh 激活
output = torch.tanh(input_tensor)

# Softmax 激活
output = F.softmax(input_tensor, dim=1)
"""


def test_activation_functions_snippet():
    x = np.random.default_rng(8).standard_normal((4, 6)).astype(np.float32)
    p_ns, _, t_ns, _ = run_both("import torch\n" + SNIPPET_ACTIVATIONS, {"input_tensor": pynn.tensor(x)},
                                {"input_tensor": torch.tensor(x)})
    assert_close(p_ns["output"], t_ns["output"], rtol=1e-6)


SNIPPET_EVAL = """
# 设置模型为评估模式
model.eval()

# 在评估过程中禁用梯度计算
with torch.no_grad():
    output = model(x_test)
    loss = criterion(output, y_test)
    print(f'Test Loss: {loss.item():.4f}')

    # 对于分类问题，计算准确率
    _, predicted = torch.max(output.data, 1)
    correct = (predicted == y_test).sum().item()
    accuracy = 100 * correct / len(y_test)
    print(f'Accuracy: {accuracy:.2f}%')
"""


def test_evaluation_with_no_grad_and_accuracy():
    p_ns, _, t_ns, _ = run_both(SNIPPET_MLP)
    copy_state(p_ns["model"], t_ns["model"])
    x = np.random.default_rng(9).standard_normal((64, 784)).astype(np.float32)
    y = np.random.default_rng(10).integers(0, 10, 64)
    p_ns.update(x_test=pynn.tensor(x), y_test=pynn.tensor(y), criterion=pynn.nn.CrossEntropyLoss())
    t_ns.update(x_test=torch.tensor(x), y_test=torch.tensor(y), criterion=torch.nn.CrossEntropyLoss())
    p_ns, p_out, t_ns, t_out = run_both(SNIPPET_EVAL, p_ns, t_ns)
    assert p_out == t_out
    assert isinstance(p_ns["correct"], int) and p_ns["output"].grad_fn is None


# ----------------------------------------------------------------------------------------- 004
SNIPPET_004 = """
import torch
import torch.nn as nn

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

class CustomLayer(nn.Module):
    def __init__(self, input_size, output_size):
        super(CustomLayer, self).__init__()
        self.linear = nn.Linear(input_size, output_size)

    def forward(self, x):
        x = self.linear(x)
        return x

model = SimpleNet(input_size=784, hidden_size=128, output_size=10)
criterion = nn.CrossEntropyLoss()
layer = CustomLayer(3, 2)
print(model, layer)
"""


def test_tutorial_004_models():
    p_ns, p_out, t_ns, t_out = run_both(SNIPPET_004)
    assert p_out == t_out
    copy_state(p_ns["model"], t_ns["model"])
    x = np.random.default_rng(11).standard_normal((8, 784)).astype(np.float32)
    labels = np.random.default_rng(12).integers(0, 10, 8)
    pl = p_ns["criterion"](p_ns["model"](pynn.tensor(x)), pynn.tensor(labels))
    tl = t_ns["criterion"](t_ns["model"](torch.tensor(x)), torch.tensor(labels))
    assert_close(pl, tl, rtol=1e-5)
