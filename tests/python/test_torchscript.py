"""TorchScript modules held in Python (torch.jit.script, torch.jit.trace, torch.jit.load) are analysed by the
library's TorchScript source, the one the command line runs on a .pt file: Python's hooks cannot see inside one.
mmengine cannot analyse them at all (its hooks are refused), so the expected values are mmengine's on the eager
model they were made from, the zoo's references, or arithmetic written out here."""
import os
from typing import Optional

import pytest
import torch
import torchvision
from torch import nn

import flopscope
from test_zoo_parity import assert_per_module_equal, by_path, reference
from zoo import make_inputs

mmengine_analysis = pytest.importorskip("mmengine.analysis")


# The zoo's TorchScript files, loaded in Python and run a few times first, as a user's model would have been: a
# method keeps the plan its first calls built (with optimisation on, submodule calls inlined), which put ops on the
# wrong modules until the analysis ran methods of its own.
@pytest.mark.parametrize("name", ["einsum_mixer", "hf_bert", "hf_gpt2"])
def test_loaded_file_run_before_equals_mmengine_per_module(zoo_dir, name):
    model = torch.jit.load(os.path.join(zoo_dir, name + ".pt"))
    inputs = make_inputs(name)
    with torch.no_grad():
        for _ in range(3):
            model(*inputs)
    assert_per_module_equal(flopscope.analyze(model, inputs), reference(zoo_dir, name))


@pytest.mark.parametrize("how", ["script", "trace"])
def test_scripted_and_traced_resnet_equal_mmengine_on_the_eager_model(how):
    torch.manual_seed(0)
    eager = torchvision.models.resnet18().eval()
    model = torch.jit.script(eager) if how == "script" else torch.jit.trace(eager, torch.randn(1, 3, 64, 64))
    theirs = mmengine_analysis.get_model_complexity_info(eager, input_shape=(3, 64, 64), show_arch=False)
    ours = flopscope.get_model_complexity_info(model, input_shape=(3, 64, 64), show_arch=False)
    for key in ("flops", "flops_str", "params", "params_str", "activations", "activations_str", "out_table"):
        assert ours[key] == theirs[key], key
    # Shape-only and the default op set take the same path.
    assert flopscope.analyze(model, torch.randn(1, 3, 64, 64), shape_only=True).flops == theirs["flops"]


class Keywords(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)

    def forward(self, x, y: Optional[torch.Tensor] = None, scale: float = 1.0):
        out = self.proj(x) * scale
        if y is not None:
            out = out + self.proj(y)
        return out


def test_keywords_and_defaults_are_bound_by_the_forwards_schema():
    model = torch.jit.script(Keywords())
    x = torch.randn(2, 8)
    one_call = 2 * 8 * 8  # Linear(8, 8) on 2 rows: 128 MACs
    assert flopscope.analyze(model, {"x": x}).flops == one_call
    assert flopscope.analyze(model, {"x": x, "y": x}).flops == 2 * one_call
    assert flopscope.analyze(model, (x, x, 2.0)).flops == 2 * one_call
    assert by_path(flopscope.analyze(model, (x, x)), "macs")["proj"] == 2 * one_call


@pytest.mark.parametrize("inputs, why", [((), "missing value for argument 'x'"),
                                         ((torch.randn(2, 8), "text"), "Optional[Tensor]")])
def test_inputs_the_forward_does_not_take_are_refused(inputs, why):
    with pytest.raises(flopscope.InvalidInput, match="do not fit the TorchScript module's forward") as e:
        flopscope.analyze(torch.jit.script(Keywords()), inputs)
    assert why in str(e.value)
    assert "forward(" in str(e.value)  # the declaration, to fix the call by


class Counting(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.calls = 0
        self.last = torch.zeros(1)

    def forward(self, x):
        self.calls += 1
        self.last = x
        return self.proj(x)


def test_the_modules_own_attributes_are_left_as_they_were():
    model = torch.jit.script(Counting())
    last = model.last
    flopscope.analyze(model, torch.randn(3, 4))
    flopscope.analyze(model, torch.randn(3, 4), shape_only=True)
    assert model.calls == 0
    assert model.last is last or torch.equal(model.last, last)
    model(torch.randn(3, 4))  # the model's own call still counts
    assert model.calls == 1


def test_training_step_of_a_scripted_module():
    torch.manual_seed(0)
    model = torch.jit.script(nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 4)))
    before = [p.detach().clone() for p in model.parameters()]
    result = flopscope.analyze(model, torch.randn(2, 8), ops="default", train_step=True)
    backward = by_path(result, "backward_macs")
    # The input needs no gradient: the first Linear has its weight gradient only (2 x 8 x 8); the second its input
    # gradient and its weight gradient (2 x 4 x 8 each).
    assert backward["0"] == 2 * 8 * 8
    assert backward["2"] == 2 * (2 * 4 * 8)
    assert all(torch.equal(p, b) and p.grad is None for p, b in zip(model.parameters(), before))


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(8, 8)
        self.b = torch.jit.script(nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 4)))

    def forward(self, x):
        return self.b(self.a(x))


def test_a_scripted_submodule_of_an_eager_model():
    # Its ops land on it; its own submodules run inside the interpreter, unseen, and the result says so.
    result = flopscope.analyze(Outer(), torch.randn(2, 8))
    macs = by_path(result, "macs")
    assert macs["a"] == 2 * 8 * 8
    assert macs["b"] == 2 * 8 * 4 + 2 * 4 * 4
    assert macs["b.0"] == 0
    assert any("TorchScript module(s) inside the model (b)" in w for w in result.warnings)


def test_profile_refuses_a_torchscript_module():
    with pytest.raises(flopscope.InvalidInput, match="use flopscope.analyze"):
        with flopscope.profile(torch.jit.script(Keywords())):
            pass


@pytest.mark.skipif(not torch.backends.mkldnn.is_available(), reason="optimize_for_inference rewrites to oneDNN")
def test_ops_outside_the_dispatcher_are_refused_not_silently_dropped():
    # torch.jit.optimize_for_inference turns each convolution into prim::mkldnn_convolution, which the interpreter
    # runs itself: no capture sees it, so ResNet-18 would read as its classifier alone (0.5 MMACs). ResNet-18 has 20
    # convolutions: the stem's, 2 in each of 8 basic blocks, and 3 downsampling ones. The eager model is dropped
    # right away, as in a one-liner: a forward under the capture then crashed inside torch.
    model = torch.jit.optimize_for_inference(torch.jit.script(torchvision.models.resnet18().eval()))
    with pytest.raises(flopscope.InvalidInput, match="outside PyTorch's dispatcher") as e:
        flopscope.analyze(model, torch.randn(1, 3, 64, 64))
    assert f"prim::mkldnn_convolution ({1 + 8 * 2 + 3} in the graph)" in str(e.value)
    assert "analyse the module as it was before" in str(e.value)
