"""The Python package's speed, as ratios measured in one run (issue 17's targets):

    OMP_NUM_THREADS=1 python bench/python_bench.py [--package build/python] [--repeats 7]

- import: seconds `import flopscope` adds on top of `import torch` (fresh processes, median), target < 0.5 s;
- ResNet-50, batch 1, CPU: flopscope.get_model_complexity_info against mmengine's in the same process (target
  >= 5x faster) and against a bare eager forward of the same model and input (target <= 1.15x), and, since
  flopscope's forward builds no autograd graph, against the same forward under torch.no_grad() too;
- ResNet-50, batch 8, CPU: an analysed training step (analyze(train_step=True)) against a bare one,
  model(x).sum().backward() (target <= 1.15x, issue 18).
Medians over --repeats runs after one warm-up each, the functions compared called in turn.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def alternated_medians(fns, repeats):
    """Median seconds of each function, called in turn `repeats` times after one warm-up each: every figure sees the
    machine as it was during the same seconds (this machine's speed drifts by tens of percent over a minute)."""
    for fn in fns.values():
        fn()  # warm-up: first-call allocations, lazy initialisation
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def import_seconds(package, repeats):
    code = ("import time, torch; t = time.perf_counter(); import flopscope; "
            "print(time.perf_counter() - t)")
    env = dict(os.environ)
    if package:
        env["PYTHONPATH"] = package
    runs = [float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                 check=True).stdout) for _ in range(repeats)]
    return statistics.median(runs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--package", help="directory holding the flopscope package (default: the installed one)")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    if args.package:
        sys.path.insert(0, args.package)
    import logging
    import warnings

    import torch
    import torchvision
    from mmengine.analysis import get_model_complexity_info as mmengine_gmci

    import flopscope
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")

    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), flopscope {flopscope.__version__}")
    print(f"import flopscope after torch: {import_seconds(args.package, args.repeats):.3f} s (target < 0.5 s)")

    torch.manual_seed(0)
    model = torchvision.models.resnet50().eval()
    x = torch.randn(1, 3, 224, 224)

    def bare_no_grad():
        with torch.no_grad():
            model(x)

    t = alternated_medians({"bare": lambda: model(x), "no_grad": bare_no_grad,
                            "ours": lambda: flopscope.get_model_complexity_info(model, inputs=(x,))}, args.repeats)
    bare, no_grad, ours = t["bare"], t["no_grad"], t["ours"]
    # mmengine apart, right after: between the others, its traces' allocations slowed them and it.
    theirs = alternated_medians({"theirs": lambda: mmengine_gmci(model, inputs=(x,))}, max(3, args.repeats // 2))["theirs"]
    print(f"ResNet-50 batch 1 CPU: bare forward {bare * 1e3:.1f} ms, flopscope {ours * 1e3:.1f} ms, "
          f"mmengine {theirs * 1e3:.1f} ms")
    print(f"  flopscope / bare forward: {ours / bare:.3f}x (target <= 1.15x)")
    # flopscope's forward builds no autograd graph (the bare one does): against a forward that builds none either.
    print(f"  flopscope / bare forward under no_grad ({no_grad * 1e3:.1f} ms): {ours / no_grad:.3f}x")
    print(f"  mmengine / flopscope:     {theirs / ours:.1f}x (target >= 5x)")

    model.train()
    x8 = torch.randn(8, 3, 224, 224)

    def bare_step():
        model(x8).sum().backward()
        model.zero_grad(set_to_none=True)

    t = alternated_medians({"bare": bare_step,
                            "analysed": lambda: flopscope.analyze(model, x8, ops="default", train_step=True)},
                           max(3, args.repeats // 2))
    bare, analysed = t["bare"], t["analysed"]
    print(f"ResNet-50 batch 8 CPU training step: bare {bare * 1e3:.0f} ms, analysed {analysed * 1e3:.0f} ms")
    print(f"  analysed / bare step:     {analysed / bare:.3f}x (target <= 1.15x)")


if __name__ == "__main__":
    main()
