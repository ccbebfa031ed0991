#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Training throughput of two builds of bench_mlp, side by side, interleaved.

For a change that must not slow training down: each cell (optimizer x batch
x threads) runs `bench_mlp --mode train` of build A, then of build B, then A
again, ... `--reps` times each, so both see the same machine state; the table
gives each build's median samples/s, the spread of its runs (min-max, as a
percentage of the median) and the ratio of the medians.

    python3 bench/compare.py --exe before=/path/bench_mlp --exe after=build/bench/bench/bench_mlp

Build both the same way (bench/run.py's build: -O3 -march=native, OpenMP).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

SAMPLES = {1: 6000, 32: 30000, 128: 30000, 512: 60000}


def run(exe, opt, batch, threads, ftz):
    cmd = [exe, "--mode", "train", "--opt", opt, "--batch", str(batch), "--threads", str(threads),
           "--samples", str(SAMPLES.get(batch, 30000))] + (["--ftz"] if ftz else [])
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"compare.py: {' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])["samples_per_s"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--exe", action="append", required=True, help="NAME=PATH of a bench_mlp (2)")
    ap.add_argument("--opts", default="sgd,adam")
    ap.add_argument("--batches", default="1,32,128")
    ap.add_argument("--threads", default="1")
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--ftz", action="store_true", help="run every cell with --ftz")
    a = ap.parse_args()
    exes = [e.partition("=")[::2] for e in a.exe]
    if len(exes) != 2 or not all(os.access(p, os.X_OK) for _, p in exes):
        sys.exit("compare.py: give two --exe NAME=PATH of executables")
    (na, pa), (nb, pb) = exes
    print(f"| optimizer | batch | threads | {na} median | spread | {nb} median | spread | "
          f"{nb} / {na} |")
    print("|---|---|---|---|---|---|---|---|")
    for opt in a.opts.split(","):
        for b in (int(x) for x in a.batches.split(",")):
            for t in (int(x) for x in a.threads.split(",")):
                ra, rb = [], []
                for _ in range(a.reps):
                    ra.append(run(pa, opt, b, t, a.ftz))
                    rb.append(run(pb, opt, b, t, a.ftz))
                ma, mb = statistics.median(ra), statistics.median(rb)
                sa = 100 * (max(ra) - min(ra)) / ma
                sb = 100 * (max(rb) - min(rb)) / mb
                print(f"| {opt} | {b} | {t} | {ma:,.0f} | {sa:.0f}% | {mb:,.0f} | {sb:.0f}% | "
                      f"{mb / ma:.3f} |", flush=True)


if __name__ == "__main__":
    main()
