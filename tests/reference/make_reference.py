"""Saves each zoo model as TorchScript and records what the reference tools say about it.

    python make_reference.py OUT_DIR [NAME ...]

For every model of zoo.py (in eval mode): OUT_DIR/NAME.pt, traced TorchScript of the model, and
OUT_DIR/NAME.json with the forward's inputs ("inputs": name, shape and dtype of each, in order; single-input
models also keep the older "input"), mmengine's per-module flops, activations and parameters (FlopAnalyzer,
ActivationAnalyzer, parameter_count), its unsupported ops and uncalled modules; fvcore's per-module flops and
activations; and torch's FlopCounterMode total and per-op counts (2 per MAC). Existing outputs are kept.

Every tool sees the same call, model(*inputs): mmengine and fvcore trace it with torch.jit._get_trace_graph,
which takes positional tensors only (see hf_zoo.py for the models whose forward needs keywords).
"""
import json
import logging
import os
import sys
import time
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoo import MODELS, make_inputs  # noqa: E402


def mmengine_reference(model, inputs):
    from mmengine.analysis import ActivationAnalyzer, FlopAnalyzer, parameter_count
    from mmengine.analysis.print_helper import complexity_stats_str

    flops = FlopAnalyzer(model, inputs).unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    acts = ActivationAnalyzer(model, inputs).unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return {
        "flops": dict(flops.by_module()),
        "activations": dict(acts.by_module()),
        "parameters": {k: v for k, v in parameter_count(model).items()},
        "unsupported_flops": dict(flops.unsupported_ops()),
        "unsupported_activations": dict(acts.unsupported_ops()),
        "uncalled": sorted(flops.uncalled_modules()),
        "total_flops": flops.total(),
        # the architecture tree get_model_complexity_info prints (show_arch), from the same two analyses
        "arch": complexity_stats_str(flops=flops, activations=acts),
    }


def fvcore_reference(model, inputs):
    from fvcore.nn import ActivationCountAnalysis, FlopCountAnalysis

    flops = FlopCountAnalysis(model, inputs).unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    acts = ActivationCountAnalysis(model, inputs).unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return {"flops": dict(flops.by_module()), "activations": dict(acts.by_module()), "total_flops": flops.total()}


def flop_counter_mode(model, inputs):
    from torch.utils.flop_counter import FlopCounterMode

    # With autograd on, as the tracers run: under no_grad, eval-mode attention takes PyTorch's fused fast path
    # (_native_multi_head_attention), which FlopCounterMode does not count.
    with FlopCounterMode(display=False) as counter:
        model(*inputs)
    by_op = counter.get_flop_counts().get("Global", {})
    return {"total_flops": counter.get_total_flops(),
            "by_op": {str(op): int(n) for op, n in sorted(by_op.items(), key=lambda kv: str(kv[0]))}}


def up_to_date(ref):
    """A reference written by this version of the script (older ones lack the arch tree)."""
    try:
        with open(ref) as f:
            return "arch" in json.load(f)["mmengine"]
    except (OSError, ValueError, KeyError):
        return False


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or list(MODELS)
    os.makedirs(out, exist_ok=True)
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    for name in names:
        pt, ref = os.path.join(out, name + ".pt"), os.path.join(out, name + ".json")
        if os.path.exists(pt) and up_to_date(ref):
            continue
        start = time.monotonic()
        factory, _ = MODELS[name]
        torch.manual_seed(0)
        model = factory().eval()
        inputs = make_inputs(name)
        # strict=False: a forward may return lists (transformers' tuples of hidden states).
        traced = torch.jit.trace(model, inputs, strict=False, check_trace=False)
        described = [{"name": arg, "shape": list(x.shape), "dtype": str(x.dtype).replace("torch.", "")}
                     for (arg, _, _), x in zip(MODELS[name][1], inputs)]
        reference = {
            "model": name,
            "inputs": described,
            "mmengine": mmengine_reference(model, inputs),
            "fvcore": fvcore_reference(model, inputs),
            "flop_counter_mode": flop_counter_mode(model, inputs),
        }
        if len(described) == 1:
            reference["input"] = {"shape": described[0]["shape"], "dtype": described[0]["dtype"]}
        torch.jit.save(traced, pt + ".tmp")
        os.replace(pt + ".tmp", pt)
        with open(ref + ".tmp", "w") as f:
            json.dump(reference, f, indent=1)
        os.replace(ref + ".tmp", ref)
        print(f"wrote {name} ({time.monotonic() - start:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
