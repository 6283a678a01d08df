"""flopscope.get_model_complexity_info's overhead over a bare eager forward, paired: ResNet-50 batch 1 on the CPU,
the two alternated 81 times, medians of each and of their differences (less sensitive to a noisy machine than
python_bench.py's separate medians). Run from the repository root with the build tree's package:
    python bench/python_overhead.py            (OMP_NUM_THREADS=1 for one thread)"""
import sys, time, statistics, logging, warnings
sys.path.insert(0, "build/python")
import torch, torchvision, flopscope
logging.disable(logging.WARNING); warnings.filterwarnings("ignore")
torch.manual_seed(0)
m = torchvision.models.resnet50().eval(); x = torch.randn(1, 3, 224, 224)
for _ in range(3): m(x); flopscope.get_model_complexity_info(m, inputs=(x,))
b, g = [], []
for _ in range(81):
    t = time.perf_counter(); m(x); b.append(time.perf_counter() - t)
    t = time.perf_counter(); flopscope.get_model_complexity_info(m, inputs=(x,)); g.append(time.perf_counter() - t)
mb, mg = statistics.median(b) * 1e3, statistics.median(g) * 1e3
d = statistics.median([y - z for y, z in zip(g, b)]) * 1e3
print(f"threads {torch.get_num_threads()}: bare {mb:.1f} ms, gmci {mg:.1f} ms, ratio {mg/mb:.3f}, paired overhead {d:.1f} ms")
