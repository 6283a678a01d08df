"""A model compiled with torch.compile is analysed as the eager module it wraps, with compilation off: nothing is
compiled, each module gets its own ops, and the result says so. The compiler here is a backend that records its
calls and runs the graph eagerly (no C++ compiler needed); expected values are the layers' sizes written out."""
import os
import subprocess
import sys

import pytest
import torch
from torch import nn

import flopscope

pytest.importorskip("torch._dynamo")


class Backend:
    """A torch.compile backend that counts the graphs it is given and runs them as they are."""

    def __init__(self):
        self.graphs = 0

    def __call__(self, graph_module, example_inputs):
        self.graphs += 1
        return graph_module.forward


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8)).eval()


X = torch.randn(4, 16)
# Per module: 4 rows through 16x32 and 32x8.
EXPECTED = {"": 4 * (16 * 32 + 32 * 8), "0": 4 * 16 * 32, "1": 0, "2": 4 * 32 * 8}


def by_path(result):
    return {m["path"]: m["macs"] for m in result.modules}


def compiled_warning(result):
    return [w for w in result.warnings if "torch.compile" in w]


def test_a_compiled_model_counts_as_its_eager_module():
    backend = Backend()
    model = torch.compile(mlp(), backend=backend)
    result = flopscope.analyze(model, X)
    assert by_path(result) == EXPECTED  # paths of the eager model: no "_orig_mod." in front
    assert backend.graphs == 0  # nothing compiled
    assert len(compiled_warning(result)) == 1
    assert not result.to_dict()["unsupported"]["macs"]
    assert torch._dynamo.config.disable is False  # compilation is on again
    model(X)
    assert backend.graphs == 1  # and the model still compiles when the user calls it


def test_compiled_parts_and_modules_compiled_in_place():
    backend = Backend()
    model = mlp()
    model[2] = torch.compile(model[2], backend=backend)  # a compiled submodule: its path keeps _orig_mod
    result = flopscope.analyze(model, X)
    assert by_path(result) == {**EXPECTED, "2._orig_mod": 4 * 32 * 8}
    assert not result.to_dict()["unsupported"]["macs"]  # no "TorchDynamo Cache Lookup" counted as an op
    assert len(compiled_warning(result)) == 1
    in_place = mlp()
    in_place.compile(backend=backend)
    assert by_path(flopscope.analyze(in_place, X)) == EXPECTED
    assert backend.graphs == 0


def test_profile_and_get_model_complexity_info():
    backend = Backend()
    model = torch.compile(mlp(), backend=backend)
    with flopscope.profile(model) as p:
        model(X)
        model(X)
    assert by_path(p.result) == {k: 2 * v for k, v in EXPECTED.items()}
    assert len(compiled_warning(p.result)) == 1
    info = flopscope.get_model_complexity_info(model, inputs=(X,), show_table=False, show_arch=False)
    assert info["flops"] == EXPECTED[""]
    assert backend.graphs == 0


def test_an_uncompiled_model_has_no_such_warning():
    assert not compiled_warning(flopscope.analyze(mlp(), X))


# A forward that compiles for the first time in the process: torch.cond imports torch._dynamo and compiles its
# branches, tracing them on fake tensors, inside the analysis. Run in a process of its own, where nothing has
# imported the compiler yet.
FIRST_COMPILE = """
import sys, torch, flopscope
from torch import nn

class Branches(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(16, 16), nn.Linear(16, 16)

    def forward(self, x):
        return torch.cond(x.sum() > 0, lambda x: self.a(x), lambda x: self.b(self.b(x)), (x,))

assert "torch._dynamo" not in sys.modules
model, x = Branches().eval(), torch.ones(2, 16)
if sys.argv[1] == "analyze":
    result = flopscope.analyze(model, x, ops="default")
else:
    with flopscope.profile(model, ops="default") as p:
        model(x)
    result = p.result
print(result.macs)
print(sorted(u["op"] for u in result.to_dict()["unsupported"]["macs"]))
print([w for w in result.warnings if "torch.compile" in w])
"""


def first_compile(how):
    package = os.path.dirname(os.path.dirname(flopscope.__file__))
    run = subprocess.run([sys.executable, "-c", FIRST_COMPILE, how], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": package})
    assert run.returncode == 0, run.stderr
    macs, unsupported, warnings = run.stdout.strip().splitlines()[-3:]
    return int(macs), unsupported, warnings


def test_a_forward_that_first_compiles_counts_what_it_runs():
    # x is all ones: the sum is positive, branch a runs: 2 rows through 16 x 16. The compiler's tracing of both
    # branches (on fake tensors: empty_strided, linear...) is not counted: the analysis runs again once it can
    # switch the compiler off.
    macs, unsupported, warnings = first_compile("analyze")
    assert macs == 2 * 16 * 16
    assert "empty_strided" not in unsupported
    assert warnings == "[]"


def test_a_profile_block_that_first_compiles_says_so():
    macs, unsupported, warnings = first_compile("profile")  # the block ran once: what it captured stays
    assert "import torch._dynamo before the block" in warnings


class TrainableBranches(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Linear(8, 8)

    def forward(self, x):
        return torch.cond(x.sum() > 0, lambda t: self.w(t), lambda t: self.w(t) * 2, (x,))


def test_torch_cond_with_autograd_counts_the_branch_it_runs_once():
    # With grad on and a weight that requires grad, eager torch.cond first traces both branches on fake tensors
    # (make_fx: what its autograd function runs) and checks their outputs: no work of the model, not counted.
    # x is all ones, the true branch runs: 3 rows through 8 x 8, once (three times, before).
    model, x = TrainableBranches(), torch.ones(3, 8)
    assert flopscope.analyze(model, x, ops="default").macs == 3 * 8 * 8
    with torch.no_grad():
        assert flopscope.analyze(model, x, ops="default").macs == 3 * 8 * 8
    # A training step: torch's cond backward is a joint function of the branch, which runs the branch's forward
    # again and then the weight gradient (the input needs none): 2 x 3 x 8 x 8. The traced graph runs, not the
    # module, so the work lands on the module that called torch.cond.
    step = flopscope.analyze(model, x, ops="default", train_step=True)
    assert (step.macs, step.modules[0]["backward_macs"]) == (3 * 8 * 8, 2 * 3 * 8 * 8)


class MappedLinear(nn.Module):
    def __init__(self, reads_values=False):
        super().__init__()
        self.w, self.reads_values = nn.Linear(8, 8), reads_values

    def forward(self, x):
        from torch._higher_order_ops.map import map as torch_map
        from torch._subclasses.fake_tensor import FakeTensor

        # A check on values that a traced forward skips (as transformers' mask checks do): meta tensors fail it.
        if self.reads_values and not isinstance(x, FakeTensor) and x.sum().item() < 0:
            x = -x
        return torch_map(lambda row: self.w(row), x)


class ScannedLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Linear(8, 8)

    def forward(self, x):
        from torch._higher_order_ops.scan import scan

        def step(carry, row):
            y = self.w(row) + carry
            return y, y.clone()

        return scan(step, torch.zeros(8, device=x.device), x)[1]


def test_torch_map_and_scan_shape_only_count_what_a_real_forward_counts():
    # map: 3 rows through 8 x 8, 3 x 8 x 8. torch compiles the body and traces it on fake tensors (and again with
    # make_fx for its autograd function); on meta tensors those ops looked like the model's: 5 x 8 x 8, before.
    # The body runs as the graph torch traced, calling no module: its linear goes to the module whose weight it takes
    # (the root, before), in both modes (shape-only through the meta twins of the weights).
    x = torch.ones(3, 8)
    for shape_only in (False, True):
        assert by_path(flopscope.analyze(MappedLinear(), x, ops="default", shape_only=shape_only)) == {
            "": 3 * 8 * 8, "w": 3 * 8 * 8}
    # scan: torch calls the body once more, on the first row, for its outputs' shapes (generic_scan), and computes
    # it: 4 calls in a real forward, and the same shape-only (6, before).
    for shape_only in (False, True):
        assert by_path(flopscope.analyze(ScannedLinear(), x, ops="default", shape_only=shape_only)) == {
            "": 4 * 8 * 8, "w": 4 * 8 * 8}


class NestedBranches(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner, self.head = TrainableBranchesOfTwo(), nn.Linear(8, 8)

    def forward(self, x):
        return self.head(self.inner(x))


class TrainableBranchesOfTwo(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(8, 8), nn.Linear(8, 8)

    def forward(self, x):
        return torch.cond(x.sum() > 0, lambda t: self.a(t).relu(), lambda t: self.b(self.b(t)), (x,))


def test_torch_cond_places_the_branchs_ops_on_the_modules_whose_weights_they_take():
    # x is all ones, branch a runs: 3 x 8 x 8 on inner.a, none on inner.b (its module is never called: the branch
    # runs as a traced graph); the relu stays on inner, which called torch.cond. All went to inner, before.
    model, x = NestedBranches(), torch.ones(3, 8)
    assert by_path(flopscope.analyze(model, x, ops="default")) == {
        "": 2 * 3 * 8 * 8, "inner": 3 * 8 * 8, "inner.a": 3 * 8 * 8, "inner.b": 0, "head": 3 * 8 * 8}
    # The step: cond's backward (its node made by an autograd function, no ATen op) reruns the branch and takes its
    # weight's gradient, 2 x 3 x 8 x 8, on inner.a (on the root, before); the head's input and weight gradients.
    step = flopscope.analyze(model, x, ops="default", train_step=True)
    backward = {m["path"]: m["backward_macs"] for m in step.modules}
    assert backward == {"": 4 * 3 * 8 * 8, "inner": 2 * 3 * 8 * 8, "inner.a": 2 * 3 * 8 * 8, "inner.b": 0,
                        "head": 2 * 3 * 8 * 8}


def test_torch_control_flow_on_fake_tensors_is_refused_with_its_reason():
    # A forward that reads values runs again on fake tensors; there torch's rule for map runs the body once, for
    # its shapes. The meta failure is the answer, and the note says why fake tensors could not stand in.
    with pytest.raises(RuntimeError) as e:
        flopscope.analyze(MappedLinear(reads_values=True), torch.ones(3, 8), ops="default", shape_only=True)
    notes = "\n".join(getattr(e.value, "__notes__", []))
    assert "aten::item needs tensor values" in notes
    assert "map_impl cannot be counted on fake tensors" in notes
