#!/usr/bin/env python3
"""run.py - run forja's benchmark suite against its peers and tabulate it.

    python3 bench/run.py --bin DIR [--threads 1,2] [--size small|large]
                         [--reps 3] [--only fib,uts] [--runtimes forja,tbb]
                         [--n fib=30,uts=1000] [--out DIR] [--timeout S]
    python3 bench/run.py --from DIR      (tables and plot again from DIR/raw.csv)

DIR holds the programs bench/CMakeLists.txt builds (<benchmark>-<runtime>;
`make bench-bin` prints where). Every program is run as `prog <threads> <n>`
and prints one line, benchmark,runtime,threads,n,result,seconds,cpu_seconds;
a program that exits non-zero (its result was wrong) is reported as FAIL and
makes this script exit 1 at the end. A run that outlasts --timeout is not a
failure: its cell reads "> S s" and the point is not run again in later
repetitions, so one slow peer cannot eat a machine's time budget. Runs are
interleaved (every benchmark and runtime once, then again) so slow drift of
the machine hits all alike.

Output: progress on stderr; on stdout a Markdown table per benchmark (median
times; T1/Ts = one-thread time over serial; Ts/Tp = speedup over serial;
peer/forja = how many times longer the peer took than forja at the same
thread count; cpu/wall = CPU-seconds per wall-second, where spinning shows)
and a check of the targets of issues 3 and 4. Files, in --out (default
bench/results/<YYYY-MM-DD-HHMMSS>/): raw.csv, results.md, machine.txt,
speedup.png (gnuplot; speedup over serial against threads). Standard library
only, so it runs wherever the programs were copied.
"""
import argparse
import csv
import datetime
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time

BENCHMARKS = ["fib", "nqueens", "skynet", "uts", "pfor", "spawn", "sort", "triad", "reduce"]

# Runtimes in table order, and the benchmarks each is built for.
RUNTIMES = ["serial", "forja", "forja-group", "forja-go", "omp-gcc", "omp-gcc-dyn",
            "omp-llvm", "omp-llvm-dyn", "tbb", "go"]
ONLY_FOR = {
    "forja-go": {"skynet"},
    "forja-group": {"fib", "nqueens", "skynet", "uts"},
    "go": {"fib", "skynet", "spawn"},
    "omp-gcc-dyn": {"triad", "reduce"},
    "omp-llvm-dyn": {"triad", "reduce"},
}

# small: the default, about 3 minutes on 2 cores with 3 repetitions.
# large: for machines with 16 or more cores (--threads 1,2,4,8,16).
SIZES = {
    "small": {"fib": 32, "nqueens": 12, "skynet": 10**6, "uts": 2000, "pfor": 500000,
              "spawn": 10**6, "sort": 5 * 10**6, "triad": 2**24, "reduce": 10**8},
    "large": {"fib": 36, "nqueens": 14, "skynet": 10**7, "uts": 11000, "pfor": 3 * 10**6,
              "spawn": 10**6, "sort": 10**7, "triad": 2**25, "reduce": 10**9},
}

FIELDS = ["benchmark", "runtime", "threads", "n", "result", "seconds", "cpu_seconds"]
COLOURS = {"serial": "#000000", "forja": "#d62728", "forja-group": "#ff7f0e",
           "forja-go": "#ff9896",
           "omp-gcc": "#1f77b4", "omp-gcc-dyn": "#aec7e8", "omp-llvm": "#2ca02c",
           "omp-llvm-dyn": "#98df8a", "tbb": "#9467bd", "go": "#17becf"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def csv_list(s):
    return [x.strip() for x in s.split(",") if x.strip()]


def parse_args():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", help="folder of benchmark programs (default: this script's "
                    "folder if it holds them, else build/bench/bench)")
    ap.add_argument("--threads", help="thread counts, e.g. 1,2,4 (default: 1 and all CPUs)")
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    ap.add_argument("--reps", type=int, default=3, help="repetitions per point (median)")
    ap.add_argument("--only", help="benchmarks to run, e.g. fib,uts")
    ap.add_argument("--runtimes", help="runtimes to run, e.g. forja,tbb (serial is "
                    "always run when there is a table to divide by it)")
    ap.add_argument("--n", help="size overrides, e.g. fib=30,uts=1000")
    ap.add_argument("--out", help="results folder (default: bench/results/<date-time>)")
    ap.add_argument("--retries", type=int, default=3,
                    help="re-runs of a run during which other processes used more than "
                    "--busy of a core (default 3; the last try is kept, marked)")
    ap.add_argument("--busy", type=float, default=0.25,
                    help="cores of other processes' CPU that disturb a run (default 0.25)")
    ap.add_argument("--timeout", type=float, default=None,
                    help="seconds per program run (default 120 small, 600 large)")
    ap.add_argument("--from", dest="src", metavar="DIR",
                    help="run nothing: rebuild results.md and speedup.png from DIR/raw.csv "
                    "(e.g. one copied back from another machine, or cut short)")
    a = ap.parse_args()
    a.host = platform.node()
    if a.src:
        a.ap = ap
        return a

    if a.bin is None:
        repo = os.path.dirname(here)
        a.bin = here if os.path.exists(os.path.join(here, "fib-serial")) else \
            os.path.join(repo, "build", "bench", "bench")
    if not os.path.isdir(a.bin):
        ap.error(f"--bin {a.bin}: no such folder (build it with `make bench-bin`)")
    try:
        ncpu = len(os.sched_getaffinity(0))
    except AttributeError:
        ncpu = os.cpu_count() or 1
    a.ncpu = ncpu
    a.thread_list = sorted({int(t) for t in csv_list(a.threads)}) if a.threads \
        else sorted({1, ncpu})
    if not a.thread_list or min(a.thread_list) < 1:
        ap.error("--threads: positive integers")
    a.benchmarks = BENCHMARKS
    if a.only:
        bad = [b for b in csv_list(a.only) if b not in BENCHMARKS]
        if bad:
            ap.error(f"--only: unknown benchmark(s) {','.join(bad)}; known: {','.join(BENCHMARKS)}")
        a.benchmarks = [b for b in BENCHMARKS if b in csv_list(a.only)]
    a.runtime_list = RUNTIMES
    if a.runtimes:
        want = csv_list(a.runtimes)
        bad = [r for r in want if r not in RUNTIMES]
        if bad:
            ap.error(f"--runtimes: unknown runtime(s) {','.join(bad)}; known: {','.join(RUNTIMES)}")
        a.runtime_list = [r for r in RUNTIMES if r in want or r == "serial"]
    a.sizes = dict(SIZES[a.size])
    if a.n:
        for kv in csv_list(a.n):
            k, _, v = kv.partition("=")
            if k not in a.sizes or not v.isdigit():
                ap.error(f"--n: expected benchmark=N, got {kv}")
            a.sizes[k] = int(v)
    if a.reps < 1:
        ap.error("--reps: at least 1")
    if a.timeout is None:
        a.timeout = 120.0 if a.size == "small" else 600.0
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    a.out = a.out or os.path.join(here, "results", stamp)
    return a


def plan(a):
    """The (benchmark, runtime, threads) points to run; warns about missing programs."""
    points, skipped = [], []
    for b in a.benchmarks:
        for rt in a.runtime_list:
            if rt in ONLY_FOR and b not in ONLY_FOR[rt]:
                continue
            prog = os.path.join(a.bin, f"{b}-{rt}")
            if not os.access(prog, os.X_OK):
                skipped.append(f"{b}-{rt}")
                continue
            for t in ([1] if rt == "serial" else a.thread_list):
                points.append((b, rt, t))
    if skipped:
        by_rt = {}
        for s in skipped:
            b, rt = s.split("-", 1)
            by_rt.setdefault(rt, []).append(b)
        for rt, bs in by_rt.items():
            log(f"WARNING: {rt} skipped for {','.join(bs)}: no program in {a.bin} "
                f"(toolchain missing when it was built? see the cmake warnings)")
    return points, skipped


def busy_seconds():
    """CPU time the whole machine spent busy so far (steal included), or None."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal ...: all but idle, iowait
    busy = v[0] + v[1] + v[2] + sum(v[5:8])
    return busy / os.sysconf("SC_CLK_TCK")


def children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_one(a, b, rt, t, n):
    """Runs one program; returns (row dict or None, error text or None).
    row["foreign"] is the CPU (in cores) that other processes used meanwhile."""
    prog = os.path.join(a.bin, f"{b}-{rt}")
    busy0, mine0, wall0 = busy_seconds(), children_cpu(), time.monotonic()
    try:
        p = subprocess.run([prog, str(t), str(n)], capture_output=True, text=True,
                           timeout=a.timeout)
    except subprocess.TimeoutExpired:
        return None, TIMEOUT
    busy1, mine1, wall = busy_seconds(), children_cpu(), time.monotonic() - wall0
    foreign = None
    if busy0 is not None and busy1 is not None and wall > 0:
        # /proc/stat counts whole clock ticks per CPU: allow one tick per CPU
        # of error, so short runs are only called disturbed when clearly so.
        slack = (os.cpu_count() or 1) / os.sysconf("SC_CLK_TCK")
        foreign = max(0.0, (busy1 - busy0) - (mine1 - mine0) - slack) / wall
    if p.returncode != 0:
        err = (p.stderr.strip().splitlines() or [""])[-1]
        return None, f"exit {p.returncode}: {err}"
    lines = [line for line in p.stdout.splitlines() if line.strip()]
    if len(lines) != 1:
        return None, f"expected one output line, got {len(lines)}"
    parts = lines[0].split(",")
    if len(parts) != len(FIELDS):
        return None, f"bad line: {lines[0]}"
    row = dict(zip(FIELDS, parts))
    if row["benchmark"] != b or row["runtime"] != rt or row["threads"] != str(t) \
            or row["n"] != str(n):
        return None, f"line does not match the run: {lines[0]}"
    try:
        row["seconds"] = float(row["seconds"])
        row["cpu_seconds"] = float(row["cpu_seconds"])
    except ValueError:
        return None, f"bad numbers: {lines[0]}"
    row["foreign"] = foreign
    return row, None


TIMEOUT = "timeout"     # run_one's error for a run that outlasted --timeout


def fmt_time(s):
    if s is None:
        return "–"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f} µs"


def fmt_ratio(x, digits=2):
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.{digits}f}"


class Results:
    def __init__(self):
        self.rows = []
        self.timeouts = {}     # (benchmark, runtime, threads) -> the limit it outlasted

    def add(self, row):
        self.rows.append(row)

    def point(self, b, rt, t):
        """The runs of one point: the undisturbed ones if there are any."""
        xs = [r for r in self.rows if r["benchmark"] == b and r["runtime"] == rt
              and int(r["threads"]) == t]
        clean = [r for r in xs if not r.get("disturbed")]
        return clean or xs

    def tainted(self, b, rt, t):
        xs = self.point(b, rt, t)
        return bool(xs) and all(r.get("disturbed") for r in xs)

    def med(self, b, rt, t, key="seconds"):
        xs = [r[key] for r in self.point(b, rt, t)]
        return statistics.median(xs) if xs else None

    def cpu_per_wall(self, b, rt, t):
        xs = [r["cpu_seconds"] / r["seconds"] for r in self.point(b, rt, t) if r["seconds"] > 0]
        return statistics.median(xs) if xs else None

    def runtimes(self, b):
        seen = {r["runtime"] for r in self.rows if r["benchmark"] == b}
        seen |= {rt for (b2, rt, _) in self.timeouts if b2 == b}
        return [rt for rt in RUNTIMES if rt in seen]


def table(res, a, b):
    """One benchmark's Markdown table."""
    ts = res.med(b, "serial", 1)
    threads = a.thread_list
    pmax = threads[-1]
    edge = [1, pmax] if pmax != 1 else [1]
    n = a.sizes[b]
    head = ["runtime"] + [f"T{p}" for p in threads] + ["T1/Ts"] + \
        [f"Ts/T{p}" for p in threads if p > 1] + \
        [f"peer/forja @{p}" for p in edge] + [f"cpu/wall @{p}" for p in edge]
    out = [f"### {b} (n = {n})", ""]
    if b == "spawn":
        out.append("Times in brackets: million tasks per second.")
        out.append("")
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rt in res.runtimes(b):
        cells = [rt]
        for p in threads:
            t = res.med(b, rt, p)
            c = fmt_time(t)
            if t is None and (b, rt, p) in res.timeouts:
                c = f"> {fmt_time(res.timeouts[(b, rt, p)])}"
            if b == "spawn" and t:
                c += f" ({n / t / 1e6:.1f})"
            if res.tainted(b, rt, p):
                c += " *"
            cells.append(c)
        t1 = res.med(b, rt, 1)
        cells.append(fmt_ratio(t1 / ts) if (t1 and ts and rt != "serial") else "–")
        for p in threads:
            if p > 1:
                tp = res.med(b, rt, p)
                cells.append(fmt_ratio(ts / tp) if (tp and ts) else "–")
        for p in edge:
            tp, tf = res.med(b, rt, p), res.med(b, "forja", p)
            cells.append(fmt_ratio(tp / tf) if (tp and tf and rt != "serial") else "–")
        for p in edge:
            cells.append(fmt_ratio(res.cpu_per_wall(b, rt, p)))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def targets(res, a):
    """Issue 3/4 targets (stated for 2 cores; checked at the largest thread count)."""
    p = a.thread_list[-1]
    if p < 2 or 1 not in a.thread_list:
        return ""
    rows = []

    def check(name, value, ok, want):
        if value is None:
            return
        rows.append(f"| {name} | {value} | {want} | {'ok' if ok else '**MISS**'} |")

    def r(b, rt, t):
        return res.med(b, rt, t)

    for b, lim in (("fib", 2.0), ("skynet", 2.0), ("nqueens", 1.15), ("triad", 1.02),
                   ("reduce", 1.02)):
        t1, ts = r(b, "forja", 1), r(b, "serial", 1)
        if t1 and ts:
            check(f"{b} forja T1/Ts", f"{t1 / ts:.2f}", t1 / ts <= lim, f"≤ {lim}")
    for b in ("uts", "pfor"):
        tp, ts = r(b, "forja", p), r(b, "serial", 1)
        if tp and ts:
            check(f"{b} forja Ts/T{p}", f"{ts / tp:.2f}", ts / tp >= 1.95, "≥ 1.95")
    for t in (1, p):
        tf = r("spawn", "forja", t)
        if tf:
            m = a.sizes["spawn"] / tf / 1e6
            check(f"spawn forja M tasks/s @{t}", f"{m:.1f}", m >= 50, "≥ 50")
    for b in ("triad", "reduce"):
        tp, ts = r(b, "forja", p), r(b, "serial", 1)
        omp = [ts / x for x in (r(b, rt, p) for rt in
               ("omp-gcc", "omp-gcc-dyn", "omp-llvm", "omp-llvm-dyn")) if x and ts]
        if tp and ts and omp:
            best = max(omp)
            check(f"{b} forja Ts/T{p} vs best OpenMP {best:.2f}", f"{ts / tp:.2f}",
                  ts / tp >= 0.97 * best, "within 3%")
    for b in a.benchmarks:
        tf = r(b, "forja", p)
        if not tf:
            continue
        peers = [(r(b, rt, p) / tf, rt) for rt in res.runtimes(b)
                 if rt not in ("serial", "forja", "forja-group", "forja-go") and r(b, rt, p)]
        if not peers:
            continue
        worst, who = min(peers)
        check(f"{b}: every peer / forja @{p}", f"{worst:.2f} ({who})", worst >= 1.0, "≥ 1")
        if b in ("fib", "skynet", "spawn"):
            big = [x for x in peers if x[1].startswith(("omp", "tbb"))]
            if big:
                worst, who = min(big)
                check(f"{b}: OpenMP and oneTBB / forja @{p}", f"{worst:.2f} ({who})",
                      worst >= 10, "≥ 10")
    if not rows:
        return ""
    head = [f"### Targets (issues 3 and 4; stated for 2 cores, checked at {p} threads)", "",
            "| target | measured | wanted | |", "|---|---|---|---|"]
    return "\n".join(head + rows)


def machine_info(a):
    lines = [f"date: {datetime.datetime.now().isoformat(timespec='seconds')}",
             f"command: {' '.join(sys.argv)}", f"host: {platform.node()}"]
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    lines.append(f"cpu: {model}")
    lines.append(f"cpus: {os.cpu_count()} online, {a.ncpu} usable by this process")
    lines.append(f"kernel: {platform.system()} {platform.release()} {platform.machine()}")
    # Boot options that change where threads run (on the 2-core CI VM,
    # sched_vcpu_pack packs threads onto fewer vCPUs: README, Performance).
    try:
        with open("/proc/cmdline") as f:
            sched = [w for w in f.read().split()
                     if w.split("=", 1)[0].startswith(("sched", "isolcpus", "nohz", "irqaffinity"))
                     or "halt_poll" in w or w.startswith("cpuidle")]
        if sched:
            lines.append("kernel scheduling options: " + " ".join(sched))
    except OSError:
        pass
    try:
        lines.append("load average at start: %.2f %.2f %.2f" % os.getloadavg())
    except OSError:
        pass
    lines.append(f"python: {platform.python_version()}")
    info = os.path.join(a.bin, "BUILDINFO.txt")
    if os.path.exists(info):
        with open(info) as f:
            lines.append(f.read().strip())
    for cmd in (["gcc", "--version"], ["clang", "--version"], ["go", "version"]):
        if shutil.which(cmd[0]):
            try:
                v = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
                lines.append(f"{cmd[0]} here: {v.splitlines()[0] if v else '?'}")
            except (OSError, subprocess.TimeoutExpired):
                pass
    if shutil.which("dpkg-query"):
        for pkg in ("libtbb-dev", "libomp-dev", "libck-dev"):
            v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg],
                               capture_output=True, text=True).stdout
            if v:
                lines.append(f"{pkg}: {v}")
    return "\n".join(lines) + "\n"


def plot(res, a):
    """speedup.png: one panel per benchmark, one line per runtime."""
    if not shutil.which("gnuplot"):
        log("WARNING: gnuplot not found: no speedup.png (Debian: apt-get install gnuplot-nox)")
        return
    datadir = os.path.join(a.out, "plot")
    os.makedirs(datadir, exist_ok=True)
    benches = [b for b in a.benchmarks if res.med(b, "serial", 1)]
    if not benches:
        return
    cols = 3 if len(benches) > 4 else len(benches)
    rows = (len(benches) + cols - 1) // cols
    pmax = a.thread_list[-1]
    g = [f"set terminal pngcairo size {520 * cols},{400 * rows} font 'sans,10'",
         f"set output '{os.path.join(a.out, 'speedup.png')}'",
         f"set multiplot layout {rows},{cols} title 'speedup over serial C "
         f"({a.host}, {a.ncpu} CPUs, {a.size} sizes)'",
         "set key top left font ',8'", "set grid", "set xlabel 'threads'",
         "set ylabel 'Ts / Tp (log)'", f"set xrange [0.8:{pmax * 1.1 if pmax > 1 else 2}]",
         "set logscale y", "set yrange [*:*]", "set xtics (" + ", ".join(f"'{p}' {p}" for p in a.thread_list) + ")"]
    if pmax >= 8:
        g.append("set logscale x 2")
    for b in benches:
        ts = res.med(b, "serial", 1)
        plots = [f"x with lines dt 2 lc rgb '#bbbbbb' title 'ideal', "
                 f"1 with lines lc rgb '#888888' title 'serial'"]
        for rt in res.runtimes(b):
            if rt == "serial":
                continue
            pts = [(p, ts / res.med(b, rt, p)) for p in a.thread_list if res.med(b, rt, p)]
            if not pts:
                continue
            path = os.path.join(datadir, f"{b}-{rt}.dat")
            with open(path, "w") as f:
                for p, s in pts:
                    f.write(f"{p} {s:.6g}\n")
            plots.append(f"'{path}' using 1:2 with linespoints lw 2 pt 7 "
                         f"lc rgb '{COLOURS.get(rt, '#555555')}' title '{rt}'")
        g.append(f"set title '{b} (n = {a.sizes[b]})'")
        g.append("plot " + ", ".join(plots))
    g.append("unset multiplot")
    script = os.path.join(datadir, "speedup.gp")
    with open(script, "w") as f:
        f.write("\n".join(g) + "\n")
    p = subprocess.run(["gnuplot", script], capture_output=True, text=True)
    if p.returncode != 0:
        log(f"WARNING: gnuplot failed: {p.stderr.strip()[:500]}")


def from_csv(ap, a):
    """--from DIR: the arguments a run would have had, read back from DIR/raw.csv."""
    path = os.path.join(a.src, "raw.csv")
    if not os.path.exists(path):
        ap.error(f"--from {a.src}: no raw.csv there")
    res, sizes, threads, reps = Results(), {}, set(), set()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            b, rt, t = row["benchmark"], row["runtime"], int(row["threads"])
            if b not in BENCHMARKS or rt not in RUNTIMES:
                ap.error(f"--from: unknown benchmark or runtime in {path}: {b}-{rt}")
            sizes[b] = int(row["n"])
            threads.add(t)
            reps.add(row.get("rep", "0"))
            if row["result"] == TIMEOUT:
                res.timeouts[(b, rt, t)] = float(row["seconds"])
                continue
            row["seconds"] = float(row["seconds"])
            row["cpu_seconds"] = float(row["cpu_seconds"])
            fc = row.get("foreign_cores") or ""
            row["foreign"] = float(fc) if fc else None
            row["disturbed"] = row["foreign"] is not None and row["foreign"] > a.busy
            res.add(row)
    # A point that finished in some repetition was not skipped for a timeout.
    for r in res.rows:
        res.timeouts.pop((r["benchmark"], r["runtime"], int(r["threads"])), None)
    a.out = a.out or a.src
    a.benchmarks = [b for b in BENCHMARKS if b in sizes]
    a.sizes = {**SIZES["small"], **sizes}
    a.thread_list = sorted(threads)
    a.reps = len(reps)
    a.size = next((k for k, v in SIZES.items()
                   if all(v[b] == sizes[b] for b in sizes)), "custom")
    a.ncpu = max(a.thread_list)
    os.makedirs(a.out, exist_ok=True)
    noisy = [f"{r['benchmark']}-{r['runtime']} t={r['threads']}" for r in res.rows
             if r["disturbed"]]
    info = os.path.join(a.src, "machine.txt")
    if os.path.exists(info):
        with open(info) as f:
            for line in f:
                if line.startswith("host: "):
                    a.host = line.split(": ", 1)[1].strip()
                if line.startswith("cpus: ") and "usable" in line:
                    a.ncpu = int(line.split()[3])     # "cpus: N online, M usable ..."
    return report(res, a, [], noisy, [])


def main():
    a = parse_args()
    if a.src:
        return from_csv(a.ap, a)
    points, skipped = plan(a)
    if not points:
        log(f"nothing to run: no benchmark programs in {a.bin}")
        return 1
    os.makedirs(a.out, exist_ok=True)
    try:
        load = os.getloadavg()[0]
        if load > 0.5:
            log(f"WARNING: load average {load:.2f} before starting: other work is running, "
                f"timings will be noisy")
    except OSError:
        pass
    with open(os.path.join(a.out, "machine.txt"), "w") as f:
        f.write(machine_info(a))
    total = len(points) * a.reps
    log(f"{total} runs: {len(a.benchmarks)} benchmarks, threads {a.thread_list}, "
        f"{a.size} sizes, {a.reps} reps; results in {a.out}")
    res, failures, noisy, done = Results(), [], [], 0
    patience = 90.0       # seconds this run may spend waiting out other processes
    with open(os.path.join(a.out, "raw.csv"), "w", newline="") as raw:
        w = csv.writer(raw)
        w.writerow(FIELDS + ["rep", "foreign_cores"])
        for rep in range(a.reps):
            for b, rt, t in points:
                done += 1
                n = a.sizes[b]
                tag = f"[{done}/{total}] {b:8} {rt:13} t={t:<3} n={n}"
                if (b, rt, t) in res.timeouts:
                    log(f"{tag}: skipped (outlasted {a.timeout:g} s before)")
                    continue
                for attempt in range(a.retries + 1):
                    row, err = run_one(a, b, rt, t, n)
                    if err or row["foreign"] is None or row["foreign"] <= a.busy:
                        break
                    if attempt < a.retries:
                        log(f"{tag}: {fmt_time(row['seconds'])}, but other processes used "
                            f"{row['foreign']:.2f} cores meanwhile: again")
                        if patience > 0:     # let a short disturbance pass
                            time.sleep(1.0)
                            patience -= 1.0
                if err == TIMEOUT:
                    res.timeouts[(b, rt, t)] = a.timeout
                    w.writerow([b, rt, t, n, TIMEOUT, a.timeout, "", rep, ""])
                    raw.flush()
                    log(f"{tag}: outlasted {a.timeout:g} s: killed, not run again")
                    continue
                if err:
                    failures.append(f"{b}-{rt} {t} {n}: {err}")
                    log(f"{tag}: FAIL {err}")
                    continue
                disturbed = row["foreign"] is not None and row["foreign"] > a.busy
                row["disturbed"] = disturbed
                if disturbed:
                    noisy.append(f"{b}-{rt} t={t} (other processes: {row['foreign']:.2f} cores)")
                res.add(row)
                w.writerow([row[k] for k in FIELDS] + [rep, "" if row["foreign"] is None
                                                      else f"{row['foreign']:.3f}"])
                raw.flush()
                log(f"{tag}: {fmt_time(row['seconds'])} (cpu {row['cpu_seconds']:.3f} s)"
                    + (" DISTURBED" if disturbed else ""))

    return report(res, a, skipped, noisy, failures)


def report(res, a, skipped, noisy, failures):
    """Writes results.md (also to stdout) and speedup.png; the exit status."""
    parts = [f"## forja benchmarks: {a.size} sizes, threads {','.join(map(str, a.thread_list))}, "
             f"median of {a.reps}", "",
             "T1/Ts: one-thread time over serial C (the runtime's overhead). Ts/Tp: speedup "
             "over serial C. peer/forja: the runtime's time over forja's at the same thread "
             "count (above 1: forja is faster). cpu/wall: CPU-seconds per wall-second. "
             "Medians leave out runs that other processes disturbed, unless every "
             "repetition was disturbed: then the time is marked *.", ""]
    for b in a.benchmarks:
        if res.runtimes(b):
            parts += [table(res, a, b), ""]
    tg = targets(res, a)
    if tg:
        parts += [tg, ""]
    if skipped:
        parts += ["Skipped (no program): " + ", ".join(skipped), ""]
    if noisy:
        parts += [f"Disturbed runs (other processes used over {a.busy} of a core through "
                  f"{a.retries + 1} tries; kept): " + "; ".join(noisy), ""]
    if res.timeouts:
        parts += ["Killed at the time limit (not failures; the cell reads \"> limit\"): " +
                  ", ".join(f"{b}-{rt} t={t}" for (b, rt, t) in sorted(res.timeouts)), ""]
    if failures:
        parts += ["FAILED runs:", ""] + [f"- {f}" for f in failures] + [""]
    text = "\n".join(parts)
    print(text)
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write(text)
    plot(res, a)
    log(f"results: {a.out}")
    if failures:
        log(f"FAIL: {len(failures)} run(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
