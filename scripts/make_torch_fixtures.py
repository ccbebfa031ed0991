#!/usr/bin/python3
"""Write the PyTorch reference fixtures that pin hnn to PyTorch.

Run it with Debian's Python, which has python3-torch (1.13):

    /usr/bin/python3 scripts/make_torch_fixtures.py

The `python3` that comes first on PATH in the dev container (pyenv) cannot
import torch; use /usr/bin/python3 explicitly. Only regenerating the fixtures
needs PyTorch: the committed files are plain text, read by
tests/model/test_torch_reference.cpp.

What it computes, all in float64 on one CPU thread:

  * an MLP 4-8-ReLU-6-Tanh-3 (nn.Sequential of Linear, ReLU, Linear, Tanh,
    Linear) with PyTorch's default initialisation under a fixed seed;
  * a batch of 5 samples and class-index targets;
  * nn.CrossEntropyLoss (reduction "mean") on the logits;
  * a small convolutional network (cnn.txt, described at CNN_LAYERS below)
    on a batch of 3 images 2x7x6, in training mode, and 3 steps of SGD.

mlp.txt holds the input, the targets, the initial parameters, the logits,
the loss and every parameter gradient. One more file per optimizer config
holds its hyper-parameters, the loss before each step and the parameters
after 5 steps, each step being: zero_grad, forward, loss, backward, step, on
the same batch and starting from the initial parameters of mlp.txt.

Every matrix is written in hnn's orientation, one sample per column: X is
(4 x 5), the logits (3 x 5), a weight W is (out x in) like nn.Linear.weight,
a bias an (out x 1) column. Parameters carry hnn's names: PyTorch's
"2.weight" and "2.bias" are hnn's "2.W" and "2.b" (the layer index is the
same in both Sequentials). The format is described at the top of each file.

cnn.txt holds, for the convolutional network: the input, the targets, the
initial parameters, the logits, the loss, every parameter gradient and the
input gradient; then, after 3 SGD steps (lr 0.1) on the same batch, the loss
before each step, the parameters, every BatchNorm's running statistics and
the logits in inference mode. It is read by
tests/model/test_torch_cnn_reference.cpp. An image is written in hnn's
memory order (channels fastest), and every tensor that PyTorch indexes
channel first is permuted to hnn's order; the rules are in CNN_FORMAT.

The last digits of the numbers depend on the BLAS PyTorch runs on: the
committed files were made with OpenBLAS (Debian's libopenblas0, which
python3-torch recommends); the reference BLAS (libblas3) changes some of
the last digits, far below the tests' tolerances, but not byte for byte.

Options: --out DIR writes somewhere else than tests/fixtures/torch.
"""

import argparse
import copy
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

SEED = 20240603
STEPS = 5
N_SAMPLES = 5
TARGETS = [0, 2, 1, 2, 0]  # one class index per sample, every class present
# A ReLU input this close to its kink could flip side between PyTorch and
# hnn by rounding alone; the fixtures refuse to be written if one gets there.
KINK_MARGIN = 1e-6

FORMAT = """\
# Format, one item per line; lines starting with '#' are comments, blank lines
# are ignored:
#   optimizer NAME          the torch.optim class the file was made with
#   hparam NAME VALUE       a hyper-parameter: a number, or true / false
#   labels NAME N           then one line of N class indices
#   scalar NAME VALUE       one number
#   matrix NAME ROWS COLS   then ROWS lines of COLS numbers each
# Numbers are Python's repr() of a float64: the shortest text that reads back
# as the same double (at most 17 significant digits).
# Orientation is hnn's, one sample per column: X (4 x 5), logits (3 x 5);
# W (out x in) as nn.Linear.weight, b an (out x 1) column. Parameter names
# are hnn's: "0.W" is PyTorch's "0.weight", "0.b" its "0.bias"."""

# The hyper-parameters written for each optimizer class, read from its
# param_groups (so the file shows what the optimizer really used, defaults
# included). "betas" is split into beta1 and beta2.
HPARAMS = {
    "SGD": ["lr", "momentum", "dampening", "weight_decay", "nesterov",
            "maximize"],
    "RMSprop": ["lr", "alpha", "eps", "weight_decay", "momentum", "centered",
                "maximize"],
    "Adam": ["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"],
    "AdamW": ["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"],
    "Adagrad": ["lr", "lr_decay", "weight_decay", "initial_accumulator_value",
                "eps", "maximize"],
}

# (file stem, torch.optim class, keyword arguments)
CONFIGS = [
    ("sgd_momentum", torch.optim.SGD, dict(lr=0.1, momentum=0.9)),
    ("sgd_nesterov_weight_decay", torch.optim.SGD,
     dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("rmsprop", torch.optim.RMSprop, dict(lr=0.01, alpha=0.99, eps=1e-8)),
    ("rmsprop_momentum_centered", torch.optim.RMSprop,
     dict(lr=0.01, alpha=0.99, eps=1e-8, momentum=0.5, centered=True)),
    ("adam", torch.optim.Adam, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
    ("adam_amsgrad_weight_decay", torch.optim.Adam,
     dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, amsgrad=True,
          weight_decay=0.01)),
    ("adamw", torch.optim.AdamW,
     dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)),
    ("adagrad", torch.optim.Adagrad, dict(lr=0.1)),
]


def hnn_name(torch_name):
    """'2.weight' -> '2.W', '2.bias' -> '2.b'."""
    layer, kind = torch_name.split(".")
    return layer + "." + {"weight": "W", "bias": "b"}[kind]


def number(x):
    return repr(float(x))


def matrix_lines(name, t):
    """A tensor as a 'matrix' item; a 1-D tensor becomes a column."""
    t = t.detach()
    if t.dim() == 1:
        t = t.unsqueeze(1)
    rows, cols = t.shape
    lines = ["matrix %s %d %d" % (name, rows, cols)]
    for row in t.tolist():
        lines.append(" ".join(number(v) for v in row))
    return lines


def parameter_lines(model, prefix="", grads=False):
    lines = []
    for name, p in model.named_parameters():
        lines += matrix_lines(prefix + hnn_name(name), p.grad if grads else p)
    return lines


def hparam_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return number(v)


def hparam_lines(optimizer, steps=STEPS):
    group = optimizer.param_groups[0]
    lines = ["optimizer " + type(optimizer).__name__]
    for key in HPARAMS[type(optimizer).__name__]:
        if key == "betas":
            lines.append("hparam beta1 " + hparam_value(group[key][0]))
            lines.append("hparam beta2 " + hparam_value(group[key][1]))
        else:
            lines.append("hparam %s %s" % (key, hparam_value(group[key])))
    lines.append("hparam steps %d" % steps)
    return lines


def write(path, description, lines, fmt=FORMAT):
    header = ["# hnn reference fixture, written by "
              "scripts/make_torch_fixtures.py with PyTorch %s (float64)."
              % torch.__version__]
    header += ["# " + d for d in description]
    text = "\n".join(header + [fmt, ""] + lines) + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(text)
    os.replace(tmp, path)  # nothing half-written


def forward(model, X):
    """Logits, after checking that no ReLU input is near its kink."""
    z1 = model[0](X)
    margin = z1.abs().min().item()
    if margin < KINK_MARGIN:
        sys.exit("a ReLU input is %g from 0; choose another SEED" % margin)
    return model[4](model[3](model[2](model[1](z1))))


# ---------------------------------------------------------------------------
# The convolutional network of cnn.txt.

CNN_SEED = 20240611
CNN_IMAGE = (2, 7, 6)  # C, H, W of one input sample
CNN_TARGETS = [0, 2, 1]  # one class per sample of the batch of 3
CNN_STEPS = 3
CNN_LR = 0.1
# A max-pool window whose two largest values are this close could pick
# another winner in hnn by rounding alone; refused like a ReLU kink.
TIE_MARGIN = 1e-6

# The layers, indexed as in both Sequentials, with the shape each gives.
CNN_LAYERS = """\
   0 Conv2d(2, 3, kernel (3, 2), stride 2, padding 1, bias=False)
                                                        2x7x6 -> 3x4x4
   1 BatchNorm2d(3)                                            3x4x4
   2 ReLU                                                      3x4x4
   3 MaxPool2d(2, stride 1)                             3x4x4 -> 3x3x3
   4 Conv2d(3, 4, 3, padding 1)                         3x3x3 -> 4x3x3
   5 AvgPool2d(2, stride 2, padding 1) (count_include_pad)    -> 4x2x2
   6 Flatten                                            4x2x2 -> 16
   7 LayerNorm(16)
   8 Linear(16, 5)
   9 Tanh
  10 BatchNorm1d(5)
  11 Linear(5, 3), then CrossEntropyLoss (mean) with class targets
Every parameter gets a gradient that is not 0 by construction (0 could
only be compared as rounding noise): a bias right before a BatchNorm would
get none (the batch mean takes it away), hence Conv2d 0 without one and
Tanh 9 between Linear 8 (its bias, and LayerNorm 7's beta) and BatchNorm 10.
(A ReLU there would not do: over a batch of 3 it is often the identity or
leaves one value, which BatchNorm maps to the same output whatever it is.)"""

CNN_FORMAT = FORMAT.split("\n# Orientation")[0] + """
# Orientation is hnn's, one sample per column. An image sample {C, H, W} is
# stored channels fastest: value (c, h, w) at row (h*W + w)*C + c of its
# column (PyTorch's is channels first, so X and grad.X are permuted).
#   X, grad.X              (2*7*6 x 3), rows in that order
#   logits, trained.logits (3 x 3)
#   Conv2d: "k.W" (F x kh*kw*C), column (i*kw + j)*C + c holds PyTorch's
#           weight[f, c, i, j] (window row i, window column j); "k.b" (F x 1)
#           when it has a bias
#   BatchNorm: "k.gamma", "k.beta" (weight, bias) and the buffers
#           "k.running_mean", "k.running_var", all (C x 1)
#   LayerNorm(16) after Flatten: "7.gamma", "7.beta" (16 x 1) and
#   Linear(16, 5) after it: "8.W" (5 x 16), indexed by hnn's flattened
#           order (h*W + w)*C + c of the 4x2x2 image, PyTorch's by
#           c*H*W + h*W + w: entries (and W's columns) are permuted
#   Linear: "k.W" (out x in), "k.b" (out x 1)
# PyTorch's num_batches_tracked is not written (hnn has none)."""


def cnn_model():
    return nn.Sequential(
        nn.Conv2d(2, 3, (3, 2), stride=2, padding=1, bias=False),
        nn.BatchNorm2d(3),
        nn.ReLU(),
        nn.MaxPool2d(2, stride=1),
        nn.Conv2d(3, 4, 3, padding=1),
        nn.AvgPool2d(2, stride=2, padding=1),
        nn.Flatten(),
        nn.LayerNorm(16),
        nn.Linear(16, 5),
        nn.Tanh(),
        nn.BatchNorm1d(5),
        nn.Linear(5, 3))


def image_to_hnn(t):
    """(n, C, H, W) -> (H*W*C x n), row (h*W + w)*C + c; a sample a column."""
    return t.detach().permute(0, 2, 3, 1).reshape(t.shape[0], -1).t()


def flat_to_hnn(shape):
    """perm[p]: where PyTorch's flattened {C, H, W} has the value that is at
    position p of hnn's, so that hnn_vector = torch_vector[perm]."""
    C, H, W = shape
    chw = torch.arange(C * H * W).reshape(C, H, W)
    return chw.permute(1, 2, 0).reshape(-1)


def cnn_tensor_to_hnn(module_index, t):
    """A parameter or gradient of layer `module_index` in hnn's layout."""
    t = t.detach()
    if t.dim() == 4:  # a Conv2d weight (F, C, kh, kw)
        return t.permute(0, 2, 3, 1).reshape(t.shape[0], -1)
    # Layers 7 and 8 see the flattened 4x2x2 image: LayerNorm's gamma and
    # beta are indexed by it, and so are the columns of Linear's weight.
    perm = flat_to_hnn((4, 2, 2))
    if module_index == 7:
        return t[perm]
    if module_index == 8 and t.dim() == 2:
        return t[:, perm]
    return t


CNN_NAMES = {"weight": "W", "bias": "b"}
NORM_NAMES = {"weight": "gamma", "bias": "beta"}


def cnn_named(model, what):
    """(hnn name, tensor in hnn's layout) for every parameter (what="param"),
    gradient ("grad") or BatchNorm buffer ("buffer")."""
    out = []
    for index, module in enumerate(model):
        norm = isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d,
                                   nn.LayerNorm))
        if what == "buffer":
            if norm and hasattr(module, "running_mean"):
                for kind in ("running_mean", "running_var"):
                    out.append(("%d.%s" % (index, kind),
                                getattr(module, kind).detach()))
            continue
        for kind, p in module.named_parameters(recurse=False):
            name = (NORM_NAMES if norm else CNN_NAMES)[kind]
            t = p.grad if what == "grad" else p
            out.append(("%d.%s" % (index, name),
                        cnn_tensor_to_hnn(index, t)))
    return out


def cnn_forward(model, X):
    """Logits in training mode, after checking that no ReLU input is near its
    kink and that no max-pool window that matters has a near tie. (A window
    whose largest value is 0 holds only ReLU outputs of negative inputs: its
    gradient is 0 whichever wins, so it is not checked.) The forward is
    continuous, so the inference pass needs neither check."""
    A = X
    for index, module in enumerate(model):
        if isinstance(module, nn.ReLU):
            margin = A.abs().min().item()
            if margin < KINK_MARGIN:
                sys.exit("cnn: an input of ReLU %d is %g from 0; choose "
                         "another CNN_SEED" % (index, margin))
        if isinstance(module, nn.MaxPool2d):
            n, C, H, W = A.shape
            windows = F.unfold(A.reshape(n * C, 1, H, W), module.kernel_size,
                               stride=module.stride)
            top2 = windows.topk(2, dim=1).values  # (n*C, 2, windows)
            live = top2[:, 0, :] > 0
            gaps = (top2[:, 0, :] - top2[:, 1, :])[live]
            if gaps.numel() > 0 and gaps.min().item() < TIE_MARGIN:
                sys.exit("cnn: a max-pool window's two largest values are %g "
                         "apart; choose another CNN_SEED" % gaps.min().item())
        A = module(A)
    return A


def write_cnn(out):
    torch.manual_seed(CNN_SEED)
    model = cnn_model()
    # Norm layers start at gamma = 1, beta = 0 in PyTorch: moved away from
    # there so that a wrong permutation or a swapped gamma/beta shows.
    with torch.no_grad():
        for module in model:
            if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d,
                                   nn.LayerNorm)):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
    X = torch.randn(len(CNN_TARGETS), *CNN_IMAGE, requires_grad=True)
    y = torch.tensor(CNN_TARGETS)
    loss_fn = nn.CrossEntropyLoss()
    initial = copy.deepcopy(model)

    model.train()
    logits = cnn_forward(model, X)
    loss = loss_fn(logits, y)
    model.zero_grad()
    loss.backward()
    lines = matrix_lines("X", image_to_hnn(X))
    lines += ["labels y %d" % len(CNN_TARGETS),
              " ".join(map(str, CNN_TARGETS))]
    for name, t in cnn_named(initial, "param"):
        lines += matrix_lines(name, t)
    lines += matrix_lines("logits", logits.t())
    lines += ["scalar loss " + number(loss.item())]
    for name, t in cnn_named(model, "grad"):
        lines += matrix_lines("grad." + name, t)
    lines += matrix_lines("grad.X", image_to_hnn(X.grad))

    model = copy.deepcopy(initial)
    model.train()
    X = X.detach()
    optimizer = torch.optim.SGD(model.parameters(), lr=CNN_LR)
    losses = []
    for _ in range(CNN_STEPS):
        optimizer.zero_grad()
        loss = loss_fn(cnn_forward(model, X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        trained_logits = model(X)
    lines += hparam_lines(optimizer, CNN_STEPS)
    lines += matrix_lines("loss_per_step", torch.tensor([losses]))
    for name, t in cnn_named(model, "param") + cnn_named(model, "buffer"):
        lines += matrix_lines("trained." + name, t)
    lines += matrix_lines("trained.logits", trained_logits.t())
    write(os.path.join(out, "cnn.txt"),
          ["A small convolutional network (torch.manual_seed(%d), PyTorch's "
           "default init," % CNN_SEED,
           "the norm layers' weight and bias then drawn uniform in "
           "[0.5, 1.5] and [-0.5, 0.5]):"]
          + CNN_LAYERS.split("\n")
          + ["X: a batch of 3 images; y: the class of each; 0.W ... 11.b: "
             "the initial parameters;",
             "logits, loss, grad.<parameter>, grad.X: the forward in "
             "training mode and dloss/d(parameter, input).",
             "Then %d steps of torch.optim.SGD(lr=%r) from the initial "
             "parameters, on X and y," % (CNN_STEPS, CNN_LR),
             "each: zero_grad, forward (training mode), loss, backward, "
             "step; the running statistics start at 0 and 1.",
             "loss_per_step: the loss before each step; trained.<parameter>"
             ", trained.<k>.running_mean/var: after the last step;",
             "trained.logits: the model's output for X in inference mode "
             "(eval()) after the last step."],
          lines, CNN_FORMAT)


# ---------------------------------------------------------------------------
# The recurrent layers: rnn.txt, lstm.txt, gru.txt, embedding.txt and the
# sequence classifiers trained with Adam.

SEQ_SEED = 20240707
SEQ_T, SEQ_F, SEQ_H, SEQ_N = 5, 3, 4, 2  # steps, features, hidden, batch
SEQ_VOCAB, SEQ_DIM = 7, 3  # embedding.txt
CLS_T, CLS_VOCAB, CLS_DIM, CLS_HIDDEN = 6, 6, 3, 5  # the classifiers
CLS_TARGETS = [0, 2, 1, 2]
CLS_STEPS = 3
CLS_LR = 0.01

SEQ_FORMAT = FORMAT.split("\n# Orientation")[0] + """
# Orientation is hnn's, one sample per column. A sequence sample {T, F} is
# stored step by step, each step's features together: value (t, f) at row
# t*F + f of its column (PyTorch's batch_first tensor (n, T, F) reshaped to
# (n, T*F) and transposed).
#   X, grad.X            (T*F x n)      input sequences
#   G                    (T*H x n)      the loss is sum(output * G)
#   output               (T*H x n)      every step's hidden state h_t
#   h0, c0, h_n, c_n     (H x n)        initial and final states, and
#   grad.h0, grad.c0     (H x n)        dloss/d(initial state)
#   W_ih, W_hh (G*H x F), (G*H x H) and b_ih, b_hh (G*H x 1): PyTorch's
#   weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0 as they are, gate
#   blocks in PyTorch's order (LSTM i, f, g, o; GRU r, z, n)
#   Embedding: W (D x V), the transpose of PyTorch's weight (V x D): column k
#   is token k's vector; X (T x n) holds token indices
# Parameter names in the classifiers are hnn's: "0.W" the Embedding, "1.W_ih"
# ... the recurrent layer, "2.W", "2.b" the Linear."""


def seq_to_hnn(t):
    """(n, T, K) batch_first -> (T*K x n), row t*K + k; a sample a column."""
    return t.detach().reshape(t.shape[0], -1).t()


RECURRENT_NAMES = {"weight_ih_l0": "W_ih", "weight_hh_l0": "W_hh",
                   "bias_ih_l0": "b_ih", "bias_hh_l0": "b_hh"}


def write_recurrent_layer(out, stem, cls):
    torch.manual_seed(SEQ_SEED)
    layer = cls(SEQ_F, SEQ_H, batch_first=True)
    lstm = cls is nn.LSTM
    X = torch.randn(SEQ_N, SEQ_T, SEQ_F, requires_grad=True)
    h0 = (0.5 * torch.randn(1, SEQ_N, SEQ_H)).requires_grad_()
    c0 = (0.5 * torch.randn(1, SEQ_N, SEQ_H)).requires_grad_()
    G = torch.randn(SEQ_N, SEQ_T, SEQ_H)
    if lstm:
        output, (h_n, c_n) = layer(X, (h0, c0))
    else:
        output, h_n = layer(X, h0)
    loss = (output * G).sum()
    loss.backward()
    lines = matrix_lines("X", seq_to_hnn(X))
    lines += matrix_lines("h0", h0[0].t())
    if lstm:
        lines += matrix_lines("c0", c0[0].t())
    lines += matrix_lines("G", seq_to_hnn(G))
    for name, p in layer.named_parameters():
        lines += matrix_lines(RECURRENT_NAMES[name], p)
    lines += matrix_lines("output", seq_to_hnn(output))
    lines += matrix_lines("h_n", h_n[0].t())
    if lstm:
        lines += matrix_lines("c_n", c_n[0].t())
    lines += ["scalar loss " + number(loss.item())]
    for name, p in layer.named_parameters():
        lines += matrix_lines("grad." + RECURRENT_NAMES[name], p.grad)
    lines += matrix_lines("grad.X", seq_to_hnn(X.grad))
    lines += matrix_lines("grad.h0", h0.grad[0].t())
    if lstm:
        lines += matrix_lines("grad.c0", c0.grad[0].t())
    write(os.path.join(out, stem + ".txt"),
          ["nn.%s(%d, %d, batch_first=True) (torch.manual_seed(%d), default "
           "init) on a batch of %d" % (cls.__name__, SEQ_F, SEQ_H, SEQ_SEED,
                                       SEQ_N),
           "sequences of %d steps, from the initial state%s below; the loss "
           "is sum(output * G)." % (SEQ_T, "s h0, c0" if lstm else " h0"),
           "output: every step's h_t; h_n%s: the final state%s; grad.*: "
           "dloss/d(parameter, input, initial state)."
           % (", c_n" if lstm else "", "s" if lstm else "")],
          lines, SEQ_FORMAT)


def write_embedding(out):
    torch.manual_seed(SEQ_SEED + 1)
    emb = nn.Embedding(SEQ_VOCAB, SEQ_DIM)
    X = torch.tensor([[0, 3, 6, 3], [5, 1, 3, 2]])  # (n, T); token 4 unused
    G = torch.randn(2, 4, SEQ_DIM)
    output = emb(X)
    loss = (output * G).sum()
    loss.backward()
    lines = matrix_lines("X", X.t().double())
    lines += matrix_lines("G", seq_to_hnn(G))
    lines += matrix_lines("W", emb.weight.t())
    lines += matrix_lines("output", seq_to_hnn(output))
    lines += ["scalar loss " + number(loss.item())]
    lines += matrix_lines("grad.W", emb.weight.grad.t())
    write(os.path.join(out, "embedding.txt"),
          ["nn.Embedding(%d, %d) (torch.manual_seed(%d), default init) on "
           "2 sequences of 4 token indices;" % (SEQ_VOCAB, SEQ_DIM,
                                                SEQ_SEED + 1),
           "the loss is sum(output * G); grad.W: dloss/dW (token 4 appears "
           "nowhere: its column is 0)."],
          lines, SEQ_FORMAT)


class SequenceClassifier(nn.Module):
    """Embedding -> LSTM or GRU, last step -> Linear: hnn's Sequential of
    Embedding, LSTM/GRU (output = last) and Dense."""

    def __init__(self, cell):
        super().__init__()
        self.embedding = nn.Embedding(CLS_VOCAB, CLS_DIM)
        self.cell = cell(CLS_DIM, CLS_HIDDEN, batch_first=True)
        self.linear = nn.Linear(CLS_HIDDEN, 3)

    def forward(self, X):
        output = self.cell(self.embedding(X))[0]
        return self.linear(output[:, -1])

    def hnn_named(self, grads=False):
        out = []
        for name, p in self.named_parameters():
            module, kind = name.split(".")
            t = p.grad if grads else p
            if module == "embedding":
                out.append(("0.W", t.t()))
            elif module == "cell":
                out.append(("1." + RECURRENT_NAMES[kind], t))
            else:
                out.append(("2." + {"weight": "W", "bias": "b"}[kind], t))
        return out


def write_classifier(out, stem, cell):
    torch.manual_seed(SEQ_SEED + 2)
    model = SequenceClassifier(cell)
    X = torch.randint(0, CLS_VOCAB, (len(CLS_TARGETS), CLS_T))
    y = torch.tensor(CLS_TARGETS)
    loss_fn = nn.CrossEntropyLoss()
    lines = matrix_lines("X", X.t().double())
    lines += ["labels y %d" % len(CLS_TARGETS),
              " ".join(map(str, CLS_TARGETS))]
    for name, t in model.hnn_named():
        lines += matrix_lines(name, t)
    logits = model(X)
    loss = loss_fn(logits, y)
    loss.backward()
    lines += matrix_lines("logits", logits.t())
    lines += ["scalar loss " + number(loss.item())]
    for name, t in model.hnn_named(grads=True):
        lines += matrix_lines("grad." + name, t)
    optimizer = torch.optim.Adam(model.parameters(), lr=CLS_LR)
    losses = []
    for _ in range(CLS_STEPS):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    lines += hparam_lines(optimizer, CLS_STEPS)
    lines += matrix_lines("loss_per_step", torch.tensor([losses]))
    for name, t in model.hnn_named():
        lines += matrix_lines("trained." + name, t)
    write(os.path.join(out, stem + ".txt"),
          ["A sequence classifier (torch.manual_seed(%d), default init): "
           "nn.Embedding(%d, %d)," % (SEQ_SEED + 2, CLS_VOCAB, CLS_DIM),
           "nn.%s(%d, %d, batch_first=True) from a zero state, its last "
           "step's output, nn.Linear(%d, 3)," % (cell.__name__, CLS_DIM,
                                                  CLS_HIDDEN, CLS_HIDDEN),
           "CrossEntropyLoss (mean); X: %d sequences of %d token indices; "
           "y: their classes." % (len(CLS_TARGETS), CLS_T),
           "logits, loss, grad.*: the forward and dloss/dparameter at the "
           "initial parameters;",
           "then %d steps of torch.optim.Adam(lr=%r): loss_per_step, the "
           "loss before each step;" % (CLS_STEPS, CLS_LR),
           "trained.*: the parameters after the last step."],
          lines, SEQ_FORMAT)


def write_sequences(out):
    write_recurrent_layer(out, "rnn", nn.RNN)
    write_recurrent_layer(out, "lstm", nn.LSTM)
    write_recurrent_layer(out, "gru", nn.GRU)
    write_embedding(out)
    write_classifier(out, "lstm_classifier_adam", nn.LSTM)
    write_classifier(out, "gru_classifier_adam", nn.GRU)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--out",
                        default=os.path.join(root, "tests", "fixtures",
                                             "torch"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(SEED)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 6),
                          nn.Tanh(), nn.Linear(6, 3))
    X = torch.randn(N_SAMPLES, 4)  # PyTorch: one sample per row
    y = torch.tensor(TARGETS)
    loss_fn = nn.CrossEntropyLoss()
    initial = copy.deepcopy(model)

    logits = forward(model, X)
    loss = loss_fn(logits, y)
    model.zero_grad()
    loss.backward()
    lines = matrix_lines("X", X.t())
    lines += ["labels y %d" % len(TARGETS), " ".join(map(str, TARGETS))]
    lines += parameter_lines(initial)
    lines += matrix_lines("logits", logits.t())
    lines += ["scalar loss " + number(loss.item())]
    lines += parameter_lines(model, prefix="grad.", grads=True)
    write(os.path.join(args.out, "mlp.txt"),
          ["MLP 4-8-ReLU-6-Tanh-3 (torch.manual_seed(%d), default nn.Linear "
           "init), CrossEntropyLoss (mean)." % SEED,
           "X: the input batch; y: the class of each sample; 0.W ... 4.b: "
           "the initial parameters;",
           "logits: the model's output for X; loss: CrossEntropyLoss(logits,"
           " y); grad.0.W ...: dloss/dparameter."],
          lines)

    for stem, optimizer_class, kwargs in CONFIGS:
        model = copy.deepcopy(initial)
        optimizer = optimizer_class(model.parameters(), **kwargs)
        losses = []
        for _ in range(STEPS):
            optimizer.zero_grad()
            loss = loss_fn(forward(model, X), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        lines = hparam_lines(optimizer)
        lines += matrix_lines("loss_per_step", torch.tensor([losses]))
        lines += parameter_lines(model)
        write(os.path.join(args.out, stem + ".txt"),
              ["torch.optim.%s(%s), %d steps from the parameters in mlp.txt, "
               "on its X and y." % (optimizer_class.__name__,
                                    ", ".join("%s=%r" % kv
                                              for kv in kwargs.items()),
                                    STEPS),
               "Each step: zero_grad, forward, loss, backward, step.",
               "loss_per_step: the loss before each step; 0.W ... 4.b: the "
               "parameters after the last step."],
              lines)

    write_cnn(args.out)
    write_sequences(args.out)


if __name__ == "__main__":
    main()
