#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""hnn's convolutional benchmark: builds bench_cnn, races it against PyTorch
(../shared/bench/torch_cnn.py) and prints one table.

    python3 bench/run_cnn.py                 # full run: 3 interleaved repetitions, ~15-30 min
    python3 bench/run_cnn.py --quick         # smoke test: 1 repetition, batch 1 and 32
    python3 bench/run.py --net cnn [...]     # the same command, through run.py

The network (1x28x28 -> conv 3x3 32 -> ReLU -> max-pool 2 -> conv 3x3 64 ->
ReLU -> max-pool 2 -> 1600 -> 128 -> 10) and the data are torch_cnn.py's. For
every cell (batch 1, 32, 128 x SGD / Adam x 1 and 2 threads) each repetition
runs, one after the other: hnn's training epoch (model.fit), PyTorch (every
OpenBLAS build that applies at that thread count) and, once per batch and
thread count, the GEMM-only limit (the step's products alone); then the
single-image inference latency of both. The repetitions are rounds over all
cells, so the runs of one cell are spread over the whole measurement; figures
are medians. The references run as run.py runs them (Debian's
/usr/bin/python3, OpenBLAS by LD_LIBRARY_PATH, OPENBLAS_NUM_THREADS and
OMP_NUM_THREADS = T, OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for them
only). Raw results: bench/results/cnn-latest.jsonl, the report:
bench/results/cnn-latest.txt.
"""
import argparse
import datetime
import json
import os
import shlex
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: processes, build, formatting)
from run import (OPENBLAS, REF_PYTHON, REPO, fmt_pct, fmt_rate, fmt_ratio, log,  # noqa: E402
                 median_or_none, table)

OPTS = ["sgd", "adam"]

# The targets, printed beside the ratios.
TARGET_VS_TORCH = {1: 5.0, 32: 2.5, 128: 2.5}  # hnn / PyTorch training throughput, each at best
TARGET_LATENCY = 0.25                          # hnn p50 / PyTorch p50, at most
TARGET_GEMM = 0.75                             # hnn train / GEMM-only, batch >= 32, 1 thread
TARGET_THREADS = 0.97                          # hnn 2 threads / 1 thread, at least


def cell_name(c):
    return f"b{c['batch']} {c['opt']}{'+ftz' if c['ftz'] else ''} T{c['threads']}"


def plan(args):
    return [{"batch": b, "opt": opt, "ftz": args.ftz, "threads": t,
             "samples": args.b1_samples if b == 1 else args.samples}
            for b in args.batches for t in args.threads for opt in OPTS]


def torch_blas(threads):
    # 1 thread: the pthread OpenBLAS. 2 threads: the OpenMP one (one shared pool, PyTorch's
    # best in the MLP race) and the pthread one; each cell compares against the faster.
    return ["pthread"] if threads == 1 else ["openmp", "pthread"]


def hnn_env(threads):
    return dict(os.environ, OMP_NUM_THREADS=str(threads))


def train_runs(cell, exe, torch_ok):
    """A cell's runs, in order: hnn's epoch, then PyTorch on each BLAS that applies."""
    b, t, opt, ftz, n = cell["batch"], cell["threads"], cell["opt"], cell["ftz"], cell["samples"]
    common = ["--batch", str(b), "--threads", str(t), "--samples", str(n)] + \
        (["--ftz"] if ftz else [])
    runs = [("hnn", "", [str(exe), "--mode", "train", "--opt", opt] + common, hnn_env(t), None)]
    if torch_ok:
        for blas in torch_blas(t):
            runs.append(("torch", blas, run.ref_command(
                "torch_cnn.py", blas, t, ["--batch", b, "--opt", opt, "--samples", n, "--threads",
                                          t] + (["--ftz"] if ftz else [])), None, "refs"))
    return runs


def gemm_run(batch, threads, samples, exe):
    return ("hnn-gemm", "", [str(exe), "--mode", "gemm", "--batch", str(batch), "--threads",
                             str(threads), "--samples", str(samples)], hnn_env(threads), None)


def infer_runs(threads, exe, args, torch_ok):
    runs = [("hnn", "infer", [str(exe), "--mode", "infer", "--threads", str(threads), "--reps",
                              str(args.latency_reps)], hnn_env(threads), None)]
    if torch_ok:
        for blas in torch_blas(threads):
            runs.append(("torch", blas, run.ref_command(
                "torch_cnn.py", blas, threads, ["--infer", "--samples", args.latency_reps,
                                                "--threads", threads]), None, "refs"))
    return runs


# ---- a shared machine: wait for other work to finish --------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ticks_of_others():
    """{pid: CPU ticks so far} of every process but this script, the runs it starts and the
    kernel's threads."""
    parent, ticks = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after "pid (comm)": state ppid pgrp session ... utime (field 14) stime (15)
        parent[int(d)] = int(fields[1])
        ticks[int(d)] = int(fields[11]) + int(fields[12])

    def ours(pid):
        while pid > 2:
            if pid == os.getpid():
                return True
            pid = parent.get(pid, 0)
        return pid == 2  # the kernel's threads descend from kthreadd (pid 2)

    return {pid: t for pid, t in ticks.items() if pid != 2 and not ours(pid)}


def busy_others(before, after, seconds):
    """How many other processes used more than a third of a CPU between two snapshots."""
    return sum(1 for pid, t in after.items()
               if (t - before.get(pid, t)) / TICKS > seconds / 3)


class MachineWatch:
    """Counts, once a second while a run lasts, the other processes that keep a CPU busy."""

    def __init__(self):
        self.seen = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self):
        last, t_last = cpu_ticks_of_others(), time.time()
        while not self._stop.wait(1.0):
            now, t_now = cpu_ticks_of_others(), time.time()
            self.seen = max(self.seen, busy_others(last, now, t_now - t_last))
            last, t_last = now, t_now

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False


def wait_for_quiet(limit):
    """Waits (at most `limit` seconds) until no other process has kept a CPU busy for 3
    seconds; returns the seconds waited."""
    t0 = time.time()
    announced = False
    while time.time() - t0 < limit:
        before = cpu_ticks_of_others()
        time.sleep(3)
        if not busy_others(before, cpu_ticks_of_others(), 3):
            break
        if not announced:
            log("another process keeps a CPU busy: waiting before the next timed run")
            announced = True
    return time.time() - t0


# ---- the report -------------------------------------------------------------------------------

def summarize(cells, records, meta):
    def results(kind, pred):
        return [r["result"] for r in records if r["kind"] == kind and r.get("result") and pred(r)]

    def rates(c, impl, variant=None):
        return [x["samples_per_s"] for x in results(
            "run", lambda r: r["cell"] == c and r["impl"] == impl
            and (variant is None or r["variant"] == variant))]

    def ratio(a, b):
        return a / b if a is not None and b else None

    gemm = {}
    for r in records:
        if r["kind"] == "gemm" and r.get("result"):
            gemm.setdefault((r["cell"]["batch"], r["cell"]["threads"]), []).append(
                r["result"]["samples_per_s"])
    gemm = {k: statistics.median(v) for k, v in gemm.items()}

    S = {}
    for c in cells:
        h = rates(c, "hnn")
        s = {"hnn": median_or_none(h), "gemm": gemm.get((c["batch"], c["threads"])),
             "n": len(h),
             "spread": (max(h) - min(h)) / statistics.median(h) if len(h) > 1 else None}
        cpu = [x["cpu_seconds"] / x["seconds"] / c["threads"] for x in results(
            "run", lambda r: r["cell"] == c and r["impl"] == "hnn")]
        s["cpu"] = median_or_none(cpu)
        per = {v: median_or_none(rates(c, "torch", v)) for v in torch_blas(c["threads"])}
        per = {v: x for v, x in per.items() if x is not None}
        s["torch_per"] = per
        s["torch_blas"] = max(per, key=per.get) if per else None
        s["torch"] = per[s["torch_blas"]] if per else None
        S[cell_name(c)] = s

    lines = [f"bench-cnn training throughput, samples/s (medians of {meta['reps']} interleaved "
             "repetitions; one epoch; samples = samples per run)"]
    rows = []
    for c in cells:
        s = S[cell_name(c)]
        torch_cfg = "—"
        if s["torch"] is not None:
            others = ", ".join(f"{v} {fmt_rate(x)}" for v, x in s["torch_per"].items()
                               if v != s["torch_blas"])
            torch_cfg = f"{fmt_rate(s['torch'])} ({s['torch_blas']}{'; ' + others if others else ''})"
        rows.append([c["batch"], c["opt"] + (" +ftz" if c["ftz"] else ""), c["threads"],
                     c["samples"], fmt_rate(s["hnn"]), fmt_rate(s["gemm"]),
                     fmt_pct(ratio(s["hnn"], s["gemm"])), torch_cfg,
                     fmt_ratio(ratio(s["hnn"], s["torch"])), fmt_pct(s["spread"]),
                     fmt_pct(s["cpu"])])
    lines.append(table(["batch", "opt", "T", "samples", "hnn", "GEMM-only", "hnn/GEMM",
                        "torch (BLAS; other)", "hnn/torch", "hnn spread", "hnn cpu"], rows,
                       [">", "<", ">", ">", ">", ">", ">", "<", ">", ">", ">"]))
    lines.append("  GEMM-only = bench_cnn --mode gemm: the step's 11 products alone (both "
                 "convolutions as W·P on im2col's patch matrix), through hnn::set_product, "
                 "same batches; the limit of hnn's step.")
    lines.append("  torch = torch_cnn.py on the faster OpenBLAS build at that T (1 thread: "
                 "pthread only); hnn spread = (max − min) / median; hnn cpu = CPU time / "
                 "(wall × T) of the timed epoch (below ~95%: the machine was busy).")

    # Each side at its best configuration, and the targets.
    lines.append("")
    lines.append("Each side at its best configuration (over the thread counts, and for torch "
                 "both OpenBLAS builds)")
    checks, rows, best = [], [], {}

    def check(name, value, limit, fmt=fmt_ratio, at_most=False):
        if value is None:
            checks.append([name, "—", ("≤ " if at_most else "≥ ") + fmt(limit), "no data"])
        else:
            ok = value <= limit if at_most else value >= limit
            checks.append([name, fmt(value), ("≤ " if at_most else "≥ ") + fmt(limit),
                           "ok" if ok else "MISSED"])

    for b in sorted({c["batch"] for c in cells}):
        for opt in OPTS:
            group = [c for c in cells if c["batch"] == b and c["opt"] == opt]
            if not group:
                continue

            def pick(impl):
                cands = [(S[cell_name(c)][impl], c["threads"], S[cell_name(c)].get(impl + "_blas"))
                         for c in group if S[cell_name(c)][impl] is not None]
                return max(cands) if cands else (None, None, None)

            h, ht, _ = pick("hnn")
            tr, tt, tb = pick("torch")
            best[(b, opt)] = (h, tr)
            lim = TARGET_VS_TORCH.get(b)
            r = ratio(h, tr)
            rows.append([b, opt, f"{fmt_rate(h)} (T{ht})" if h else "—",
                         f"{fmt_rate(tr)} (T{tt} {tb})" if tr else "—", fmt_ratio(r),
                         f"≥ {fmt_ratio(lim)}" if lim else "",
                         "" if lim is None or r is None else "ok" if r >= lim else "MISSED"])
            if lim:
                check(f"hnn/torch best, b{b} {opt}", r, lim)
    lines.append(table(["batch", "opt", "hnn best", "torch best", "hnn/torch", "target", ""],
                       rows, [">", "<", ">", ">", ">", ">", "<"]))

    for c in cells:
        if c["threads"] == 1 and c["batch"] >= 32:
            s = S[cell_name(c)]
            check(f"hnn train / GEMM-only, {cell_name(c)}", ratio(s["hnn"], s["gemm"]),
                  TARGET_GEMM, fmt_pct)
    for c in cells:
        if c["threads"] == 2 and cell_name(dict(c, threads=1)) in S:
            check(f"hnn T2 / T1, b{c['batch']} {c['opt']}",
                  ratio(S[cell_name(c)]["hnn"], S[cell_name(dict(c, threads=1))]["hnn"]),
                  TARGET_THREADS)

    # Latency.
    lat_rows, lat = [], {}
    for t in sorted({r["cell"]["threads"] for r in records if r["kind"] == "infer"}):
        hs = results("infer", lambda r: r["cell"]["threads"] == t and r["impl"] == "hnn")
        h50 = median_or_none([x["forward_p50_us"] for x in hs])
        h99 = median_or_none([x["forward_p99_us"] for x in hs])
        tp = {}
        for v in torch_blas(t):
            ts = results("infer", lambda r: r["cell"]["threads"] == t and r["impl"] == "torch"
                         and r["variant"] == v)
            if ts:
                tp[v] = (median_or_none([x["p50_us"] for x in ts]),
                         median_or_none([x["p99_us"] for x in ts]))
        tv = min(tp, key=lambda v: tp[v][0]) if tp else None
        t50, t99 = tp[tv] if tv else (None, None)
        lat[t] = (h50, t50)
        r = ratio(h50, t50)
        lat_rows.append([t, "—" if h50 is None else f"{h50:.1f}",
                         "—" if h99 is None else f"{h99:.1f}",
                         "—" if t50 is None else f"{t50:.1f} ({tv})",
                         "—" if t99 is None else f"{t99:.1f}", fmt_ratio(r),
                         f"≤ {fmt_ratio(TARGET_LATENCY)}",
                         "" if r is None else "ok" if r <= TARGET_LATENCY else "MISSED"])
        check(f"latency p50 hnn/torch, T{t}", r, TARGET_LATENCY, at_most=True)

    lines.append("")
    lines.append("Targets")
    lines.append(table(["target", "measured", "needed", ""], checks, ["<", ">", ">", "<"]))

    lines.append("")
    lines.append("Single-image inference latency, µs (hnn: model.forward(x, Mode::infer) on one "
                 "column; torch: torch_cnn.py --infer, eval + no_grad; medians over the "
                 f"repetitions of each run's p50 / p99; {meta.get('latency_reps', '?')} calls a "
                 "run)")
    lines.append(table(["T", "hnn p50", "hnn p99", "torch p50 (BLAS)", "torch p99",
                        "p50 hnn/torch", "target", ""], lat_rows))

    # Memory.
    kb = {}
    for r in records:
        if r["kind"] == "run" and r.get("result"):
            kb.setdefault(r["impl"], []).append(r["child_maxrss_kb"])
    if kb:
        lines.append("")
        lines.append(f"Peak RSS, training runs (max over runs; the data set of {meta['samples']} "
                     f"samples is {meta['samples'] * 784 * 4 / 2**20:.1f} MiB of float32)")
        lines.append(table(["impl", "peak RSS"], [[k, f"{max(v) / 1024:.0f} MiB"]
                                                  for k, v in kb.items()]))

    if meta.get("profiles"):
        lines.append("")
        lines.append("Where hnn's step goes (bench_cnn --mode profile, % of the timed step; "
                     "conv parts: the products, im2col and col2im timed alone at the same shapes)")
        rows = []
        for r in meta["profiles"]:
            d = r.get("result")
            if not d:
                continue
            tot = d["timed_phases_s"]
            g, p = d["groups_s"], d["conv_parts_s"]
            prods = sum(v for k, v in p.items() if "=" in k)
            rows.append([cell_name(r["cell"]), fmt_rate(d["samples_per_s"]),
                         f"{1e6 * tot / -(-r['cell']['samples'] // r['cell']['batch']):.0f}",
                         fmt_pct(g.get("conv forward", 0) / tot),
                         fmt_pct(g.get("conv backward", 0) / tot),
                         fmt_pct(prods / tot),
                         fmt_pct(sum(v for k, v in p.items() if "im2col" in k) / tot),
                         fmt_pct(sum(v for k, v in p.items() if "col2im" in k) / tot),
                         fmt_pct((g.get("pool forward", 0) + g.get("pool backward", 0)) / tot),
                         fmt_pct((g.get("elementwise forward", 0)
                                  + g.get("elementwise backward", 0)) / tot),
                         fmt_pct((g.get("dense forward", 0) + g.get("dense backward", 0)) / tot),
                         fmt_pct(g.get("optimizer", 0) / tot)])
        lines.append(table(["cell", "samples/s", "µs/step", "conv fwd", "conv bwd",
                            "conv products", "im2col", "col2im", "pool", "ReLU", "dense",
                            "optimizer"], rows))

    lines.append("")
    lines.append("Machine and settings")
    for k, v in meta["about"].items():
        lines.append(f"  {k}: {v}")
    return "\n".join(lines)


def report_from(path):
    meta, records = None, []
    for line in Path(path).read_text().splitlines():
        r = json.loads(line)
        if r.get("kind") == "meta":
            meta = r
        elif r.get("kind") == "end":
            meta = dict(meta or {}, **r["meta"])
        elif r.get("kind") in ("run", "gemm", "infer", "profile"):
            records.append(r)
    if meta is None:
        sys.exit(f"bench/run_cnn.py: {path} has no meta line")
    cells = []
    for r in records:
        if r["kind"] == "run" and r["cell"] not in cells:
            cells.append(r["cell"])
    meta.setdefault("about", {"note": "report of an unfinished run"})
    meta["reps"] = len({r["rep"] for r in records if r["kind"] == "run"}) or meta.get("reps")
    meta["profiles"] = [r for r in records if r["kind"] == "profile"]
    print(summarize(cells, [r for r in records if r["kind"] != "profile"], meta))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    run.common_arguments(ap, refs="torch_cnn.py", program="bench_cnn",
                         quick="batch 1 and 32, fewer samples", batches="1,32,128",
                         out="cnn-latest.jsonl")
    ap.add_argument("--samples", type=int, default=None,
                    help="samples per epoch, batch > 1 (default 12000, torch_cnn.py's; --quick: "
                         "3000)")
    ap.add_argument("--b1-samples", type=int, default=None,
                    help="samples per epoch at batch 1 (default 2000; --quick: 500)")
    ap.add_argument("--latency-reps", type=int, default=None,
                    help="calls per latency run (default 5000; --quick: 1000)")
    ap.add_argument("--ftz", action="store_true",
                    help="flush-to-zero on both sides in every cell (torch: "
                         "set_flush_denormal)")
    ap.add_argument("--quiet-wait", type=float, default=0, metavar="SECONDS",
                    help="on a shared machine: before each run wait (at most SECONDS) until no "
                         "other process keeps a CPU busy, and measure a run again when one did "
                         "meanwhile")
    ap.add_argument("--retries", type=int, default=3,
                    help="with --quiet-wait: how many times a run is measured again (default 3)")
    ap.add_argument("--exe", help="a bench_cnn already built (no build)")
    args = ap.parse_args(argv)
    if args.report:
        return report_from(args.report)
    args.reps = args.reps or (1 if args.quick else 3)
    args.batches = args.batches or ([1, 32] if args.quick else [1, 32, 128])
    args.samples = args.samples or (3000 if args.quick else 12000)
    args.b1_samples = args.b1_samples or (500 if args.quick else 2000)
    args.latency_reps = args.latency_reps or (1000 if args.quick else 5000)

    refs = Path(args.refs).resolve()
    torch_why = None
    if not (refs / "torch_cnn.py").exists():
        torch_why = f"{refs / 'torch_cnn.py'} not found"
    else:
        if not args.no_install:
            run.ensure_packages()
        if not Path(REF_PYTHON).exists():
            torch_why = f"{REF_PYTHON} not found"
        elif subprocess.run([REF_PYTHON, "-c", "import torch"], capture_output=True,
                            env=dict(os.environ, LD_LIBRARY_PATH=OPENBLAS["pthread"])
                            ).returncode != 0:
            torch_why = f"{REF_PYTHON} cannot import torch"
    if torch_why:
        log(f"PyTorch reference skipped: {torch_why}; running hnn alone")
    torch_ok = torch_why is None

    if args.exe:
        exe, build_kind = Path(args.exe), "given with --exe"
    elif args.no_build:
        exe = next((p for p in (Path(args.build_dir) / "bench" / "bench_cnn",
                                Path(args.build_dir) / "bench_cnn") if p.exists()), None)
        if exe is None:
            sys.exit("bench/run_cnn.py: --no-build but no bench_cnn in " + args.build_dir)
        build_kind = "existing binary"
    else:
        exe, build_kind = run.build(args, "bench_cnn", None)

    cells = plan(args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"kind": "meta", "net": "bench-cnn", "build": build_kind,
            "started": datetime.datetime.now().isoformat(timespec="seconds"),
            "argv": sys.argv if argv is None else list(argv), "reps": args.reps,
            "exe": str(exe), "refs": str(refs),
            "torch": torch_why or "ok", "samples": args.samples,
            "latency_reps": args.latency_reps,
            "uptime_start": subprocess.run(["uptime"], capture_output=True,
                                           text=True).stdout.strip()}
    gemm_cells = [(b, t) for b in args.batches for t in args.threads]
    per_rep = sum(len(train_runs(c, exe, torch_ok)) for c in cells) + len(gemm_cells) + \
        sum(len(infer_runs(t, exe, args, torch_ok)) for t in args.threads)
    total = args.reps * per_rep + (len(cells) if args.profile else 0)
    records, profiles, loads = [], [], []
    done = 0
    t_start = time.time()
    with open(out, "w") as jl:
        jl.write(json.dumps(meta) + "\n")

        def record(kind, rep, cell, impl, variant, cmd, env, cwd, into):
            nonlocal done
            attempts = 1 + (args.retries if args.quiet_wait else 0)
            for attempt in range(attempts):
                waited = wait_for_quiet(args.quiet_wait) if args.quiet_wait else 0.0
                load = os.getloadavg()
                with MachineWatch() as watch:
                    r = run.run_child(cmd, env=env, cwd=refs if cwd == "refs" else cwd,
                                      timeout=args.timeout)
                if not watch.seen:
                    break
                if attempt + 1 < attempts:
                    what = cell_name(cell) if "opt" in cell else kind
                    log(f"another process was busy during {what} {impl}: measuring it again")
            loads.append(load[0])
            res = run.last_json(r["stdout"]) if r["rc"] == 0 else None
            rec = {"kind": kind, "rep": rep, "cell": cell, "impl": impl, "variant": variant,
                   "cmd": shlex.join(cmd), "cwd": str(refs) if cwd == "refs" else None,
                   "rc": r["rc"], "wall_s": round(r["wall_s"], 3),
                   "child_maxrss_kb": r["child_maxrss_kb"],
                   "child_cpu_s": round(r["child_cpu_s"], 3), "loadavg_before": load,
                   "others_busy_during": watch.seen, "waited_s": round(waited, 1),
                   "time": datetime.datetime.now().isoformat(timespec="seconds"), "result": res}
            if res is None:
                rec["stderr_tail"] = r["stderr"][-2000:]
                rec["stdout_tail"] = r["stdout"][-1000:]
            jl.write(json.dumps(rec) + "\n")
            jl.flush()
            into.append(rec)
            done += 1
            eta = (time.time() - t_start) / done * (total - done)
            what = (f"{res['samples_per_s']:.0f} samples/s" if res and "samples_per_s" in res
                    else f"p50 {res.get('forward_p50_us', res.get('p50_us', 0)):.1f} µs" if res
                    else f"FAILED rc={r['rc']}: {r['stderr'].strip()[-300:]}")
            where = cell_name(cell) if "opt" in cell else \
                f"b{cell.get('batch', 1)} T{cell['threads']}"
            log(f"[{done}/{total} rep {rep + 1}] {kind} {where} {impl}"
                f"{' ' + variant if variant else ''}: {what} ({r['wall_s']:.1f}s, load "
                f"{load[0]:.1f}, eta {eta / 60:.0f} min)")

        for rep in range(args.reps):
            for c in cells:
                for impl, variant, cmd, env, cwd in train_runs(c, exe, torch_ok):
                    record("run", rep, c, impl, variant, cmd, env, cwd, records)
                if c["opt"] == OPTS[-1]:  # after a (batch, T)'s last optimizer: its GEMM-only
                    impl, variant, cmd, env, cwd = gemm_run(c["batch"], c["threads"],
                                                            c["samples"], exe)
                    record("gemm", rep, {"batch": c["batch"], "threads": c["threads"],
                                         "samples": c["samples"]}, impl, variant, cmd, env,
                           cwd, records)
            for t in args.threads:
                for impl, variant, cmd, env, cwd in infer_runs(t, exe, args, torch_ok):
                    record("infer", rep, {"threads": t}, impl, variant, cmd, env, cwd, records)
        if args.profile:
            for c in cells:
                cmd = [str(exe), "--mode", "profile", "--batch", str(c["batch"]), "--opt",
                       c["opt"], "--threads", str(c["threads"]), "--samples",
                       str(c["samples"])] + (["--ftz"] if c["ftz"] else [])
                record("profile", 0, c, "hnn", "profile", cmd, hnn_env(c["threads"]), None,
                       profiles)

        first = next((r["result"] for r in records if r["impl"] == "hnn" and r.get("result")),
                     None)
        about = run.machine_info(first, build_kind, refs, {"torch": torch_why})
        if "OpenMP in bench_mlp" in about:
            about["OpenMP in bench_cnn"] = about.pop("OpenMP in bench_mlp")
        about["threads"] = (
            "hnn: Eigen::setNbThreads(T) + omp_set_num_threads(T), OMP_NUM_THREADS=T. torch: "
            "torch.set_num_threads(T), OPENBLAS_NUM_THREADS=T OMP_NUM_THREADS=T, "
            f"LD_LIBRARY_PATH={OPENBLAS['pthread']} (1 and 2 threads) or {OPENBLAS['openmp']} "
            f"(2 threads), `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`, {REF_PYTHON}"
            + ("; --ftz on both sides (hnn::FlushToZero; torch.set_flush_denormal(True))"
               if args.ftz else "; no flush-to-zero on either side"))
        about["load average"] = (
            f"start {meta['uptime_start'].split('load average:')[-1].strip()}; during the runs "
            f"(1-min, median / max) {statistics.median(loads):.2f} / {max(loads):.2f}; end "
            + ", ".join(f"{x:.2f}" for x in os.getloadavg())
            + f" — on {os.cpu_count()} CPUs; the bench itself adds ~1-2")
        busy = [r for r in records + profiles if r.get("others_busy_during")]
        about["other work"] = (f"{len(busy)} of {len(records) + len(profiles)} runs had another "
                               "process keeping a CPU busy beside them"
                               + (" (after the retries of --quiet-wait)" if args.quiet_wait
                                  else ""))
        about["command"] = shlex.join(["python3", "bench/run_cnn.py"] +
                                      (sys.argv[1:] if argv is None else list(argv)))
        about["finished"] = datetime.datetime.now().isoformat(timespec="seconds") + \
            f" after {(time.time() - t_start) / 60:.1f} min"
        meta["about"] = about
        meta["profiles"] = profiles
        report = summarize(cells, records, meta)
        jl.write(json.dumps({"kind": "end", "meta": {"about": about}}) + "\n")
    print(report)
    out.with_suffix(".txt").write_text(report + "\n")
    log(f"raw results: {out}; report: {out.with_suffix('.txt')}")
    failed = [r for r in records + profiles if r["result"] is None]
    if failed:
        log(f"{len(failed)} run(s) failed; see their stderr_tail in {out}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
