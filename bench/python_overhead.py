"""flopscope.get_model_complexity_info's overhead over a bare eager forward, paired: ResNet-50 batch 1 on the CPU,
the bare forward, the same under torch.no_grad() (flopscope's forward builds no autograd graph either) and
get_model_complexity_info called in turn 61 times; medians of each and of the paired differences (less sensitive to
a noisy machine than separate medians). Run from the repository root with the build tree's package:
    python bench/python_overhead.py            (OMP_NUM_THREADS=1 for one thread)"""
import logging
import statistics
import sys
import time
import warnings

sys.path.insert(0, "build/python")
import torch  # noqa: E402
import torchvision  # noqa: E402

import flopscope  # noqa: E402

logging.disable(logging.WARNING)
warnings.filterwarnings("ignore")
torch.manual_seed(0)
model = torchvision.models.resnet50().eval()
x = torch.randn(1, 3, 224, 224)


def no_grad():
    with torch.no_grad():
        model(x)


calls = {"bare": lambda: model(x), "no_grad": no_grad,
         "gmci": lambda: flopscope.get_model_complexity_info(model, inputs=(x,))}
for _ in range(3):
    for fn in calls.values():
        fn()
times = {name: [] for name in calls}
for _ in range(61):
    for name, fn in calls.items():
        start = time.perf_counter()
        fn()
        times[name].append(time.perf_counter() - start)


def ms(values):
    return statistics.median(values) * 1e3


def paired(a, b):
    return ms([y - z for y, z in zip(times[a], times[b])])


print(f"threads {torch.get_num_threads()}: bare {ms(times['bare']):.1f} ms, no_grad {ms(times['no_grad']):.1f} ms, "
      f"gmci {ms(times['gmci']):.1f} ms; ratio to bare {ms(times['gmci']) / ms(times['bare']):.3f}, to no_grad "
      f"{ms(times['gmci']) / ms(times['no_grad']):.3f}; paired overhead over bare {paired('gmci', 'bare'):.1f} ms, "
      f"over no_grad {paired('gmci', 'no_grad'):.1f} ms")
