#!/usr/bin/env python3
"""PyTorch CPU reference for bench/bench_lstm.cpp: a single-layer LSTM
classifier, {32, 64} sequences -> nn.LSTM(64, 128, batch_first=True), last
step -> nn.Linear(128, 10), CrossEntropyLoss, plain SGD (lr 0.01), float32,
one pass over random sequences (fixed seed) after a few warm-up steps.

Run with Debian's python3 (/usr/bin/python3, python3-torch 1.13), with the
BLAS and thread settings of ../shared/bench/README.md (OpenBLAS chosen with
LD_LIBRARY_PATH, OPENBLAS_NUM_THREADS and OMP_NUM_THREADS equal to
--threads). Prints one JSON line with samples/s (sequences per second).

The loop is the idiomatic tensor-slicing loop of ../shared/bench/torch_mlp.py:
zero_grad(set_to_none=True), forward, loss, backward, step.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn

T, F, H, CLASSES = 32, 64, 128, 10


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(F, H, batch_first=True)
        self.linear = nn.Linear(H, CLASSES)

    def forward(self, x):
        return self.linear(self.lstm(x)[0][:, -1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--samples", type=int, default=0,
                    help="sequences (default 512 at batch 1, else 4096)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    N = args.samples or (512 if args.batch == 1 else 4096)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    X = torch.from_numpy(rng.random((N, T, F), dtype=np.float32))
    y = torch.from_numpy(rng.integers(0, CLASSES, size=N).astype(np.int64))
    model = Classifier()
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    B = args.batch

    def step(xb, yb):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    for i in range(args.warmup):
        s = (i * B) % N
        step(X[s:s + B], y[s:s + B])
    t0 = time.perf_counter()
    loss = None
    for i in range(0, N, B):
        loss = step(X[i:i + B], y[i:i + B])
    dt = time.perf_counter() - t0
    print(json.dumps({
        "impl": "torch", "net": "lstm", "batch": B, "threads": args.threads,
        "torch_threads": torch.get_num_threads(),
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "samples": N, "seconds": dt, "samples_per_s": N / dt,
        "final_loss": float(loss)}))


if __name__ == "__main__":
    main()
