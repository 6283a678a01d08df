"""How analysis time and peak memory grow with the number of ops: the tiny-op models of
bench/make_bench_models.py (10^2 .. 10^5 top-level ops; about 5.5 recorded ops each, nested ones included),
each run bare and analysed in fresh processes (build/bench/flopscope_peak_memory).

    python bench/scaling.py [--runs 5]

Prints, per model: the median warm forward and analysis time, their difference per top-level op, and the
peak RSS of each process; then the least-squares slopes of (analysis - forward) time and of (analysis -
forward) peak memory against the number of ops, and each point's deviation from the fitted line.
"""
import argparse
import json
import os
import statistics
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES = (100, 1000, 10000, 100000)


def run(tool, model, mode, runs):
    out = subprocess.run([tool, model, "1,4", mode, str(runs + 1)], check=True, capture_output=True, text=True)
    r = json.loads(out.stdout)
    return statistics.median(r["seconds"][1:]), r["peak_rss_mib"]


def slope(xs, ys):
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return b, my - b * mx


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = p.parse_args()
    tool = os.path.join(args.build, "bench", "flopscope_peak_memory")
    rows = []
    print(f"{'ops':>8} {'forward ms':>11} {'analysis ms':>12} {'extra us/op':>12} {'fwd peak MiB':>13} "
          f"{'ana peak MiB':>13} {'extra B/op':>11}")
    for n in SIZES:
        model = os.path.join(args.build, "bench-models", f"tiny_ops_{n}.pt")
        f_s, f_mib = run(tool, model, "forward", args.runs)
        a_s, a_mib = run(tool, model, "analysis", args.runs)
        rows.append((n, f_s, a_s, f_mib, a_mib))
        print(f"{n:>8} {1e3 * f_s:>11.2f} {1e3 * a_s:>12.2f} {1e6 * (a_s - f_s) / n:>12.2f} {f_mib:>13.1f} "
              f"{a_mib:>13.1f} {(a_mib - f_mib) * 2**20 / n:>11.0f}")
    ns = [r[0] for r in rows]
    t_b, t_a = slope(ns, [r[2] - r[1] for r in rows])
    m_b, m_a = slope(ns, [(r[4] - r[3]) * 2**20 for r in rows])
    print(f"time: (analysis - forward) = {1e6 * t_b:.2f} us/op x ops + {1e3 * t_a:.2f} ms")
    print(f"memory: (analysis - forward) peak = {m_b:.0f} B/op x ops + {m_a / 2**20:.1f} MiB")
    for n, f_s, a_s, _, _ in rows:
        fit = t_b * n + t_a
        print(f"  {n:>6} ops: measured extra {1e3 * (a_s - f_s):8.2f} ms, line {1e3 * fit:8.2f} ms")


if __name__ == "__main__":
    main()
