"""flopscope next to mmengine and fvcore on the same model and input, timed side by side on this machine.

    python bench/peers.py --model resnet50 --runs 5

In process (median of --runs after one warm-up run each):
  forward    the eager torchvision model's forward under torch.no_grad()
  mmengine   mmengine.analysis.get_model_complexity_info(model, input_shape=(3, 224, 224)), table and arch
  fvcore     FlopCountAnalysis(model, x).total() and flop_count_table
  flopscope  flopscope::analyze of the traced TorchScript model (build/bench-models), table and arch, in a C++
             process (build/bench/flopscope_peak_memory ... analysis RUNS+1); its bare forward the same way
Whole process (median of --runs, each a fresh process, imports and model construction included):
  flopscope  `flopscope analyze MODEL.pt -i 3,224,224`
  mmengine / fvcore   `python -c` scripts that build the torchvision model and analyse it
Ratios are printed against flopscope's time and against the bare forward.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

PEER_SCRIPTS = {
    "mmengine": """
import torch, torchvision
from mmengine.analysis import get_model_complexity_info
model = torchvision.models.{model}().eval()
r = get_model_complexity_info(model, input_shape=(3, 224, 224))
print(r["out_table"]); print(r["out_arch"]); print(r["flops_str"])
""",
    "fvcore": """
import torch, torchvision
from fvcore.nn import FlopCountAnalysis, flop_count_table
model = torchvision.models.{model}().eval()
a = FlopCountAnalysis(model, torch.randn(1, 3, 224, 224))
print(flop_count_table(a)); print(a.total())
""",
}


def median_time(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def whole_process(cmd, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def flopscope_in_process(tool, model_file, mode, runs):
    out = subprocess.run([tool, model_file, "1,3,224,224", mode, str(runs + 1)], check=True, capture_output=True,
                         text=True).stdout
    return statistics.median(json.loads(out)["seconds"][1:])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="resnet50", choices=["resnet50", "vit_b_16"])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--skip", nargs="*", default=[], help="leave out: forward mmengine fvcore flopscope process")
    args = p.parse_args()
    import torchvision
    from fvcore.nn import FlopCountAnalysis, flop_count_table
    from mmengine.analysis import get_model_complexity_info

    model_file = os.path.join(args.build, "bench-models", args.model + ".pt")
    cli = os.path.join(args.build, "flopscope")
    tool = os.path.join(args.build, "bench", "flopscope_peak_memory")
    for path in (model_file, cli, tool):
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: see bench/README.md")

    model = getattr(torchvision.models, args.model)().eval()
    x = torch.randn(1, 3, 224, 224)
    rows = {}

    def forward():
        with torch.no_grad():
            model(x)

    def mmengine():
        get_model_complexity_info(model, input_shape=(3, 224, 224))

    def fvcore():
        a = FlopCountAnalysis(model, x)
        a.total()
        flop_count_table(a)

    if "forward" not in args.skip:
        rows["python forward"] = median_time(forward, args.runs)
    if "mmengine" not in args.skip:
        rows["mmengine in process"] = median_time(mmengine, args.runs)
    if "fvcore" not in args.skip:
        rows["fvcore in process"] = median_time(fvcore, args.runs)
    if "flopscope" not in args.skip:
        rows["flopscope forward (C++)"] = flopscope_in_process(tool, model_file, "forward", args.runs)
        rows["flopscope in process"] = flopscope_in_process(tool, model_file, "analysis", args.runs)
    if "process" not in args.skip:
        rows["flopscope process"] = whole_process([cli, "analyze", model_file, "-i", "3,224,224", "-q"], args.runs)
        for peer, script in PEER_SCRIPTS.items():
            rows[f"{peer} process"] = whole_process([sys.executable, "-c", script.format(model=args.model)], args.runs)

    print(f"{args.model}, 1x3x224x224, median of {args.runs} runs, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    forward_s = rows.get("python forward")
    for name, seconds in rows.items():
        line = f"  {name:<26} {seconds:8.3f} s"
        if forward_s and (not name.endswith(" process") or name.endswith("in process")):
            line += f"   {seconds / forward_s:5.2f} x python forward"
        print(line)
    for kind in ("in process", "process"):
        base = rows.get(f"flopscope {kind}")
        if base:
            for peer in ("mmengine", "fvcore"):
                if f"{peer} {kind}" in rows:
                    print(f"  {peer} {kind} / flopscope {kind}: {rows[f'{peer} {kind}'] / base:.2f}")
    if "flopscope in process" in rows and "flopscope forward (C++)" in rows:
        print(f"  flopscope analysis / its forward: {rows['flopscope in process'] / rows['flopscope forward (C++)']:.2f}")


if __name__ == "__main__":
    main()
