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
  * nn.CrossEntropyLoss (reduction "mean") on the logits.

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

Options: --out DIR writes somewhere else than tests/fixtures/torch.
"""

import argparse
import copy
import os
import sys

import torch
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


def hparam_lines(optimizer):
    group = optimizer.param_groups[0]
    lines = ["optimizer " + type(optimizer).__name__]
    for key in HPARAMS[type(optimizer).__name__]:
        if key == "betas":
            lines.append("hparam beta1 " + hparam_value(group[key][0]))
            lines.append("hparam beta2 " + hparam_value(group[key][1]))
        else:
            lines.append("hparam %s %s" % (key, hparam_value(group[key])))
    lines.append("hparam steps %d" % STEPS)
    return lines


def write(path, description, lines):
    header = ["# hnn reference fixture, written by "
              "scripts/make_torch_fixtures.py with PyTorch %s (float64)."
              % torch.__version__]
    header += ["# " + d for d in description]
    text = "\n".join(header + [FORMAT, ""] + lines) + "\n"
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


if __name__ == "__main__":
    main()
