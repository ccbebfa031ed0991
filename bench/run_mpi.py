#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Data-parallel training against threads on one machine (bench_mpi).

    python3 bench/run_mpi.py [--bench PATH] [--reps 5] [--batches 64,256] [--samples 30000]

Runs, for every batch size, three configurations one after the other
(A B C A B C ...), --reps times, and prints the medians as a Markdown table:

    1 process,   1 thread     mpirun -np 1 bench_mpi --threads 1
    2 processes, 1 thread     mpirun -np 2 bench_mpi --threads 1
    1 process,   2 threads    mpirun -np 1 bench_mpi --threads 2

Every run uses mpirun's options of hnn's tests (shared memory and loopback
only) and --bind-to none, so that neither the two threads of one process
nor the two processes are pinned to one core. bench_mpi is built with
-DHNN_BUILD_DISTRIBUTED=ON -DHNN_BUILD_BENCHMARKS=ON -DHNN_WITH_OPENMP=ON
(bench/README.md), or given with --bench.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--mca", "btl", "self,vader",
          "--mca", "oob_tcp_if_include", "lo", "--bind-to", "none"]
CONFIGS = [("1 process, 1 thread", 1, 1), ("2 processes, 1 thread each", 2, 1),
           ("1 process, 2 threads", 1, 2)]


def run(bench, ranks, threads, batch, samples):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    cmd = MPIRUN + ["-np", str(ranks), bench, "--threads", str(threads), "--batch", str(batch),
                    "--samples", str(samples)]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--bench", default="build/bench-mpi/bench/bench_mpi")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--batches", default="64,256")
    p.add_argument("--samples", type=int, default=30000)
    a = p.parse_args()
    batches = [int(b) for b in a.batches.split(",")]
    runs = {}
    for rep in range(a.reps):
        for batch in batches:
            for name, ranks, threads in CONFIGS:
                r = run(a.bench, ranks, threads, batch, a.samples)
                runs.setdefault((batch, name), []).append(r)
                print(f"rep {rep + 1}, batch {batch}, {name}: {r['samples_per_s']:.0f} samples/s",
                      file=sys.stderr)
    print("| batch | configuration | samples/s | vs 1 process, 1 thread | µs per step "
          "| in the gradient sum (µs) | MPI_Allreduce alone (µs) |")
    print("|---|---|---|---|---|---|---|")
    for batch in batches:
        base = statistics.median(r["samples_per_s"] for r in runs[(batch, CONFIGS[0][0])])
        for name, ranks, _ in CONFIGS:
            rs = runs[(batch, name)]
            med = lambda k: statistics.median(r[k] for r in rs)  # noqa: E731
            sps = med("samples_per_s")
            reduce_us = f"{med('reduce_us'):.0f}" if ranks > 1 else "–"
            alone_us = f"{med('allreduce_us'):.0f}" if ranks > 1 else "–"
            print(f"| {batch} | {name} | {sps:.0f} | {sps / base:.2f}× | {med('step_us'):.0f} "
                  f"| {reduce_us} | {alone_us} |")
    print(f"\n{a.reps} interleaved runs per row, medians; {a.samples} samples, Adam, float32; "
          f"{runs[(batches[0], CONFIGS[0][0])][0]['gradient_floats']} gradients summed per step.")


if __name__ == "__main__":
    main()
