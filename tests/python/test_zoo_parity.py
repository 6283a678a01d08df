"""Per module, flopscope's Python package on the live (eager) zoo models equals mmengine's FlopAnalyzer,
ActivationAnalyzer and parameter_count on the same models, and its architecture text equals mmengine's
complexity_stats_str. The expected values are mmengine's, recorded by make_reference.py from the same factories
(seed 0, eval mode) and inputs. The Hugging Face models are called the way their users call them: keyword
arguments (mmengine's tracer can take positional tensors only, so its reference went through hf_zoo.bind)."""
import json
import os

import pytest
import torch

import flopscope
from zoo import MODELS, make_inputs


def reference(zoo_dir, name):
    with open(os.path.join(zoo_dir, name + ".json")) as f:
        return json.load(f)["mmengine"]


def build(name):
    torch.manual_seed(0)
    factory, described = MODELS[name]
    model = factory().eval()
    tensors = make_inputs(name)
    if "forward" in vars(model):  # hf_zoo.bind's positional forward: call the model as its users do
        del model.forward
        return model, dict(zip([arg for arg, _, _ in described], tensors), return_dict=False)
    return model, tensors


def by_path(result, field):
    return {m["path"]: m[field] for m in result.modules}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_per_module_equals_mmengine(zoo_dir, name):
    ref = reference(zoo_dir, name)
    model, inputs = build(name)
    result = flopscope.analyze(model, inputs)
    flops, acts, params = by_path(result, "macs"), by_path(result, "activations"), by_path(result, "parameters")
    assert {k: flops.get(k) for k in ref["flops"]} == ref["flops"]
    assert {k: acts.get(k) for k in ref["activations"]} == ref["activations"]
    module_params = {k: v for k, v in ref["parameters"].items() if k in params}
    assert {k: params[k] for k in module_params} == module_params
    assert result.flops == ref["total_flops"]
    uncalled = sorted(m["path"] for m in result.modules if not m["called"])
    assert uncalled == ref["uncalled"]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_arch_equals_mmengine(zoo_dir, name):
    ref = reference(zoo_dir, name)
    model, inputs = build(name)
    info = flopscope.get_model_complexity_info(model, inputs=inputs, show_table=False)
    assert info["out_arch"] == "\n" + ref["arch"]
