#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""How data-parallel training would scale: a model from one measured step.

    python3 bench/scaling_model.py --name MLP --step-us 697 --params 235146 --backward 0.53
    python3 bench/scaling_model.py --name CNN --step-us 10240 --params 225034 --backward 0.66

Each of R processes trains on its own slice of b samples per step (b fixed,
the global batch b·R grows with R), so its compute time per step stays the
measured one-thread step time t of a batch of b. The gradient, S = 4·params
bytes (float32), is summed by a ring all-reduce: 2(R − 1) messages of S/R
bytes each way per process,

    t_ring = 2 (R − 1) α + 2 (R − 1)/R · S / β

with α the latency of one message and β the link's bandwidth. Without
overlap a step takes t + t_ring; when the all-reduce starts during backward
(the gradients of the last layers are ready first), it can hide behind the
backward share of the step: t_forward + max(t_backward, t_ring).
Efficiency = t / (step time): the fraction of the ideal R-fold speed-up.
The networks: 10 Gbit/s Ethernet through TCP (α = 20 µs) and 100 Gbit/s
with RDMA (α = 2 µs), at line rate (β = 1.25 and 12.5 GB/s).
"""
import argparse

NETWORKS = [("10 Gbit/s", 20e-6, 1.25e9), ("100 Gbit/s", 2e-6, 12.5e9)]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--name", required=True)
    p.add_argument("--step-us", type=float, required=True, help="measured step time, one process")
    p.add_argument("--params", type=int, required=True, help="numbers summed per step")
    p.add_argument("--backward", type=float, required=True, help="backward's share of the step")
    p.add_argument("--ranks", default="8,64,512")
    a = p.parse_args()
    t = a.step_us * 1e-6
    S = 4.0 * a.params
    print(f"| {a.name} | network | R | all-reduce (µs) | step (µs) | efficiency "
          "| with overlap |")
    print("|---|---|---|---|---|---|---|")
    for net, alpha, beta in NETWORKS:
        for R in (int(r) for r in a.ranks.split(",")):
            ring = 2 * (R - 1) * alpha + 2 * (R - 1) / R * S / beta
            step = t + ring
            overlapped = (1 - a.backward) * t + max(a.backward * t, ring)
            print(f"| {a.name} | {net} | {R} | {ring * 1e6:.0f} | {step * 1e6:.0f} "
                  f"| {t / step:.0%} | {t / overlapped:.0%} |")


if __name__ == "__main__":
    main()
