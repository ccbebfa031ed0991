#!/usr/bin/env python3
"""hnn's benchmark command: builds bench_mlp, races it against the reference
implementations (PyTorch CPU, a NumPy from-scratch MLP) and prints one table.

    python3 bench/run.py                      # full run: 3 repetitions, ~20-40 min
    python3 bench/run.py --quick              # smoke test: 1 repetition, 8 cells
    python3 bench/run.py --refs PATH          # the references' folder
                                              # (default: ../shared/bench from the repo root)
    python3 bench/run.py --net cnn [--quick]  # the convolutional network (bench/run_cnn.py)

Any python3 runs this script: it only builds and launches processes. The
references themselves run with Debian's /usr/bin/python3 exactly as their
README says (OpenBLAS chosen by LD_LIBRARY_PATH, OPENBLAS_NUM_THREADS and
OMP_NUM_THREADS = T, OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for them only).

For every cell (batch 1, 32, 128, 512 x SGD / Adam / Adam with flush-to-zero x
1 and 2 threads) each repetition runs, one after the other: hnn's training
epoch (model.fit), the GEMM-only roofline, PyTorch (every OpenBLAS build that
applies at that thread count) and NumPy; the repetitions are rounds over all
cells, so the runs of one cell are spread over the whole measurement. Figures
are medians. Raw results: bench/results/latest.jsonl (one JSON object a line),
the printed report: bench/results/latest.txt.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REF_PYTHON = "/usr/bin/python3"
PACKAGES = ["python3-torch", "python3-numpy", "libopenblas0-pthread", "libopenblas0-openmp",
            "libblas-dev"]
DATASET_BYTES = 60000 * 784 * 4  # the 60,000-sample float32 inputs
MIB = 1024 * 1024


def log(msg):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def multiarch():
    for cmd in (["dpkg-architecture", "-qDEB_HOST_MULTIARCH"], ["gcc", "-print-multiarch"]):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
            if out:
                return out
        except (OSError, subprocess.CalledProcessError):
            pass
    return f"{platform.machine()}-linux-gnu"


OPENBLAS = {kind: f"/usr/lib/{multiarch()}/openblas-{kind}" for kind in ("pthread", "openmp")}


# ---- processes -------------------------------------------------------------------------

def run_child(cmd, env=None, cwd=None, timeout=None):
    """Runs cmd; returns a dict with rc, stdout, stderr, wall seconds and the
    child's own resource usage (peak RSS in kB, CPU seconds) from wait4."""
    t0 = time.perf_counter()
    with open(os.devnull, "rb") as devnull, \
            subprocess.Popen(cmd, env=env, cwd=cwd, stdin=devnull, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE) as p:
        timed_out = []

        def kill():
            timed_out.append(True)
            try:
                p.kill()
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        err_chunks = []
        reader = threading.Thread(target=lambda: err_chunks.append(p.stderr.read()))
        reader.start()
        out = p.stdout.read()
        reader.join()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        if timer:
            timer.cancel()
    return {
        "rc": "timeout" if timed_out else p.returncode,
        "stdout": out.decode(errors="replace"),
        "stderr": b"".join(err_chunks).decode(errors="replace"),
        "wall_s": time.perf_counter() - t0,
        "child_maxrss_kb": ru.ru_maxrss,
        "child_cpu_s": ru.ru_utime + ru.ru_stime,
    }


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def sh(cmd, **kw):
    """Runs a set-up command with its output on stderr (stdout is the report's)."""
    log("$ " + shlex.join(str(c) for c in cmd))
    sys.stderr.flush()
    return subprocess.run([str(c) for c in cmd], stdout=sys.stderr, **kw)


# ---- set-up: packages, build ----------------------------------------------------------------

def missing_packages():
    if not shutil.which("dpkg-query"):
        return []
    missing = []
    for pkg in PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Status}", pkg],
                           capture_output=True, text=True)
        if r.returncode != 0 or r.stdout.strip() != "installed":
            missing.append(pkg)
    return missing


def ensure_packages():
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        log(f"missing packages {' '.join(missing)} and not root: install them with "
            f"`apt-get install -y {' '.join(PACKAGES)}`; references that cannot run are skipped")
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends"] + missing
    if sh(cmd, env=env).returncode != 0:
        sh(["apt-get", "update"], env=env)
        sh(cmd, env=env)


def reference_status(refs):
    """Which references can run: {"torch": reason-or-None, "numpy": ...}."""
    status = {}
    if not Path(REF_PYTHON).exists():
        return {"torch": f"{REF_PYTHON} not found", "numpy": f"{REF_PYTHON} not found"}
    for impl, module in (("torch", "torch"), ("numpy", "numpy")):
        script = refs / f"{impl}_mlp.py"
        if not script.exists():
            status[impl] = f"{script} not found"
            continue
        r = subprocess.run([REF_PYTHON, "-c", f"import {module}"], capture_output=True, text=True,
                           env=dict(os.environ, LD_LIBRARY_PATH=OPENBLAS["pthread"]))
        status[impl] = None if r.returncode == 0 else f"{REF_PYTHON} cannot import {module}"
    for kind, path in OPENBLAS.items():
        if not Path(path).is_dir():
            log(f"warning: {path} missing (libopenblas0-{kind}); the references would fall back "
                "to whatever libblas.so.3 is")
    return status


def build(args, target="bench_mlp", blas_target="bench_mlp_blas"):
    """Builds `target` (and `blas_target`, hnn with EIGEN_USE_BLAS, when not None and CMake
    found a BLAS); returns (path of target, how it was built)."""
    bdir = Path(args.build_dir)
    native = "OFF" if args.no_native else "ON"
    jobs = str(getattr(args, "jobs", None) or os.cpu_count() or 2)
    top = (REPO / "CMakeLists.txt").read_text()
    if re.search(r"add_subdirectory\s*\(\s*bench\b", top) and shutil.which("cmake"):
        cfg = ["cmake", "-S", REPO, "-B", bdir, "-DCMAKE_BUILD_TYPE=Release",
               "-DHNN_BUILD_BENCHMARKS=ON", f"-DHNN_NATIVE={native}", "-DHNN_WITH_OPENMP=ON",
               "-DHNN_BUILD_TESTS=OFF", "-DHNN_BUILD_EXAMPLES=OFF",
               "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"]
        if sh(cfg).returncode != 0:
            sys.exit("bench/run.py: cmake configure failed")
        if sh(["cmake", "--build", bdir, "--target", target, "-j", jobs]).returncode != 0:
            sys.exit("bench/run.py: build failed")
        # hnn with EIGEN_USE_BLAS, when CMake found a BLAS to link (libblas-dev).
        if blas_target and sh(["cmake", "--build", bdir, "--target", blas_target, "-j",
                               jobs]).returncode != 0:
            log(f"{blas_target} not built (no BLAS found: apt-get install libblas-dev); the "
                "EIGEN_USE_BLAS column stays empty")
        exe = next((p for p in (bdir / "bench" / target, bdir / target) if p.exists()), None)
        if exe is None:
            sys.exit(f"bench/run.py: {target} not found under {bdir}")
        return exe, "cmake"
    # The top-level CMakeLists has no bench hook (yet): compile directly.
    log(f"top-level CMakeLists.txt has no add_subdirectory(bench): compiling {target} with g++")
    cxx = os.environ.get("CXX", "g++")
    eigen = "/usr/include/eigen3"
    if shutil.which("pkg-config"):
        r = subprocess.run(["pkg-config", "--cflags-only-I", "eigen3"], capture_output=True,
                           text=True)
        if r.returncode == 0 and r.stdout.strip():
            eigen = r.stdout.strip().split()[0][2:]
    gen = bdir / "generated"
    gen.mkdir(parents=True, exist_ok=True)
    flags = ["-std=c++17", "-O3", "-DNDEBUG", "-fopenmp"] + \
        ([] if args.no_native else ["-march=native"])
    (gen / "bench_flags.hpp").write_text(
        f'#define HNN_BENCH_FLAGS "{cxx} (direct build by bench/run.py): {" ".join(flags)}"\n')
    exe = bdir / target
    cmd = [cxx] + flags + ["-Wall", "-Wextra", "-I", REPO / "include", "-isystem", eigen,
                           "-I", gen, REPO / "bench" / f"{target}.cpp", "-o", exe]
    if sh(cmd).returncode != 0:
        sys.exit("bench/run.py: compile failed")
    return exe, "g++"


# ---- the plan ---------------------------------------------------------------------------------

CONFIGS = [("sgd", False), ("adam", False), ("adam", True)]


def cell_name(c):
    return f"b{c['batch']} {c['opt']}{'+ftz' if c['ftz'] else ''} T{c['threads']}"


def plan(args):
    cells = []
    configs = [("sgd", False), ("adam", True)] if args.quick else CONFIGS
    for b in args.batches:
        for t in args.threads:
            for opt, ftz in configs:
                cells.append({"batch": b, "opt": opt, "ftz": ftz, "threads": t,
                              "samples": args.b1_samples if b == 1 else args.samples})
    return cells


def blas_exe(exe):
    """bench_mlp_blas beside bench_mlp (built with EIGEN_USE_BLAS), or None."""
    p = Path(exe).with_name("bench_mlp_blas")
    return p if p.exists() else None


def ref_command(script, blas, threads, args):
    """A reference's command line, as ../shared/bench/README.md prescribes: Debian's python,
    OpenBLAS `blas` ("pthread" or "openmp") chosen with LD_LIBRARY_PATH, its threads and
    OpenMP's set to `threads`, OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for it only."""
    ld = OPENBLAS[blas] + (":" + os.environ["LD_LIBRARY_PATH"]
                           if os.environ.get("LD_LIBRARY_PATH") else "")
    return ["env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE", f"LD_LIBRARY_PATH={ld}",
            f"OPENBLAS_NUM_THREADS={threads}", f"OMP_NUM_THREADS={threads}", REF_PYTHON,
            script] + [str(a) for a in args]


def runs_for(cell, exe, refs, available):
    """The runs of one cell, in order: hnn, GEMM-only (hnn's and Eigen's products), hnn with
    EIGEN_USE_BLAS on OpenBLAS, PyTorch (each BLAS), NumPy."""
    b, t, opt, ftz, n = cell["batch"], cell["threads"], cell["opt"], cell["ftz"], cell["samples"]
    hnn_env = dict(os.environ, OMP_NUM_THREADS=str(t))
    common = ["--batch", str(b), "--threads", str(t), "--samples", str(n)] + \
        (["--ftz"] if ftz else [])
    runs = [
        ("hnn", "", [str(exe), "--mode", "train", "--opt", opt] + common, hnn_env, None),
        ("hnn-gemm", "", [str(exe), "--mode", "gemm", "--products", "hnn"] + common, hnn_env,
         None),
        ("eigen-gemm", "", [str(exe), "--mode", "gemm", "--products", "eigen"] + common, hnn_env,
         None),
    ]
    if blas_exe(exe):
        # OpenBLAS single-threaded inside each of hnn's threads (hnn splits the products).
        blas_env = dict(hnn_env, OPENBLAS_NUM_THREADS="1",
                        LD_LIBRARY_PATH=OPENBLAS["pthread"] + (
                            ":" + os.environ["LD_LIBRARY_PATH"]
                            if os.environ.get("LD_LIBRARY_PATH") else ""))
        for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # as for the references
            blas_env.pop(var, None)
        runs.append(("hnn-blas", "", [str(blas_exe(exe)), "--mode", "train", "--opt", opt] +
                      common, blas_env, None))

    def ref(script, blas, extra):
        return ref_command(script, blas, t, ["--batch", str(b), "--opt", opt, "--samples", str(n)]
                           + extra + (["--ftz"] if ftz else []))

    if available.get("torch") is None:
        # 1 thread: the pthread OpenBLAS. 2 threads: the OpenMP one (one shared pool, its
        # best) and the pthread one (to show the best is the one compared against).
        for blas in (["pthread"] if t == 1 else ["openmp", "pthread"]):
            runs.append(("torch", blas, ref("torch_mlp.py", blas, ["--threads", str(t)]), None,
                         refs))
    if available.get("numpy") is None:
        runs.append(("numpy", "pthread", ref("numpy_mlp.py", "pthread", []), None, refs))
    return runs


# ---- summaries ---------------------------------------------------------------------------------

def fmt_rate(x):
    if x is None:
        return "—"
    if x >= 100e3:
        return f"{x / 1e3:.0f}k"
    if x >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.0f}"


def fmt_ratio(x):
    return "—" if x is None else f"{x:.2f}×"


def fmt_pct(x):
    return "—" if x is None else f"{100 * x:.0f}%"


def median_or_none(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def table(headers, rows, align=None):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]
    align = align or ["<"] + [">"] * (len(headers) - 1)
    fmt = "  ".join(f"{{:{a}{w}}}" for a, w in zip(align, widths))
    out = [fmt.format(*headers), "  ".join("-" * w for w in widths)]
    out += [fmt.format(*[str(c) for c in r]) for r in rows]
    return "\n".join(out)


def summarize(cells, records, latency, profiles, meta, products=()):
    def rates(cell, impl, variant=None):
        return [r["result"]["samples_per_s"] for r in records
                if r["cell"] == cell and r["impl"] == impl and r.get("result")
                and (variant is None or r["variant"] == variant)]

    lines = []
    S = {}  # per cell: medians
    for c in cells:
        key = cell_name(c)
        s = {"hnn": median_or_none(rates(c, "hnn")), "gemm": median_or_none(rates(c, "hnn-gemm")),
             "eigen_gemm": median_or_none(rates(c, "eigen-gemm")),
             "blas": median_or_none(rates(c, "hnn-blas"))}
        h = rates(c, "hnn")
        s["hnn_spread"] = (max(h) - min(h)) / statistics.median(h) if len(h) > 1 else None
        cpu = [r["result"]["cpu_seconds"] / r["result"]["seconds"] / c["threads"] for r in records
               if r["cell"] == c and r["impl"] == "hnn" and r.get("result")
               and r["result"].get("cpu_seconds")]
        s["hnn_cpu"] = median_or_none(cpu)
        for impl in ("torch", "numpy"):
            best, best_v, per = None, None, {}
            for v in ("pthread", "openmp"):
                m = median_or_none(rates(c, impl, v))
                if m is not None:
                    per[v] = m
                    if best is None or m > best:
                        best, best_v = m, v
            s[impl], s[impl + "_blas"], s[impl + "_per"] = best, best_v, per
        s["n"] = len(h)
        S[key] = s

    def ratio(a, b):
        return a / b if a is not None and b else None

    lines.append("Training throughput, samples/s (medians of "
                 f"{meta['reps']} interleaved repetitions; one epoch; samples = samples per run)")
    rows = []
    for c in cells:
        s = S[cell_name(c)]
        torch_cfg = ""
        if s["torch"] is not None:
            others = ", ".join(f"{v} {fmt_rate(x)}" for v, x in s["torch_per"].items()
                               if v != s["torch_blas"])
            torch_cfg = f"{fmt_rate(s['torch'])} ({s['torch_blas']}{'; ' + others if others else ''})"
        rows.append([c["batch"], c["opt"] + (" +ftz" if c["ftz"] else ""), c["threads"],
                     c["samples"], fmt_rate(s["hnn"]), fmt_rate(s["gemm"]),
                     fmt_pct(ratio(s["hnn"], s["gemm"])), fmt_rate(s["eigen_gemm"]),
                     fmt_rate(s["blas"]), torch_cfg or "—", fmt_rate(s["numpy"]),
                     fmt_ratio(ratio(s["hnn"], s["torch"])), fmt_ratio(ratio(s["hnn"], s["numpy"])),
                     fmt_pct(s["hnn_spread"]), fmt_pct(s["hnn_cpu"])])
    lines.append(table(["batch", "opt", "T", "samples", "hnn", "GEMM", "hnn/GEMM", "Eigen GEMM",
                        "hnn+BLAS", "torch best (BLAS; other)", "numpy", "hnn/torch", "hnn/numpy",
                        "hnn spread", "hnn cpu"], rows,
                       [">", "<", ">", ">", ">", ">", ">", ">", ">", "<", ">", ">", ">", ">",
                        ">"]))
    lines.append("  GEMM = the step's products alone through hnn::set_product (as the layers compute "
                 "them); Eigen GEMM = the same products as plain Eigen noalias() calls with "
                 "Eigen's own threading; hnn+BLAS = hnn built with EIGEN_USE_BLAS on the "
                 "pthread OpenBLAS (OPENBLAS_NUM_THREADS=1; hnn splits the products).")
    lines.append("  torch best = the faster OpenBLAS build at that thread count (1 thread: pthread "
                 "only); numpy on the pthread OpenBLAS.")
    lines.append("  hnn spread = (max − min) / median over the repetitions; hnn cpu = CPU time / "
                 "(wall time × T) of the timed epoch (below ~95%: the machine was busy).")

    # Each side at its best thread count.
    lines.append("")
    lines.append("Each side at its best configuration (over 1 and 2 threads, and for torch both "
                 "OpenBLAS builds)")
    rows = []
    keys = sorted({(c["batch"], c["opt"], c["ftz"]) for c in cells},
                  key=lambda k: (k[0], k[1] != "sgd", k[2]))
    best = {}
    for b, opt, ftz in keys:
        group = [c for c in cells if (c["batch"], c["opt"], c["ftz"]) == (b, opt, ftz)]

        def pick(impl):
            cands = [(S[cell_name(c)][impl], c["threads"], S[cell_name(c)].get(impl + "_blas"))
                     for c in group if S[cell_name(c)][impl] is not None]
            return max(cands) if cands else (None, None, None)

        h, ht, _ = pick("hnn")
        t_, tt, tb = pick("torch")
        n_, nt, _ = pick("numpy")
        best[(b, opt, ftz)] = (h, t_, n_)
        rows.append([b, opt + (" +ftz" if ftz else ""), f"{fmt_rate(h)} (T{ht})",
                     f"{fmt_rate(t_)} (T{tt} {tb})" if t_ else "—",
                     f"{fmt_rate(n_)} (T{nt})" if n_ else "—",
                     fmt_ratio(ratio(h, t_)), fmt_ratio(ratio(h, n_))])
    lines.append(table(["batch", "opt", "hnn best", "torch best", "numpy best", "hnn/torch",
                        "hnn/numpy"], rows, [">", "<", ">", ">", ">", ">", ">"]))

    # The targets, checked.
    lines.append("")
    lines.append("Targets (issue 6)")
    checks = []

    def check(name, value, limit, fmt=fmt_ratio):
        if value is None:
            checks.append([name, "—", fmt(limit), "no data"])
        else:
            checks.append([name, fmt(value), fmt(limit), "ok" if value >= limit else "MISSED"])

    # Each side at its best: ≥ 6× / 1.8× / 1.5× / 1.2× at batch 1 / 32 / 128 / 512 (batch 1:
    # SGD; Adam there has its own target, ≥ 5× with flush-to-zero, below).
    for (b, opt, ftz), (h, t_, _) in best.items():
        lim = {1: 6.0, 32: 1.8, 128: 1.5, 512: 1.2}.get(b)
        if lim and (b > 1 or opt == "sgd"):
            check(f"hnn/torch best, b{b} {opt}{'+ftz' if ftz else ''}", ratio(h, t_), lim)
    for impl in ("torch", "numpy"):
        pairs = [(c, S[cell_name(c)]) for c in cells]
        pairs = [(c, s) for c, s in pairs if s[impl] is not None and s["hnn"] is not None]
        if pairs:
            behind = [cell_name(c) for c, s in pairs if s["hnn"] < s[impl]]
            checks.append([f"hnn ahead of {impl} at the same T", f"{len(pairs) - len(behind)} of "
                           f"{len(pairs)} cells", "all", "ok" if not behind else
                           "MISSED: " + ", ".join(behind)])
    for c in cells:
        if c["opt"] != "sgd":
            continue
        s = S[cell_name(c)]
        lim = None
        if c["threads"] == 1 and c["batch"] >= 32:
            lim = 0.92
        elif c["threads"] == 2 and c["batch"] >= 128:
            lim = 0.88
        elif c["batch"] == 1:
            lim = 0.85
        if lim:
            check(f"hnn/GEMM, {cell_name(c)}", ratio(s["hnn"], s["gemm"]), lim, fmt_pct)
    for c in cells:
        if c["threads"] != 2:
            continue
        one = dict(c, threads=1)
        if cell_name(one) in S:
            check(f"T2 / T1, b{c['batch']} {c['opt']}{'+ftz' if c['ftz'] else ''}",
                  ratio(S[cell_name(c)]["hnn"], S[cell_name(one)]["hnn"]), 1.0)
    for c in cells:
        if c["opt"] == "adam" and c["ftz"] and c["batch"] >= 128:
            sgd = dict(c, opt="sgd", ftz=False)
            if cell_name(sgd) in S:
                check(f"Adam+ftz / SGD, {cell_name(c)}",
                      ratio(S[cell_name(c)]["hnn"], S[cell_name(sgd)]["hnn"]), 0.85, fmt_pct)
    if (1, "adam", True) in best:
        h, t_, _ = best[(1, "adam", True)]
        check("hnn/torch best, b1 adam+ftz", ratio(h, t_), 5.0)
    rss = [r["result"]["peak_rss_kb"] * 1024 for r in records
           if r["impl"] == "hnn" and r.get("result") and r["result"]["samples"] == 60000]
    if rss:
        budget = DATASET_BYTES + 32 * MIB
        checks.append(["hnn peak RSS, 60,000 samples", f"{max(rss) / MIB:.0f} MiB",
                       f"≤ {budget / MIB:.0f} MiB", "ok" if max(rss) <= budget else "MISSED"])
    lines.append(table(["target", "measured", "needed", ""], checks, ["<", ">", ">", "<"]))

    # Latency.
    lines.append("")
    lines.append("Single-sample inference latency, µs (one column, inference mode; medians over "
                 "repetitions of each run's p50 / p99)")
    rows = []
    for t in sorted({r["cell"]["threads"] for r in latency}):
        rs = [r["result"] for r in latency if r["cell"]["threads"] == t and r.get("result")]
        if not rs:
            continue
        med = {k: median_or_none([x[k] for x in rs]) for k in
               ("predict_p50_us", "predict_p99_us", "forward_p50_us", "forward_p99_us")}
        rows.append([t, f"{med['predict_p50_us']:.1f}", f"{med['predict_p99_us']:.1f}",
                     f"{med['forward_p50_us']:.1f}", f"{med['forward_p99_us']:.1f}",
                     rs[0]["reps"]])
    lines.append(table(["T", "predict p50", "predict p99", "forward p50", "forward p99",
                        "calls/run"], rows))

    # Memory.
    lines.append("")
    lines.append(f"Peak RSS, runs over 60,000 samples (dataset float32: {DATASET_BYTES / MIB:.1f} "
                 f"MiB = 60000·784·4 bytes; hnn's budget: dataset + 32 MiB)")
    rows = []
    for impl, key in (("hnn", "hnn"), ("hnn-gemm", "hnn-gemm"), ("eigen-gemm", "eigen-gemm"),
                      ("torch", "torch"),
                      ("numpy", "numpy")):
        kb = [r["child_maxrss_kb"] for r in records if r["impl"] == key
              and r["cell"]["samples"] == 60000 and r.get("result")]
        if kb:
            m = max(kb) * 1024
            rows.append([impl, f"{m / MIB:.0f} MiB", f"{(m - DATASET_BYTES) / MIB:+.0f} MiB"])
    lines.append(table(["impl", "peak RSS (max over runs)", "over the dataset"], rows))

    if products:
        lines.append("")
        lines.append("Each product of the step alone, µs per call (--mode products; medians of 7 "
                     "rounds): Eigen on 1 thread, Eigen's own threading on T, and hnn::set_product "
                     "(split = threads it used for dst's columns)")
        rows = []
        for r in sorted(products, key=lambda r: (r["cell"]["threads"], r["cell"]["batch"])):
            for p in (r.get("result") or {}).get("products", []):
                rows.append([r["cell"]["batch"], r["cell"]["threads"], p["layer"], p["product"],
                             f"{p['work'] / 1e6:.2f}M", f"{p['eigen_1_us']:.1f}",
                             f"{p['eigen_T_us']:.1f}", f"{p['hnn_T_us']:.1f}", p["hnn_split"],
                             fmt_ratio(p["eigen_1_us"] / p["eigen_T_us"]),
                             fmt_ratio(p["eigen_1_us"] / p["hnn_T_us"])])
        lines.append(table(["batch", "T", "layer", "product", "mult-adds", "Eigen 1T",
                            "Eigen T", "hnn T", "split", "Eigen speed-up", "hnn speed-up"],
                           rows, [">", ">", ">", "<", ">", ">", ">", ">", ">", ">", ">"]))

    if profiles:
        lines.append("")
        lines.append("Where hnn's step goes (--mode profile: fit's loop with each phase timed; "
                     "one run each; % of the timed step)")
        rows = []
        for r in profiles:
            d = r.get("result")
            if not d:
                continue
            tot = d["timed_phases_s"]
            dense_f = sum(d.get(f"forward_{k}_s", 0) for k in (0, 2, 4))
            relu_f = sum(d.get(f"forward_{k}_s", 0) for k in (1, 3))
            dense_b = sum(d.get(f"backward_{k}_s", 0) for k in (0, 2, 4))
            relu_b = sum(d.get(f"backward_{k}_s", 0) for k in (1, 3))
            lossv = d["loss_value_s"] + d["loss_gradient_s"]
            c = r["cell"]
            rows.append([cell_name(c), fmt_rate(d["samples_per_s"]),
                         fmt_pct(dense_f / tot), fmt_pct(relu_f / tot), fmt_pct(lossv / tot),
                         fmt_pct(dense_b / tot), fmt_pct(relu_b / tot),
                         fmt_pct(d["optimizer_step_s"] / tot), fmt_pct(d["zero_grad_s"] / tot),
                         f"{1e6 * tot / max(1, -(-c['samples'] // c['batch'])):.1f}"])
        lines.append(table(["cell", "samples/s", "Dense fwd", "ReLU fwd", "loss", "Dense bwd",
                            "ReLU bwd", "optimizer", "zero_grad", "µs/step"], rows))

    # The machine and the settings.
    lines.append("")
    lines.append("Machine and settings")
    for k, v in meta["about"].items():
        lines.append(f"  {k}: {v}")
    return "\n".join(lines)


def machine_info(exe_result, build_kind, refs, available):
    about = {}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        f = dict(re.findall(r"^([^:\n]+):\s*(.*)$", lscpu, re.M))
        flags = f.get("Flags", "").split()
        about["CPU"] = (f"{f.get('Model name', '?')} (family {f.get('CPU family', '?')} model "
                        f"{f.get('Model', '?')}), {f.get('CPU(s)', '?')} CPUs, "
                        f"{f.get('Thread(s) per core', '?')} thread(s) per core; AVX-512: "
                        f"{'yes' if 'avx512f' in flags else 'no'}, AVX2: "
                        f"{'yes' if 'avx2' in flags else 'no'}")
    except OSError:
        about["CPU"] = platform.processor() or "?"
    march = ""
    try:
        q = subprocess.run(["g++", "-march=native", "-Q", "--help=target"], capture_output=True,
                           text=True).stdout
        m = re.search(r"^\s+-march=\s+(\S+)", q, re.M)
        march = f" (g++ -march=native resolves to {m.group(1)})" if m else ""
    except OSError:
        pass
    if exe_result:
        about["hnn compiler flags"] = exe_result.get("flags", "?") + march + f"; built by {build_kind}"
        about["Eigen"] = f"{exe_result.get('eigen')} SIMD: {exe_result.get('simd')}"
        about["OpenMP in bench_mlp"] = str(exe_result.get("openmp"))
    about["threads"] = ("hnn: Eigen::setNbThreads(T) + omp_set_num_threads(T), OMP_NUM_THREADS=T; "
                        "--ftz: hnn::FlushToZero (or MXCSR bits) in the main thread and every "
                        "OpenMP worker. References: OPENBLAS_NUM_THREADS=T OMP_NUM_THREADS=T, "
                        f"torch.set_num_threads(T), LD_LIBRARY_PATH={OPENBLAS['pthread']} "
                        f"(1 thread, NumPy) or {OPENBLAS['openmp']} (PyTorch 2 threads; pthread "
                        "also run), `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`, "
                        f"{REF_PYTHON}; --ftz: torch.set_flush_denormal(True) (main thread)")
    about["references"] = f"{refs}" + "".join(
        f"; {k}: {'ok' if v is None else 'SKIPPED (' + v + ')'}" for k, v in available.items())
    return about


def report_from(path):
    """The report of a finished (or interrupted) run, from its JSONL."""
    meta, about, records, latency, profiles, products = None, None, [], [], [], []
    for line in path.read_text().splitlines():
        r = json.loads(line)
        kind = r.get("kind")
        if kind == "meta":
            meta = r
        elif kind == "end":
            about = r["about"]
        elif kind == "run":
            records.append(r)
        elif kind == "latency":
            latency.append(r)
        elif kind == "profile":
            profiles.append(r)
        elif kind == "products":
            products.append(r)
    if meta is None:
        sys.exit(f"bench/run.py: {path} has no meta line")
    cells = []
    for r in records:
        if r["cell"] not in cells:
            cells.append(r["cell"])
    if about is None:
        first = next((r["result"] for r in records if r["impl"] == "hnn" and r.get("result")),
                     None)
        about = machine_info(first, meta.get("build", "?"), meta.get("refs"),
                             meta.get("available", {}))
        about["note"] = "report of an unfinished run"
    meta = dict(meta, about=about, reps=len({r["rep"] for r in records}) or meta["reps"])
    print(summarize(cells, records, latency, profiles, meta, products))
    return 0



def common_arguments(ap, refs, program, quick, batches, out):
    """The options run.py and run_cnn.py share: references, repetitions, cells, build, output."""
    ap.add_argument("--refs", default=str(REPO.parent / "shared" / "bench"),
                    help=f"folder of {refs} (default: %(default)s)")
    ap.add_argument("--reps", type=int, default=None, help="repetitions (default 3; --quick: 1)")
    ap.add_argument("--quick", action="store_true", help=f"smoke test: 1 repetition, {quick}")
    ap.add_argument("--batches", type=lambda s: [int(x) for x in s.split(",")], default=None,
                    help=f"comma-separated batch sizes (default {batches})")
    ap.add_argument("--threads", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2],
                    help="comma-separated thread counts (default 1,2)")
    ap.add_argument("--profile", action="store_true",
                    help=f"also run {program} --mode profile once per cell (where the step goes)")
    ap.add_argument("--build-dir", default=str(REPO / "build" / "bench"))
    ap.add_argument("--jobs", type=int, default=None, help="build jobs (default: the CPUs)")
    ap.add_argument("--no-build", action="store_true", help=f"use the {program} already built")
    ap.add_argument("--no-native", action="store_true", help="build without -march=native")
    ap.add_argument("--no-install", action="store_true", help="never apt-get install")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / out))
    ap.add_argument("--report", metavar="JSONL",
                    help="print the report of an earlier run's JSONL file and exit")

def main():
    # --net cnn: the convolutional benchmark (bench/run_cnn.py, with its own options).
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--net", choices=["mlp", "cnn"], default="mlp")
    net, rest = pre.parse_known_args()
    if net.net == "cnn":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import run_cnn
        return run_cnn.main(rest)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    common_arguments(ap, refs="torch_mlp.py and numpy_mlp.py", program="bench_mlp",
                     quick="batch 1 and 128, SGD and Adam+ftz", batches="1,32,128,512",
                     out="latest.jsonl")
    ap.add_argument("--samples", type=int, default=60000, help="samples per epoch (batch > 1)")
    ap.add_argument("--b1-samples", type=int, default=None,
                    help="samples per epoch at batch 1, for every implementation (default 6000; "
                         "--quick: 2000)")
    ap.add_argument("--latency-reps", type=int, default=20000, help="calls per latency run")
    ap.add_argument("--net", choices=["mlp", "cnn"], default="mlp",
                    help="mlp (this table) or cnn (bench/run_cnn.py: python3 bench/run.py --net "
                         "cnn --help)")
    ap.add_argument("--resume", action="store_true",
                    help="continue an interrupted run: keep the runs --out already holds (same "
                         "options needed) and do the rest")
    args = ap.parse_args()
    if args.report:
        return report_from(Path(args.report))
    args.reps = args.reps or (1 if args.quick else 3)
    args.batches = args.batches or ([1, 128] if args.quick else [1, 32, 128, 512])
    args.b1_samples = args.b1_samples or (2000 if args.quick else 6000)

    refs = Path(args.refs).resolve()
    if not refs.is_dir():
        log(f"reference folder {refs} not found: running hnn only (give it with --refs PATH)")
        available = {"torch": f"{refs} not found", "numpy": f"{refs} not found"}
    else:
        if not args.no_install:
            ensure_packages()
        available = reference_status(refs)
        for k, v in available.items():
            if v:
                log(f"reference {k} skipped: {v}")

    if args.no_build:
        exe = next((p for p in (Path(args.build_dir) / "bench" / "bench_mlp",
                                Path(args.build_dir) / "bench_mlp") if p.exists()), None)
        if exe is None:
            sys.exit("bench/run.py: --no-build but no bench_mlp in " + args.build_dir)
        build_kind = "existing binary"
    else:
        exe, build_kind = build(args)

    cells = plan(args)
    product_cells = [{"batch": b, "threads": t} for t in args.threads if t > 1
                     for b in args.batches]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"kind": "meta", "build": build_kind, "started": datetime.datetime.now().isoformat(timespec="seconds"),
            "argv": sys.argv, "reps": args.reps, "exe": str(exe), "refs": str(refs),
            "available": available, "loadavg_start": os.getloadavg(),
            "uptime_start": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()}
    records, latency, profiles, products = [], [], [], []
    loads = []
    finished = {}  # --resume: the runs an earlier, interrupted run completed

    def run_key(kind, rep, cell, impl, variant):
        return (kind, rep, json.dumps(cell, sort_keys=True), impl, variant)

    resuming = args.resume and out.exists()
    if resuming:
        for line in out.read_text().splitlines():
            r = json.loads(line)
            if r.get("kind") == "meta":
                meta = dict(r, argv=meta["argv"], exe=meta["exe"])
            elif r.get("kind") in ("run", "latency", "profile", "products") and r.get("result"):
                finished[run_key(r["kind"], r["rep"], r["cell"], r["impl"], r["variant"])] = r
                loads.append(r["loadavg_before"][0])
        log(f"--resume: {len(finished)} runs already done in {out}")
    total = args.reps * (sum(len(runs_for(c, exe, refs, available)) for c in cells)
                         + len(args.threads)) + (len(cells) if args.profile else 0) + \
        len(product_cells)
    done = 0
    ran = 0
    t_start = time.time()
    with open(out, "a" if resuming else "w") as jl:
        if not resuming:
            jl.write(json.dumps(meta) + "\n")

        def record(kind, rep, cell, impl, variant, cmd, env, cwd, into):
            nonlocal done, ran
            key = run_key(kind, rep, cell, impl, variant)
            if key in finished:
                into.append(finished[key])
                done += 1
                return finished[key]
            load = os.getloadavg()
            loads.append(load[0])
            r = run_child(cmd, env=env, cwd=cwd, timeout=args.timeout)
            res = last_json(r["stdout"]) if r["rc"] == 0 else None
            rec = {"kind": kind, "rep": rep, "cell": cell, "impl": impl, "variant": variant,
                   "cmd": shlex.join(cmd), "cwd": str(cwd) if cwd else None, "rc": r["rc"],
                   "wall_s": round(r["wall_s"], 3), "child_maxrss_kb": r["child_maxrss_kb"],
                   "child_cpu_s": round(r["child_cpu_s"], 3), "loadavg_before": load,
                   "time": datetime.datetime.now().isoformat(timespec="seconds"), "result": res}
            if res is None:
                rec["stderr_tail"] = r["stderr"][-2000:]
                rec["stdout_tail"] = r["stdout"][-1000:]
            jl.write(json.dumps(rec) + "\n")
            jl.flush()
            into.append(rec)
            done += 1
            ran += 1
            elapsed = time.time() - t_start
            eta = elapsed / ran * (total - done)
            what = (f"{res['samples_per_s']:.0f} samples/s" if res and "samples_per_s" in res
                    else f"p50 {res['predict_p50_us']:.1f} µs" if res and "predict_p50_us" in res
                    else "done" if res
                    else f"FAILED rc={r['rc']}: {r['stderr'].strip()[-300:]}")
            log(f"[{done}/{total} rep {rep + 1}] {cell_name(cell) if cell.get('opt') else ('products b' + str(cell['batch']) if cell.get('batch') else 'latency') + ' T' + str(cell['threads'])} "
                f"{impl}{' ' + variant if variant else ''}: {what} ({r['wall_s']:.1f}s, "
                f"load {load[0]:.1f}, eta {eta / 60:.0f} min)")
            return rec

        for rep in range(args.reps):
            for t in args.threads:
                cell = {"threads": t}
                env = dict(os.environ, OMP_NUM_THREADS=str(t))
                record("latency", rep, cell, "hnn", "latency",
                       [str(exe), "--mode", "latency", "--threads", str(t), "--reps",
                        str(args.latency_reps)], env, None, latency)
            for cell in cells:
                for impl, variant, cmd, env, cwd in runs_for(cell, exe, refs, available):
                    record("run", rep, cell, impl, variant, cmd, env, cwd, records)
        if args.profile:
            for cell in cells:
                env = dict(os.environ, OMP_NUM_THREADS=str(cell["threads"]))
                cmd = [str(exe), "--mode", "profile", "--batch", str(cell["batch"]), "--opt",
                       cell["opt"], "--threads", str(cell["threads"]), "--samples",
                       str(cell["samples"])] + (["--ftz"] if cell["ftz"] else [])
                record("profile", 0, cell, "hnn", "profile", cmd, env, None, profiles)
        # Each product alone: one thread, Eigen's threads, hnn's choice (the basis of
        # perf/threads.hpp's thresholds).
        for cell in product_cells:
            env = dict(os.environ, OMP_NUM_THREADS=str(cell["threads"]))
            cmd = [str(exe), "--mode", "products", "--batch", str(cell["batch"]), "--threads",
                   str(cell["threads"])]
            record("products", 0, cell, "hnn", "products", cmd, env, None, products)

        meta["loadavg_end"] = os.getloadavg()
        first = next((r["result"] for r in records if r["impl"] == "hnn" and r.get("result")), None)
        meta["about"] = machine_info(first, build_kind, refs, available)
        meta["about"]["load average"] = (
            f"start {meta['uptime_start'].split('load average:')[-1].strip()}; during the runs "
            f"(1-min, median / max) {statistics.median(loads):.2f} / {max(loads):.2f}; end "
            + ", ".join(f"{x:.2f}" for x in meta["loadavg_end"])
            + f" — on {os.cpu_count()} CPUs; the bench itself adds ~1-2")
        meta["about"]["command"] = shlex.join(["python3", "bench/run.py"] + sys.argv[1:])
        meta["about"]["finished"] = datetime.datetime.now().isoformat(timespec="seconds") + \
            f" after {(time.time() - t_start) / 60:.1f} min"
        report = summarize(cells, records, latency, profiles, meta, products)
        jl.write(json.dumps({"kind": "end", "about": meta["about"]}) + "\n")
    print(report)
    out.with_suffix(".txt").write_text(report + "\n")
    log(f"raw results: {out}; report: {out.with_suffix('.txt')}")
    failed = [r for r in records + latency + profiles + products if r["result"] is None]
    if failed:
        log(f"{len(failed)} run(s) failed; see their stderr_tail in {out}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
