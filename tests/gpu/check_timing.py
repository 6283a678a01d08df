"""The GPU pass's acceptance checks (issue 5), read from `flopscope analyze --format json` reports made on a
GPU machine, with the PyTorch profiler as the reference for summed kernel time.

    python3 check_timing.py REPORT.json MODEL.pt DTYPE BATCH [--forwards N]

Checks: >= 99% of kernel time attributed to a module; the timing pass's forward within 5% of the plain
forward timed the same way in the same process; summed kernel time within 2% of torch.profiler's for the
same model, input and executor settings; no module above 100% of its peak. Prints a table; exit 1 on failure.
"""
import argparse
import json
import statistics
import sys

import torch


def profiler_kernel_ms(model_path, dtype, batch, forwards, warmup):
    model = torch.jit.load(model_path, map_location="cuda").eval().to(getattr(torch, dtype))
    x = torch.randn(batch, 3, 224, 224, device="cuda", dtype=getattr(torch, dtype))
    # flopscope runs the TorchScript interpreter without graph optimisation: so does the reference.
    with torch.no_grad(), torch.jit.optimized_execution(False):
        for _ in range(warmup):
            model(x)
        torch.cuda.synchronize()
        per_forward = []
        for _ in range(forwards):
            with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
                model(x)
                torch.cuda.synchronize()
            total_us = sum(e.device_time for e in prof.events()
                           if e.device_type == torch.autograd.DeviceType.CUDA and not e.is_user_annotation)
            per_forward.append(total_us / 1e3)
    return statistics.median(per_forward)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("model")
    ap.add_argument("dtype")
    ap.add_argument("batch", type=int)
    ap.add_argument("--forwards", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()
    with open(a.report) as f:
        gpu = json.load(f)["gpu"]
    if not gpu["ran"]:
        print("FAIL: the timing pass did not run:", gpu["skipped_reason"])
        return 1
    ok = True

    def check(name, value, good, target):
        nonlocal ok
        ok &= good
        print(f"{'ok  ' if good else 'FAIL'} {name:<44} {value:<28} {target}")

    share = gpu["attributed_share"]
    check("kernel time attributed to a module", f"{100 * share:.2f}%", share >= 0.99, ">= 99%")
    wall, plain = gpu["wall_ms"]["median"], gpu["plain_forward_ms"]
    check("timing-pass forward / plain forward", f"{wall:.3f} / {plain:.3f} ms = {wall / plain:.3f}",
          abs(wall / plain - 1) <= 0.05, "within 5%")
    ref = profiler_kernel_ms(a.model, a.dtype, a.batch, a.forwards, a.warmup)
    mine = gpu["kernel_ms"]["median"]
    check("summed kernel time vs torch.profiler", f"{mine:.3f} / {ref:.3f} ms = {mine / ref:.3f}",
          abs(mine / ref - 1) <= 0.02, "within 2%")
    over = [m["module"] or "model" for m in gpu["modules"] if (m["peak_share"] or 0) > 1.0]
    check("modules above 100% of peak", str(len(over)) + (f" ({', '.join(over[:5])})" if over else ""),
          not over, "none")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
