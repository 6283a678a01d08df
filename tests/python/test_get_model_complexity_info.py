"""flopscope.get_model_complexity_info is mmengine's, drop-in: the same arguments, errors and returned dict (every
key, every character of the table and the architecture), checked against mmengine run in this process on the
same model and inputs, and against the seed's printed listing."""
import os
import sys

import pytest
import torch
import torchvision
from torch import nn

import flopscope

mmengine_analysis = pytest.importorskip("mmengine.analysis")
TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(TESTS, "golden")
sys.path.insert(0, os.path.join(TESTS, "fixtures"))
from make_fixtures import TestNet as SeedTestNet  # noqa: E402  (the seed's example, as the fixtures make it)



def both(model, **kw):
    ours = flopscope.get_model_complexity_info(model, **kw)
    theirs = mmengine_analysis.get_model_complexity_info(model, **kw)
    return ours, theirs


def test_seed_testnet_listing():
    info = flopscope.get_model_complexity_info(SeedTestNet(), input_shape=(10,))
    with open(os.path.join(GOLDEN, "seed_testnet_table.txt")) as f:
        assert info["out_table"] == "\n" + f.read()
    # The seed: 4 Linear(10, 10) layers on one row of 10: 4 x 10 x 10 MACs, 4 x (100 + 10) parameters.
    assert info["flops"] == 4 * 10 * 10
    assert info["params"] == 4 * (10 * 10 + 10)
    assert info["activations"] == 4 * 10
    assert (info["flops_str"], info["params_str"], info["activations_str"]) == ("0.4K", "0.44K", "40")


@pytest.mark.parametrize("training", [False, True], ids=["eval", "train"])
def test_resnet18_whole_dict(training):
    torch.manual_seed(0)
    model = torchvision.models.resnet18().train(training)
    x = torch.randn(1, 3, 224, 224)
    ours, theirs = both(model, inputs=(x,))
    assert list(ours) == list(theirs)
    assert ours == theirs


def test_input_shape_tuple_of_tuples():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(7, 5)
            self.b = nn.Linear(3, 5)

        def forward(self, x, y):
            return self.a(x) + self.b(y)

    ours, theirs = both(Two(), input_shape=((7,), (3,)))
    assert ours == theirs
    assert ours["flops"] == 7 * 5 + 3 * 5


def test_shared_and_tied_modules():
    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(50, 12)
            self.block = nn.Linear(12, 12)
            self.again = self.block             # one module under two names
            self.head = nn.Linear(12, 50, bias=False)
            self.head.weight = self.emb.weight  # a tied parameter

        def forward(self, ids):
            h = self.again(self.block(self.emb(ids)))
            return self.head(h)

    ids = torch.zeros(2, 9, dtype=torch.long)
    ours, theirs = both(Shared(), inputs=(ids,))
    assert ours == theirs
    # 2 x 9 tokens: two passes through the 12 x 12 layer and one 12 x 50 head; the tied weight counted once.
    assert ours["flops"] == 2 * 9 * (2 * 12 * 12 + 12 * 50)
    assert ours["params"] == 50 * 12 + 12 * 12 + 12


def test_users_hooks_keep_their_place():
    # The model's own hooks run where mmengine's tracer sees them: a pre-hook's op before the module's scope opens
    # (on the parent), a forward hook's op inside it; and they are still there, in order, afterwards.
    class Hooked(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(6, 6)
            self.out = nn.Linear(6, 2)

        def forward(self, x):
            return self.out(self.fc(x))

    model = Hooked()
    side = torch.randn(6, 6)
    model.fc.register_forward_pre_hook(lambda m, args: (args[0] @ side,))
    model.fc.register_forward_hook(lambda m, args, out: out @ side)
    before = [(list(m._forward_pre_hooks), list(m._forward_hooks), list(m._forward_hooks_always_called))
              for m in model.modules()]
    ours, theirs = both(model, inputs=(torch.randn(3, 6),))
    assert ours == theirs
    # 3 rows: the pre-hook's 6 x 6 matmul, fc, the forward hook's 6 x 6 matmul, then out (6 x 2).
    assert ours["flops"] == 3 * (6 * 6 + 6 * 6 + 6 * 6 + 6 * 2)
    after = [(list(m._forward_pre_hooks), list(m._forward_hooks), list(m._forward_hooks_always_called))
             for m in model.modules()]
    assert after == before


def test_forward_called_directly_is_the_parents():
    # A parent that calls a child's forward() directly, not through __call__: mmengine's tracer opens no scope for
    # the child, so its ops are the parent's; the same call through __call__ is the child's.
    class Direct(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(4, 4)
            self.b = nn.Linear(4, 4)

        def forward(self, x):
            return self.b(self.a.forward(x))

    ours, theirs = both(Direct(), inputs=(torch.randn(2, 4),))
    assert ours == theirs
    assert ours["flops"] == 2 * (4 * 4 + 4 * 4)
    # a is never called as a module: N/A, as mmengine prints it; b has its 2 x 4 x 4.
    assert "(a): Linear(\n    in_features=4, out_features=4, bias=True\n    #params: 20, #flops: N/A" in ours["out_arch"]
    assert "#params: 20, #flops: 32, #acts: 8" in ours["out_arch"]


def test_compiled_submodule_is_scoped_and_kept():
    # A submodule whose call is already replaced (module.compile() sets _compiled_call_impl): its call still runs,
    # its ops are still its own, and the replacement is the same object afterwards.
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    calls = []

    def replaced(*args, **kwargs):
        calls.append(1)
        return model[0]._call_impl(*args, **kwargs)

    model[0]._compiled_call_impl = replaced
    ours, theirs = both(model, inputs=(torch.randn(4, 3),))
    assert calls  # both analyses ran it
    assert model[0]._compiled_call_impl is replaced
    assert ours == theirs
    assert ours["flops"] == 4 * (3 * 5 + 5 * 2)


def test_module_that_renames_its_parameters():
    # A wrapper whose named_parameters() differs from a walk of _parameters: the description asks the methods,
    # as mmengine does.
    class Prefixed(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(5, 3)

        def forward(self, x):
            return self.fc(x)

        def named_parameters(self, *args, **kwargs):
            for name, p in super().named_parameters(*args, **kwargs):
                yield "wrapped." + name, p

    ours, theirs = both(Prefixed(), inputs=(torch.randn(2, 5),))
    assert ours == theirs
    assert ours["params"] == 5 * 3 + 3


def test_tiny_gpt_sdpa():
    from zoo import TinyGpt
    torch.manual_seed(0)
    ours, theirs = both(TinyGpt().eval(), inputs=(torch.randint(0, 1000, (2, 64)),))
    assert ours == theirs


@pytest.mark.parametrize("grad", [True, False], ids=["grad", "no_grad"])
def test_transformer_encoder_takes_mmengine_s_path(grad):
    # Without grad in eval, nn.TransformerEncoderLayer runs one fused op unless hooks are attached to it, and
    # mmengine's tracer attaches them: the layer takes its composite path, its MultiheadAttention the fused one
    # (_native_multi_head_attention, unsupported: self_attn counts 0). flopscope must take the same paths.
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(64, 4, 128, batch_first=True)
    model = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False).eval()
    with torch.set_grad_enabled(grad):
        ours, theirs = both(model, inputs=(torch.randn(2, 10, 64),))
    assert ours == theirs


def test_errors_are_mmengines():
    model = SeedTestNet()
    with pytest.raises(ValueError, match='One of "input_shape" and "inputs" should be set.'):
        flopscope.get_model_complexity_info(model)
    with pytest.raises(ValueError, match='"input_shape" and "inputs" cannot be both set.'):
        flopscope.get_model_complexity_info(model, input_shape=(10,), inputs=torch.randn(1, 10))
    with pytest.raises(ValueError, match="tuple of int"):
        flopscope.get_model_complexity_info(model, input_shape=[10])
    with pytest.raises(flopscope.InvalidInput, match="no parameters"):
        flopscope.get_model_complexity_info(nn.ReLU(), input_shape=(10,))



def test_inputs_made_from_input_shape_are_the_librarys():
    # The library makes them, as for the command line: before, the package drew them with torch.randn itself, which
    # moved the caller's random stream (an analysis leaves it where it was), and a negative or huge dimension was
    # torch's RuntimeError from deep in the allocator.
    model = SeedTestNet()
    torch.manual_seed(3)
    expected = torch.rand(4)
    torch.manual_seed(3)
    info = flopscope.get_model_complexity_info(model, input_shape=(10,), show_table=False, show_arch=False)
    assert torch.equal(torch.rand(4), expected)
    assert info == flopscope.get_model_complexity_info(model, inputs=torch.randn(1, 10), show_table=False,
                                                       show_arch=False)
    with pytest.raises(flopscope.InvalidInput, match="negative dimension"):
        flopscope.get_model_complexity_info(model, input_shape=(-10,))
    with pytest.raises(flopscope.InvalidInput, match="the inputs need 4096.0 GiB"):  # 2**40 float32 values
        flopscope.get_model_complexity_info(model, input_shape=(2**30, 2**10))
    with pytest.raises(flopscope.InvalidInput, match="beyond a 64-bit integer"):
        flopscope.get_model_complexity_info(model, input_shape=(2**64,))

def test_keyword_inputs_equal_positional():
    torch.manual_seed(0)
    model = SeedTestNet()
    x = torch.randn(3, 10)
    assert flopscope.get_model_complexity_info(model, inputs={"x": x}) == \
        flopscope.get_model_complexity_info(model, inputs=(x,))


class LongNames(nn.Module):
    """A table wider than 80 columns: long dotted names four levels down (a transformer layer's in_proj_weight)."""

    def __init__(self):
        super().__init__()
        self.prompt_projection = nn.Linear(8, 16)
        self.transformer_encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, batch_first=True), 2)

    def forward(self, x):
        return self.transformer_encoder(self.prompt_projection(x))


@pytest.mark.parametrize("columns", ["80", "57", "33", "200"])
def test_table_narrowed_to_the_console_as_mmengine_s(monkeypatch, columns):
    # mmengine's table is drawn by a rich Console(), which narrows a wider table to the console's width ($COLUMNS,
    # else the terminal's, else 80): out_table must be what mmengine prints in the same place.
    monkeypatch.setenv("COLUMNS", columns)
    ours, theirs = both(LongNames().eval(), inputs=(torch.randn(2, 5, 8),), show_arch=False)
    assert ours["out_table"] == theirs["out_table"]
    widest = max(len(line) for line in ours["out_table"].splitlines())
    assert widest == (95 if columns == "200" else int(columns))  # 95: as wide as the cells


CONSOLES = ({}, {"COLUMNS": "91"}, {"COLUMNS": "91", "LINES": "20"}, {"COLUMNS": "0"},
            {"TERM": "dumb", "FORCE_COLOR": "1", "COLUMNS": "91"}, {"TTY_COMPATIBLE": "1", "TERM": "unknown"},
            {"FORCE_COLOR": "1", "TERM": "xterm-256color"}, {"FORCE_COLOR": "", "COLUMNS": "60"},
            {"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, {"FORCE_COLOR": "1", "NO_COLOR": "1"})


def console_env(mp, case):
    for name in ("COLUMNS", "LINES", "TERM", "FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "COLORTERM"):
        mp.delenv(name, raising=False)
    for name, value in case.items():
        mp.setenv(name, value)


@pytest.mark.parametrize("case", CONSOLES, ids=str)
def test_console_follows_rich(case):
    from rich.console import Console  # mmengine's dependency: the rules' reference
    from flopscope._console import console_width, styled
    with pytest.MonkeyPatch.context() as mp:
        console_env(mp, case)
        assert console_width() == Console().width
        assert styled() == (Console().color_system is not None)


@pytest.mark.parametrize("case", [CONSOLES[6], CONSOLES[7], CONSOLES[9]], ids=str)
def test_table_as_mmengine_prints_it_in_a_terminal(case):
    # In a terminal rich renders styles: mmengine's header row comes in bold codes, narrowed or not.
    with pytest.MonkeyPatch.context() as mp:
        console_env(mp, case)
        ours, theirs = both(LongNames().eval(), inputs=(torch.randn(2, 5, 8),), show_arch=False)
    assert ours["out_table"] == theirs["out_table"]
    assert ("\x1b[1m" in ours["out_table"]) == (case.get("FORCE_COLOR") == "1")


def test_console_width_in_a_notebook(monkeypatch):
    import builtins

    from rich.console import Console
    from flopscope._console import console_width, styled

    class ZMQInteractiveShell:  # what a Jupyter kernel's get_ipython() returns
        pass

    monkeypatch.setattr(builtins, "get_ipython", ZMQInteractiveShell, raising=False)
    assert console_width() == Console().width == 115
    monkeypatch.setenv("JUPYTER_COLUMNS", "140")
    assert console_width() == Console().width == 140
    assert styled() and Console().color_system is not None  # a notebook renders styles
