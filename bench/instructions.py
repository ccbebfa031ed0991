#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Instructions per training step of bench_mlp, counted by valgrind's callgrind.

An instruction count does not depend on what else the machine is doing, so it
compares two builds of the library where a wall clock cannot (a machine with
two cores and other work on it moves wall-clock figures by 5-30 %). For each
cell (optimizer x batch, one thread) the program runs `bench_mlp --mode train`
twice under callgrind, collecting only inside the training loop (fit), with
S1 and S2 = 2 S1 samples; the difference divided by the extra steps is the
cost of one step, free of the set-up, the warm-up and the first step's
allocations.

    python3 bench/instructions.py --exe before=/path/to/bench_mlp --exe after=build/bench/bench_mlp

Each --exe is NAME=PATH; with two, the table has a ratio column (last / first).
The binaries must be built without -march=native (configure with
-DHNN_NATIVE=OFF): valgrind 3.19 cannot decode AVX-512 instructions.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

# Functions inside which callgrind counts: the loop of fit() in hnn 0.1 (hnn::detail::fit<...>)
# and in 0.2 (hnn::detail::train<...>, model/train.hpp). Everything they call is counted too.
TOGGLES = ["* hnn::detail::fit<*", "* hnn::detail::train<*"]  # demangled: return type first
STEPS = {1: 200, 32: 20, 128: 10}  # steps in the shorter run; the longer has twice as many


def instructions(exe, opt, batch, steps):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        cmd += [f"--toggle-collect={t}" for t in TOGGLES]
        cmd += [exe, "--mode", "train", "--opt", opt, "--batch", str(batch), "--threads", "1",
                "--samples", str(batch * steps), "--warmup", "5"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        m = re.search(r"Collected : (\d+)", r.stderr)
        if r.returncode != 0 or not m:
            sys.exit(f"instructions.py: {' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
        return int(m.group(1))


def per_step(exe, opt, batch):
    s = STEPS[batch]
    return (instructions(exe, opt, batch, 2 * s) - instructions(exe, opt, batch, s)) / s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--exe", action="append", required=True, help="NAME=PATH of a bench_mlp")
    ap.add_argument("--opts", default="sgd,adam")
    ap.add_argument("--batches", default="1,32,128")
    a = ap.parse_args()
    exes = []
    for e in a.exe:
        name, _, path = e.partition("=")
        if not path or not os.access(path, os.X_OK):
            sys.exit(f"instructions.py: --exe {e}: expected NAME=PATH of an executable")
        exes.append((name, path))
    head = ["optimizer", "batch"] + [f"{n} (instr/step)" for n, _ in exes]
    if len(exes) == 2:
        head.append(f"{exes[1][0]} / {exes[0][0]}")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for opt in a.opts.split(","):
        for b in (int(x) for x in a.batches.split(",")):
            counts = [per_step(path, opt, b) for _, path in exes]
            row = [opt, str(b)] + [f"{c:,.0f}" for c in counts]
            if len(counts) == 2:
                row.append(f"{counts[1] / counts[0]:.4f}")
            print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
