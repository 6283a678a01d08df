"""Saves each zoo model as TorchScript and records what the reference tools say about it.

    python make_reference.py OUT_DIR [NAME ...]

For every model of zoo.py (in eval mode): OUT_DIR/NAME.pt, traced TorchScript of the model, and
OUT_DIR/NAME.json with mmengine's per-module flops, activations and parameters (FlopAnalyzer,
ActivationAnalyzer, parameter_count), its unsupported ops and uncalled modules; fvcore's per-module flops and
activations; and torch's FlopCounterMode total (2 per MAC). Existing outputs are kept.
"""
import json
import logging
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoo import ZOO, make_input  # noqa: E402


def mmengine_reference(model, inputs):
    from mmengine.analysis import ActivationAnalyzer, FlopAnalyzer, parameter_count

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
    return {"total_flops": counter.get_total_flops()}


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or list(ZOO)
    os.makedirs(out, exist_ok=True)
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    for name in names:
        pt, ref = os.path.join(out, name + ".pt"), os.path.join(out, name + ".json")
        if os.path.exists(pt) and os.path.exists(ref):
            continue
        factory, shape = ZOO[name]
        torch.manual_seed(0)
        model = factory().eval()
        x = make_input(name, shape)
        inputs = (x,)
        traced = torch.jit.trace(model, inputs, check_trace=False)
        reference = {
            "model": name,
            "input": {"shape": shape, "dtype": str(x.dtype).replace("torch.", "")},
            "mmengine": mmengine_reference(model, inputs),
            "fvcore": fvcore_reference(model, inputs),
            "flop_counter_mode": flop_counter_mode(model, inputs),
        }
        torch.jit.save(traced, pt + ".tmp")
        os.replace(pt + ".tmp", pt)
        with open(ref + ".tmp", "w") as f:
            json.dump(reference, f, indent=1)
        os.replace(ref + ".tmp", ref)
        print("wrote", name, flush=True)


if __name__ == "__main__":
    main()
