"""An analysis never runs a backward, so the forward it captures of a model in eval mode builds no autograd graph
(saving its inputs for a backward is about a tenth of an eval-mode ResNet-50 forward on a CPU); grad mode still reads
as the caller set it, so the model takes the path it takes under mmengine's tracer. A forward that needs the graph
runs again with it; a model in training mode builds it from the start, as its own code may look at it.
Expected values are the layers' arithmetic: Linear(i, o) on a batch of b is b * i * o multiply-adds."""
from types import SimpleNamespace

import pytest
import torch
from torch import nn

import flopscope


# The spies below write into an object of their own (log): an analysis puts a module's own attributes back as they
# were (a list attribute emptied again), but does not copy the objects they hold.
class Sees(nn.Module):
    """Writes down what its forward sees of autograd."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 9)
        self.log = SimpleNamespace(seen=[])

    def forward(self, x):
        y = self.fc(x)
        self.log.seen.append((torch.is_grad_enabled(), y.requires_grad))
        return y


def test_grad_mode_is_the_callers_and_no_graph_is_built():
    model = Sees().eval()
    info = flopscope.get_model_complexity_info(model, inputs=torch.randn(3, 6))
    assert model.log.seen == [(True, False)]  # grad mode on, as mmengine traces; no graph; one forward
    assert info["flops"] == 3 * 6 * 9
    with torch.no_grad():
        flopscope.get_model_complexity_info(model, inputs=torch.randn(3, 6))
    assert model.log.seen[-1] == (False, False)
    # The thread builds graphs again afterwards.
    assert model.fc(torch.randn(3, 6)).requires_grad


def test_a_model_in_training_mode_builds_its_graph():
    model = Sees()
    model.fc.eval()  # one module in training mode is enough
    flopscope.get_model_complexity_info(model, inputs=torch.randn(3, 6))
    assert model.log.seen == [(True, True)]


class PromptTuned(nn.Module):
    """A trainable prompt projection before a frozen encoder layer (prompt tuning). Under grad mode the layer's input
    requires grad, so eval-mode TransformerEncoderLayer takes its slow path, the one mmengine's tracer records;
    without the graph nothing would require grad and it would take its fused fast path instead."""

    def __init__(self):
        super().__init__()
        self.prompt = nn.Linear(8, 16)
        self.encoder = nn.TransformerEncoderLayer(16, 2, 32, batch_first=True)
        self.encoder.requires_grad_(False)

    def forward(self, x):
        return self.encoder(self.prompt(x))


@pytest.mark.parametrize("frozen", ["partly", "wholly, input requires grad"])
def test_a_partly_frozen_model_gets_the_graph_it_can_tell_from_none(frozen):
    from mmengine.analysis import get_model_complexity_info as mmengine_gmci
    model = PromptTuned().eval()
    x = torch.randn(2, 5, 8)
    if frozen != "partly":
        model.requires_grad_(False)
        x.requires_grad_()
    ours = flopscope.get_model_complexity_info(model, inputs=(x,), show_table=False)
    theirs = mmengine_gmci(model, inputs=(x,), show_table=False)
    for key in ("flops", "activations", "out_arch"):  # the arch text: every module's figures
        assert ours[key] == theirs[key], key
    assert ours["flops"] > 2 * 5 * 8 * 16  # the encoder's linear layers are counted, not only the prompt's


def test_a_training_step_builds_its_graph():
    model = Sees()
    result = flopscope.analyze(model, torch.randn(3, 6), ops="default", train_step=True)
    assert model.log.seen == [(True, True)]
    root = next(m for m in result.modules if m["path"] == "")
    assert root["backward_macs"] == 3 * 6 * 9  # the weight's gradient; the input needs none


class HooksItsActivation(nn.Module):
    """Registers a gradient hook on an activation (saliency maps, gradient logging): without a graph it cannot."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(6, 9), nn.Linear(9, 4)
        self.log = SimpleNamespace(calls=0)

    def forward(self, x):
        self.log.calls += 1
        h = self.fc1(x)
        h.register_hook(lambda grad: grad)
        return self.fc2(h)


def test_a_forward_that_needs_the_graph_runs_again_with_it():
    model = HooksItsActivation().eval()
    info = flopscope.get_model_complexity_info(model, inputs=torch.randn(3, 6), show_arch=False)
    assert model.log.calls == 2  # without the graph it failed; with it, it ran
    assert info["flops"] == 3 * 6 * 9 + 3 * 9 * 4
    assert info["activations"] == 3 * 9 + 3 * 4
    assert not model.fc1._forward_hooks and model.fc1._compiled_call_impl is None


class ForcesFromEnergy(nn.Module):
    """Differentiates its own output inside the forward (forces = -dE/dx, as interatomic potentials do)."""

    def __init__(self):
        super().__init__()
        self.energy = nn.Linear(3, 1)

    def forward(self, positions):
        positions = positions.detach().requires_grad_()
        energy = self.energy(positions).sum()
        return -torch.autograd.grad(energy, positions)[0]


def test_autograd_inside_the_forward():
    result = flopscope.analyze(ForcesFromEnergy().eval(), torch.randn(5, 3))
    energy = next(m for m in result.modules if m["path"] == "energy")
    assert energy["macs"] == 5 * 3 * 1


class Interrupted(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.log = SimpleNamespace(calls=0)

    def forward(self, x):
        self.log.calls += 1
        raise KeyboardInterrupt


def test_an_interrupt_is_not_run_again():
    model = Interrupted().eval()
    with pytest.raises(KeyboardInterrupt):
        flopscope.get_model_complexity_info(model, inputs=torch.randn(1, 3))
    assert model.log.calls == 1


class Fails(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        self.fc(x)
        raise ValueError("from the model")


def test_a_model_error_is_the_second_runs_and_noted_once():
    with pytest.raises(ValueError, match="from the model") as raised:
        flopscope.get_model_complexity_info(Fails().eval(), inputs=torch.randn(1, 3))
    notes = [n for n in getattr(raised.value, "__notes__", []) if n.startswith("flopscope: ")]
    assert len(notes) == 1, notes
