"""The model is left exactly as it was, and nothing of the analysis stays behind: state, training flags, hooks,
module scopes, on every exit (a forward that raises included); two analyses of one model at once are refused,
analyses of different models on two threads both come out right."""
import threading

import pytest
import torch
from torch import nn

import flopscope
from flopscope import _core


class Writes(nn.Module):
    """A forward that changes everything it can: batch-norm statistics (training mode), a parameter in place,
    a buffer in place, and the training flags."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.bn = nn.BatchNorm1d(4)
        self.register_buffer("calls", torch.zeros(()))

    def forward(self, x):
        with torch.no_grad():
            self.fc.weight.add_(1.0)
            self.calls += 1
        self.eval()
        self.bn.train()
        return self.bn(self.fc(x))


def snapshot(model):
    return {k: v.clone() for k, v in model.state_dict().items()}, [m.training for m in model.modules()]


def no_hooks(model):
    return all(not m._forward_hooks and not m._forward_pre_hooks and not m._forward_hooks_always_called
               and m._compiled_call_impl is None for m in model.modules())


def test_state_flags_and_hooks_restored():
    torch.manual_seed(0)
    model = Writes().train()
    state, flags = snapshot(model)
    flopscope.get_model_complexity_info(model, inputs=torch.randn(3, 4))
    flopscope.analyze(model, torch.randn(3, 4), ops="all")
    after, after_flags = snapshot(model)
    assert after_flags == flags
    for k in state:
        assert torch.equal(after[k], state[k]), k
    assert no_hooks(model)
    assert _core.scope_depth() == 0


class Boom(Exception):
    pass


class Fails(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
        self.bn = nn.BatchNorm1d(4)

    def forward(self, x):
        self.bn(x)  # training mode: running statistics written before the failure
        self.inner(x)
        raise Boom("from the model")


def test_forward_exception_reaches_the_caller_as_itself():
    model = Fails().train()
    state, flags = snapshot(model)
    with pytest.raises(Boom, match="from the model") as raised:
        flopscope.analyze(model, torch.randn(3, 4))
    notes = getattr(raised.value, "__notes__", [])
    # The model's own code raised once its last op (inner's ReLU) had returned: "after" it, not "in" it.
    assert "flopscope: the model's forward failed after aten::relu (module 'inner.1'): Boom: from the model" in notes
    after, after_flags = snapshot(model)
    for k in state:
        assert torch.equal(after[k], state[k]), k
    assert after_flags == flags
    assert no_hooks(model)
    assert _core.scope_depth() == 0


class RaisesWithALeadingNewline(nn.Linear):
    def forward(self, x):
        super().forward(x)
        raise ImportError("\nThis model requires a library that is not installed.\nInstall it with pip.")


def test_a_message_that_starts_with_a_newline_is_summed_up_by_its_first_words():
    # transformers' missing-library errors start with a newline: the note gave their first line, an empty one.
    with pytest.raises(ImportError) as raised:
        flopscope.analyze(RaisesWithALeadingNewline(3, 3), torch.randn(1, 3))
    assert raised.value.__notes__ == ["flopscope: the model's forward failed after aten::linear (root module): "
                                      "ImportError: This model requires a library that is not installed."]


def test_library_errors_are_typed():
    with pytest.raises(flopscope.InvalidInput, match="unknown op set|op set"):
        flopscope.analyze(nn.Linear(3, 3), torch.randn(1, 3), ops="nonsense")
    with pytest.raises(flopscope.InvalidInput, match="not .*str|torch.nn.Module"):
        flopscope.analyze("not a model", torch.randn(1, 3))
    # A shape error inside LibTorch is the RuntimeError torch raises without flopscope, with the op and module noted.
    with pytest.raises(RuntimeError, match="cannot be multiplied") as raised:
        flopscope.analyze(nn.Linear(3, 3), torch.randn(1, 5))
    assert "failed in aten::linear (root module)" in raised.value.__notes__[0]
    model = nn.Linear(3, 3)
    assert no_hooks(model)


class Unscopable(nn.Linear):
    """A module whose call cannot even be looked up: installing the scopes fails half way through the model."""

    @property
    def _call_impl(self):
        raise Boom("no call")


def test_scopes_installed_before_a_failure_are_taken_out():
    model = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), Unscopable(3, 3), nn.Linear(3, 3))
    with pytest.raises(Boom, match="no call"):
        flopscope.get_model_complexity_info(model, inputs=torch.randn(1, 3))
    assert no_hooks(model)  # the Sequential, the first Linear and the ReLU had theirs before the failure
    assert _core.scope_depth() == 0


class Reenters(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        flopscope.analyze(self, x)  # a second analysis of the model being analysed
        return self.fc(x)


def test_second_analysis_of_one_model_is_refused():
    model = Reenters()
    with pytest.raises(flopscope.InvalidInput, match="already being analysed"):
        flopscope.analyze(model, torch.randn(2, 3))
    assert no_hooks(model)
    flopscope.analyze(nn.Linear(3, 3), torch.randn(2, 3))  # nothing left locked


def test_two_threads_two_models():
    # Two models of different sizes analysed at once, each many times: each result is its own model's.
    sizes = {"a": (16, 32), "b": (24, 8)}
    models = {k: nn.Sequential(nn.Linear(i, o), nn.ReLU(), nn.Linear(o, i)) for k, (i, o) in sizes.items()}
    results, errors = {}, []

    def work(key):
        try:
            i, o = sizes[key]
            results[key] = [flopscope.analyze(models[key], torch.randn(5, i)).flops for _ in range(20)]
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in sizes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for key, (i, o) in sizes.items():
        assert results[key] == [5 * (i * o + o * i)] * 20


def a_hook_of_the_users(module, args, output):
    return None


def test_copies_of_hooked_modules_made_during_the_analysis_work_and_shed_the_hooks():
    """An EMA or SWA model deep-copied inside a profile block, a model saved whole inside it: the copy of a module
    that carries the package's scope hooks (one with hooks of its own, a TransformerEncoderLayer) used to fail,
    the hooks' object being neither copyable nor picklable. A copy's hooks open no scope (its ops count where it
    is called), and take themselves out at its first call, so that its forward runs as without them."""
    import copy
    import io

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 16), nn.TransformerEncoderLayer(16, 2, 32, batch_first=True)).eval()
    model[0].register_forward_hook(a_hook_of_the_users)  # the package hooks a module with hooks of its own too
    x = torch.randn(2, 5, 16)
    saved = io.BytesIO()
    with flopscope.profile(model) as p:  # grad on: the slow paths, which the plain analysis takes too
        model(x)
        ema = copy.deepcopy(model)
        ema(x)  # its ops count on the root, which called it
        kept = copy.deepcopy(model)  # never called inside the block
        torch.save(model, saved)
    single = flopscope.analyze(model, x).flops
    assert p.result.flops == 2 * single
    macs = {m["path"]: m["macs"] for m in p.result.modules}
    assert macs["0"] == 2 * 5 * 16 * 16  # the original's linear layer alone: the copy's is not in its row
    saved.seek(0)
    loaded = torch.load(saved, weights_only=False)
    for copied in (ema, kept, loaded):
        with torch.no_grad():
            assert torch.allclose(copied(x), model(x), atol=1e-6)
    for each in (model, ema, kept, loaded):
        assert list(each[0]._forward_hooks.values()) == [a_hook_of_the_users]  # the user's, copied as torch does
        each[0]._forward_hooks.clear()
        assert no_hooks(each)
    assert _core.scope_depth() == 0


class HooksItselfOnce(nn.Module):
    """transformers' output capture, in small: the first forward registers a hook that records a submodule's output
    and marks the model so as not to register it again; the forward returns what the hooks recorded."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        if not getattr(self, "hooks_installed", False):
            self.fc.register_forward_hook(lambda module, args, output: self.recorded.append(output))
            self.hooks_installed = True
        self.recorded = []
        self.fc(x)
        return torch.cat(self.recorded)


def test_hooks_the_forward_registers_are_taken_out_with_its_marks():
    # The mark put back without the hook would leave the next call to register a second one: twice the outputs.
    torch.manual_seed(0)
    model = HooksItselfOnce()
    x = torch.randn(3, 4)
    first = flopscope.analyze(model, x)
    assert no_hooks(model) and not hasattr(model, "hooks_installed")
    second = flopscope.analyze(model, x, train_step=True, ops="default")
    assert second.macs == first.macs == 3 * 4 * 4
    assert no_hooks(model)
    assert model(x).shape == (3, 4)  # one hook, registered by the model's own first call


class DropsTheUsersHook(nn.Module):
    def __init__(self, handle_holder):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.handle_holder = handle_holder

    def forward(self, x):
        self.handle_holder[0].remove()
        return self.fc(x)


def test_a_hook_the_forward_removes_is_put_back():
    holder = []
    model = DropsTheUsersHook(holder)
    holder.append(model.fc.register_forward_hook(a_hook_of_the_users))
    flopscope.analyze(model, torch.randn(3, 4))
    assert list(model.fc._forward_hooks.values()) == [a_hook_of_the_users]
