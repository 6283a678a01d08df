"""How the package reads a live module (_core.describe): the same modules, names, parameters and texts torch's own
walks give mmengine, on the module shapes that make walks differ (shared and tied members, None entries, empty
containers), and the rules for what mmengine has none for (an extra_repr that fails, a module inside itself)."""
import pytest
import torch
from torch import nn

import flopscope
from flopscope import _core

mmengine_analysis = pytest.importorskip("mmengine.analysis")


class Awkward(nn.Module):
    """Everything a one-walk reading must get right: a shared module under a second name, a tied weight, None
    parameters and buffers, empty containers and an Identity."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 8)
        self.blocks = nn.ModuleList([nn.Linear(8, 8, bias=False), nn.LayerNorm(8)])
        self.alias = self.blocks[0]
        self.empty = nn.ModuleDict()
        self.skip = nn.Identity()
        self.norm = nn.BatchNorm1d(8)
        self.head = nn.Linear(8, 20, bias=False)
        self.head.weight = self.embed.weight
        self.register_buffer("scale", torch.ones(8))
        self.register_buffer("none_buffer", None)

    def forward(self, ids):
        h = self.skip(self.blocks[1](self.alias(self.embed(ids)))) * self.scale
        return self.head(self.norm(h.transpose(1, 2)).transpose(1, 2))


def test_description_is_torchs_walks():
    model = Awkward().eval()
    model.register_module("missing", None)  # a None submodule: mmengine's arch text would fail on it
    d = _core.describe(model)
    named = list(model.named_modules())
    assert [m for m in d.modules] == [m for _, m in named]
    assert list(d.names) == [n for n, _ in named]


def test_awkward_model_equals_mmengine():
    torch.manual_seed(0)
    model = Awkward().eval()
    ids = torch.randint(0, 20, (2, 5))
    ours = flopscope.get_model_complexity_info(model, inputs=(ids,))
    theirs = mmengine_analysis.get_model_complexity_info(model, inputs=(ids,))
    assert ours == theirs
    # The tied embedding counted once: embedding 20 x 8, the 8 x 8 linear, layer norm and batch norm 2 x 8 each.
    assert ours["params"] == 20 * 8 + 8 * 8 + 2 * 8 + 2 * 8


class Leaf(nn.Module):
    def __init__(self, extra):
        super().__init__()
        self.extra = extra

    def extra_repr(self):
        return self.extra()

    def forward(self, x):
        return x * 2


class Holder(nn.Module):
    def __init__(self, extra):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.odd = Leaf(extra)

    def forward(self, x):
        return self.odd(self.fc(x))


def arch_line_of_odd(extra):
    info = flopscope.get_model_complexity_info(Holder(extra), inputs=torch.randn(1, 3))
    return next(line.strip() for line in info["out_arch"].splitlines() if line.strip().startswith("(odd)"))


def test_extra_repr_text_and_its_failures():
    # The multiplication is not counted, so odd's statistics are all zero and its line holds only its own text.
    assert arch_line_of_odd(lambda: "scale=2") == "(odd): Leaf(scale=2)"
    assert arch_line_of_odd(lambda: 42) == "(odd): Leaf(42)"  # not a string: printed as str() of it

    def fails():
        raise ValueError("a model's extra_repr that breaks")
    assert arch_line_of_odd(fails) == "(odd): Leaf()"  # prints nothing, and the analysis goes on


def test_extra_repr_interrupt_is_not_swallowed():
    def interrupted():
        raise KeyboardInterrupt
    model = Holder(interrupted)
    with pytest.raises(KeyboardInterrupt):
        flopscope.get_model_complexity_info(model, inputs=torch.randn(1, 3))
    assert all(m._compiled_call_impl is None for m in model.modules())


def test_module_inside_itself():
    class Loop(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 6)
            self.fc.back = self  # the child holds its parent: torch's named_modules(remove_duplicate=False) never ends

        def forward(self, x):
            return self.fc(x)

    model = Loop()
    d = _core.describe(model)
    assert list(d.names) == ["", "fc"]
    info = flopscope.get_model_complexity_info(model, inputs=torch.randn(2, 4))
    assert info["params"] == 4 * 6 + 6
    assert info["flops"] == 2 * 4 * 6


def test_odd_submodule_name():
    # A name that is not valid UTF-8 once encoded (a lone surrogate): read, and escaped in the texts, not an error.
    model = nn.Sequential()
    model.add_module("bad\udc80name", nn.Linear(2, 2))
    info = flopscope.get_model_complexity_info(model, inputs=torch.randn(1, 2))
    assert info["flops"] == 2 * 2
    assert "bad" in info["out_arch"] and "\udc80" not in info["out_arch"]


def test_extra_repr_only_asked_for_the_architecture():
    calls = []
    model = Holder(lambda: calls.append(1) or "scale=2")
    info = flopscope.get_model_complexity_info(model, inputs=torch.randn(1, 3), show_arch=False)
    assert calls == [] and info["out_arch"] == ""
    info = flopscope.get_model_complexity_info(model, inputs=torch.randn(1, 3))
    assert calls == [1] and "Leaf(scale=2)" in info["out_arch"]
