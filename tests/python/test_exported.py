"""A torch.export ExportedProgram held in Python is analysed by the library's exported source, the one the command
line runs on a .pt2 file: from its graph, or run (run=True) on the caller's inputs. mmengine cannot take an
ExportedProgram, so the expected values are mmengine's on the eager model it was exported from (the zoo's
references, or mmengine run here) and arithmetic written out in the tests."""
import io
import os
import zipfile

import pytest
import torch
import torchvision
from torch import nn
from torch.export import Dim

import flopscope
from flopscope import _exported
from test_zoo_parity import assert_per_module_equal, reference

mmengine_analysis = pytest.importorskip("mmengine.analysis")


# The zoo's archives loaded back into Python (torch.export.load), static and dynamic: every module as mmengine
# counts the eager model (docs/validation-export.md: equal for every module of every model). hf_gpt2 ties its
# output projection to its embedding: counted once, under its first name, as mmengine does.
@pytest.mark.parametrize("name", ["resnet18", "hf_gpt2", "hf_bart", "einsum_mixer"])
@pytest.mark.parametrize("kind", ["", ".dynamic"])
def test_loaded_program_equals_mmengine_per_module(zoo_dir, name, kind):
    ep = torch.export.load(os.path.join(zoo_dir, name + kind + ".pt2"))
    assert_per_module_equal(flopscope.analyze(ep), reference(zoo_dir, name))


def test_exported_here_equals_mmengine_on_the_eager_model():
    torch.manual_seed(0)
    eager = torchvision.models.resnet18().eval()
    x = torch.randn(1, 3, 64, 64)
    ep = torch.export.export(eager, (x,))
    theirs = mmengine_analysis.get_model_complexity_info(eager, inputs=(x,), show_arch=False)
    ours = flopscope.get_model_complexity_info(ep, inputs=(x,), show_arch=False)
    for key in ("flops", "flops_str", "params", "params_str", "activations", "activations_str", "out_table"):
        assert ours[key] == theirs[key], key
    # The program is left as it was: its tensors are its own, not the meta copies the graph was written from.
    assert all(not t.is_meta for t in ep.state_dict.values())
    assert ep.state_dict["conv1.weight"] is dict(eager.named_parameters())["conv1.weight"]


def test_the_graph_handed_over_is_the_one_torch_export_save_writes():
    # Written without the weights (from meta copies) and without torch's canonical-form check: byte for byte the
    # models/model.json of the archive torch.export.save makes of the same program.
    torch.manual_seed(0)
    ep = torch.export.export(torchvision.models.resnet18().eval(), (torch.randn(1, 3, 64, 64),))
    archive = io.BytesIO()
    torch.export.save(ep, archive)
    with zipfile.ZipFile(archive) as z:
        saved = z.read(next(n for n in z.namelist() if n.endswith("models/model.json")))
    from torch._export.serde import serialize as serde
    check = serde.canonicalize
    assert _exported._graph_json(ep) == saved
    assert serde.canonicalize is check  # torch's check is put back for everyone else


class Projection(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(16, 32)

    def forward(self, x):
        return self.proj(x)


def dynamic_projection():
    """Linear(16, 32) on x of (batch, 4, 16), the batch dynamic (2..64), exported at batch 3."""
    return torch.export.export(Projection(), (torch.randn(3, 4, 16),), dynamic_shapes=({0: Dim("batch", min=2, max=64)},))


def proj_macs(batch):
    return batch * 4 * 16 * 32  # each of batch*4 rows: 16 inputs times 32 outputs


def test_dims_from_the_inputs_shapes_by_name_and_the_example():
    ep = dynamic_projection()
    assert flopscope.analyze(ep).flops == proj_macs(3)  # the size it was exported at
    assert flopscope.analyze(ep, torch.randn(5, 4, 16)).flops == proj_macs(5)
    assert flopscope.analyze(ep, dims={"x.0": 7}).flops == proj_macs(7)
    by_module = {m["path"]: m["macs"] for m in flopscope.analyze(ep, torch.randn(5, 4, 16)).modules}
    assert by_module["proj"] == proj_macs(5)


def test_a_training_step_at_the_sizes_the_inputs_give():
    # The step runs the graph at the inputs' batch: the projection's weight gradient (the input needs none) is one
    # more pass of its forward's size, at batch 5 and at batch 9, from one program exported at batch 3.
    ep = dynamic_projection()
    for batch in (5, 9):
        result = flopscope.analyze(ep, torch.randn(batch, 4, 16), ops="default", train_step=True)
        assert {m["path"]: m["backward_macs"] for m in result.modules}["proj"] == proj_macs(batch)


def test_inputs_the_program_does_not_take_are_refused():
    ep = dynamic_projection()
    with pytest.raises(flopscope.InvalidInput, match=r"input 0 \(x\) has shape \[5, 4, 8\]"):
        flopscope.analyze(ep, torch.randn(5, 4, 8))  # a static size differs
    with pytest.raises(flopscope.InvalidInput, match=r"input 0 \(x\) has size 100 in dimension 0, outside the range"):
        flopscope.analyze(ep, torch.randn(100, 4, 16))
    # The library's messages name this function's arguments, not the command line's options.
    with pytest.raises(flopscope.InvalidInput, match=r'dims\["zz"\]: the export has no such symbol'):
        flopscope.analyze(ep, dims={"zz": 3})
    with pytest.raises(flopscope.InvalidInput, match=r'dims=\{"x.0": 100\} is outside the range'):
        flopscope.analyze(ep, dims={"x.0": 100})
    for bad in ({"x.0": "5"}, {"x.0": 2**70}, {0: 5}, [("x.0", 5)]):
        with pytest.raises(flopscope.InvalidInput, match="dims"):
            flopscope.analyze(ep, dims=bad)
    with pytest.raises(flopscope.InvalidInput, match=r"input 0 \(x\) is float64, and the exported program takes float32"):
        flopscope.analyze(ep, torch.randn(5, 4, 16, dtype=torch.float64))
    with pytest.raises(flopscope.InvalidInput, match="not structured as those the program was exported with"):
        flopscope.analyze(ep, (torch.randn(5, 4, 16), torch.randn(5, 4, 16)))
    with pytest.raises(flopscope.InvalidInput, match=r"input 0 \(x\) has size 100 in dimension 0, outside the range"):
        flopscope.analyze(ep, torch.randn(100, 4, 16), ops="default", train_step=True)  # a step checks them too
    with pytest.raises(flopscope.InvalidInput, match="ExportedProgram is no module"):
        flopscope.profile(ep).__enter__()
    with pytest.raises(flopscope.InvalidInput, match="no input_shape"):
        flopscope.get_model_complexity_info(ep, input_shape=(4, 16))
    with pytest.raises(flopscope.InvalidInput, match="dims and run are for"):
        flopscope.analyze(Projection(), torch.randn(5, 4, 16), run=True)


class NormedBlock(nn.Module):
    """A batch norm in training mode: its graph writes its running statistics (and its batch count) in place."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        return self.bn(self.conv(x))


def test_run_on_the_callers_inputs_leaves_the_program_as_it_was():
    torch.manual_seed(0)
    ep = torch.export.export(NormedBlock().train(), (torch.randn(2, 3, 8, 8),))
    before = {k: v.clone() for k, v in ep.state_dict.items()}
    x = torch.randn(2, 3, 8, 8)
    ran = flopscope.analyze(ep, x, run=True)
    read = flopscope.analyze(ep, x)
    # conv: 8 outputs x 3*3*3 inputs at each of 2*8*8 positions; batch norm in training mode (mmengine's formula):
    # 4 per element of its 2*8*8*8 input, plus its affine 1 per element when it has weights.
    conv, bn = 2 * 8 * 8 * 8 * 3 * 3 * 3, 2 * 8 * 8 * 8 * (4 + 1)
    assert {m["path"]: m["macs"] for m in ran.modules} == {"": conv + bn, "conv": conv, "bn": bn}
    assert ran.flops == read.flops == conv + bn
    for k, v in ep.state_dict.items():
        assert torch.equal(v, before[k]), k


def test_the_flat_graph_of_ExportedProgram_module_is_named():
    torch.manual_seed(0)
    ep = torch.export.export(Projection(), (torch.randn(3, 4, 16),))
    result = flopscope.analyze(ep.module(), torch.randn(3, 4, 16))
    assert result.flops == proj_macs(3)
    assert any("ExportedProgram.module()" in w for w in result.warnings)
    assert not any("ExportedProgram.module()" in w for w in flopscope.analyze(ep).warnings)


class Gated(nn.Module):
    """A keyword flag the export keeps as a constant input (as transformers' use_cache=False)."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(16, 32)

    def forward(self, x, twice=True):
        y = self.proj(x)
        return self.proj(x) + y if twice else y


def test_a_constant_input_is_run_with_the_value_the_graph_holds():
    torch.manual_seed(0)
    x = torch.randn(3, 4, 16)
    ep = torch.export.export(Gated(), (), {"x": x, "twice": False})
    for run in (False, True):  # one call of proj: the branch the export took
        assert flopscope.analyze(ep, {"x": x, "twice": False}, run=run).flops == proj_macs(3)


class Selected(nn.Module):
    """Linear(8, 4) on the rows whose first value is positive: a count only the values decide (torch.export's u0)."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 4)

    def forward(self, x):
        rows = (x[:, 0] > 0).nonzero().squeeze(1)
        return self.proj(x[rows])


def test_a_size_the_values_decide_is_bound_by_name_or_read_by_running_on_the_callers_inputs():
    torch.manual_seed(0)
    x = torch.randn(10, 8)
    ep = torch.export.export(Selected(), (x,))
    with pytest.raises(flopscope.InvalidInput, match=r'bind it with dims=\{"u0": VALUE\}, or analyse with run=True'):
        flopscope.analyze(ep, x)
    assert flopscope.analyze(ep, x, dims={"u0": 3}).flops == 3 * 8 * 4
    positive = int((x[:, 0] > 0).sum())  # the rows this x selects: run on the caller's x, not on made inputs
    assert flopscope.analyze(ep, x, run=True).flops == positive * 8 * 4
    assert flopscope.analyze(ep, -x.abs(), run=True).flops == 0


@pytest.mark.skipif(torch.cuda.is_available(), reason="the fallback to the CPU needs a machine without CUDA")
def test_cuda_asked_for_and_fallen_back_reads_the_graph_as_the_command_line_does():
    # Only the library decides whether the graph runs: CUDA it cannot use, with allow_cpu_fallback, leaves a plain
    # read of the graph (before, the package decided from the device's name and ran the graph on the CPU).
    ep = dynamic_projection()
    result = flopscope.analyze(ep, torch.randn(5, 4, 16), device="cuda", allow_cpu_fallback=True)
    assert result.to_dict()["export"]["executed"] is False
    assert result.flops == proj_macs(5)


class Branchy(nn.Module):
    """torch.cond on a tensor's value (or, sized, on the batch): a Linear(8, 8), or Linear(8, 16) then Linear(16, 8)."""

    def __init__(self, on_size=False):
        super().__init__()
        self.on_size = on_size
        self.a, self.b, self.c = nn.Linear(8, 8), nn.Linear(8, 16), nn.Linear(16, 8)

    def forward(self, x):
        pred = x.shape[0] > 4 if self.on_size else x.sum() > 0
        return torch.cond(pred, lambda x: self.a(x), lambda x: self.c(self.b(x)), (x,))


def macs_by_module(result):
    return {m["path"]: m["macs"] for m in result.modules if m["macs"]}


def test_torch_cond_counts_the_branch_it_takes_or_its_costlier_with_a_note():
    # torch.cond's branches are subgraphs: read as one op with no formula, they counted 0. A branch's ops go to the
    # module whose parameters they use (export leaves those nodes without an nn_module_stack).
    torch.manual_seed(0)
    x = torch.randn(4, 8).abs()
    ep = torch.export.export(Branchy(), (x,))
    true_branch = {"": 4 * 8 * 8, "a": 4 * 8 * 8}
    false_branch = {"": 4 * 8 * 16 + 4 * 16 * 8, "b": 4 * 8 * 16, "c": 4 * 16 * 8}
    read = flopscope.analyze(ep, x)  # the graph cannot tell which: the costlier, and a note naming both
    assert macs_by_module(read) == false_branch
    assert any("torch.cond" in w and "false_graph_0, 1024 MACs; true_graph_0, 256 MACs" in w for w in read.warnings)
    assert macs_by_module(flopscope.analyze(ep, x, run=True)) == true_branch  # run: the one the inputs take
    assert macs_by_module(flopscope.analyze(ep, -x, run=True)) == false_branch
    # On a relation of sizes the graph settles it, at the sizes bound, without a note.
    sized = torch.export.export(Branchy(on_size=True), (torch.randn(6, 8),),
                                dynamic_shapes={"x": {0: Dim("n", min=2, max=64)}})
    six = flopscope.analyze(sized, dims={"x.0": 6})
    assert macs_by_module(six) == {"": 6 * 8 * 8, "a": 6 * 8 * 8}
    assert not any("torch.cond" in w for w in six.warnings)
    assert macs_by_module(flopscope.analyze(sized, dims={"x.0": 3})) == {"": 3 * 8 * 16 * 2, "b": 3 * 8 * 16,
                                                                         "c": 3 * 16 * 8}


class Looped(nn.Module):
    """A Linear(8, 8) on each of 5 slices [4, 8], by map or scan, or 3 times on [4, 8] by a while_loop."""

    def __init__(self, how):
        super().__init__()
        self.how = how
        self.a = nn.Linear(8, 8)

    def forward(self, x):
        if self.how == "map":
            from torch._higher_order_ops.map import map as slices
            return slices(lambda xi: self.a(xi), x)
        if self.how == "scan":
            from torch._higher_order_ops.scan import scan

            def body(carry, xi):
                y = self.a(xi) + carry
                return y.clone(), y
            return scan(body, torch.zeros(4, 8), x)[1]
        from torch._higher_order_ops.while_loop import while_loop
        return while_loop(lambda i, h: i < 3, lambda i, h: (i + 1, self.a(h)), (torch.tensor(0), x[0]))[1]


@pytest.mark.parametrize("how", ["map", "scan"])
def test_map_and_scan_count_their_body_once_per_slice(how):
    torch.manual_seed(0)
    x = torch.randn(5, 4, 8)
    ep = torch.export.export(Looped(how), (x,))
    for run in (False, True):
        assert macs_by_module(flopscope.analyze(ep, x, run=run)) == {"": 5 * 4 * 8 * 8, "a": 5 * 4 * 8 * 8}, run


def test_a_while_loop_is_counted_when_run_and_named_when_read():
    torch.manual_seed(0)
    x = torch.randn(5, 4, 8)
    ep = torch.export.export(Looped("while"), (x,))
    read = flopscope.analyze(ep, x)
    assert read.flops == 0 and any("while_loop" in w and "not counted" in w for w in read.warnings)
    assert macs_by_module(flopscope.analyze(ep, x, run=True)) == {"": 3 * 4 * 8 * 8, "a": 3 * 4 * 8 * 8}


class Region(nn.Module):
    """A layer marked as a region compiled once for all its instances: torch.export calls it by invoke_subgraph."""

    def __init__(self):
        super().__init__()
        self.l = nn.Linear(8, 8)

    @torch.compiler.nested_compile_region
    def forward(self, x):
        return torch.relu(self.l(x))


def test_repeated_regions_count_once_per_call_on_each_layer():
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    ep = torch.export.export(nn.Sequential(Region(), Region(), Region()), (x,))
    per_layer = 4 * 8 * 8
    for run in (False, True):  # a call of the shared subgraph was one op with no formula: 0 for every layer
        assert macs_by_module(flopscope.analyze(ep, x, run=run)) == {
            "": 3 * per_layer, "0": per_layer, "0.l": per_layer, "1": per_layer, "1.l": per_layer, "2": per_layer,
            "2.l": per_layer}, run


class NestedBranches(nn.Module):
    """A torch.cond whose true branch holds another (on a value too): a Linear(8, 8) once or twice, or the false
    branch's Linear(8, 16) then Linear(16, 8)."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = nn.Linear(8, 8), nn.Linear(8, 16), nn.Linear(16, 8)

    def forward(self, x):
        def inner(x):
            return torch.cond(x.mean() > 0, lambda x: self.a(x), lambda x: self.a(self.a(x)), (x,))
        return torch.cond(x.sum() > 0, inner, lambda x: self.c(self.b(x)), (x,))


def test_a_dropped_branch_takes_its_notes_with_it():
    torch.manual_seed(0)
    x = torch.randn(4, 8)
    read = flopscope.analyze(torch.export.export(NestedBranches(), (x,)), x)
    # The inner cond's costlier side is 2 * 4*8*8 = 512 MACs, the false branch 4*8*16 + 4*16*8 = 1024: kept, and
    # only the outer cond's note stays (the inner one's, about a branch not counted, went with it).
    assert macs_by_module(read) == {"": 1024, "b": 4 * 8 * 16, "c": 4 * 16 * 8}
    notes = [w for w in read.warnings if "torch.cond" in w]
    assert len(notes) == 1 and "false_graph_0, 1024 MACs; true_graph_0, 512 MACs" in notes[0]


class Spectral(nn.Module):
    """FNet's token mixing (a real fftn over the sequence and the features), then a projection filtered in
    frequency (rfft, irfft)."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(32, 32)

    def forward(self, x):
        mixed = torch.fft.fftn(x, dim=(1, 2)).real
        return torch.fft.irfft(torch.fft.rfft(self.proj(mixed), n=64, dim=-1), n=64, dim=-1)


def test_fourier_transforms_count_alike_live_read_run_and_decomposed():
    torch.manual_seed(0)
    x = torch.randn(2, 16, 32)
    model = Spectral().eval()
    # 5 N log2(N) flops per complex transform of N points, half with a real side; in MACs 1.25 N log2(N):
    # fftn of the real [2, 16, 32] over (1, 2): 2 transforms of 512 points; rfft to 64 points of each of the
    # 2 * 16 rows, and irfft back to 64 points: 32 transforms each.
    fft = 2 * 512 * 9 * 5 // 4 + 2 * (32 * 64 * 6 * 5 // 4)
    proj = 2 * 16 * 32 * 32
    expected = {"": fft + proj, "proj": proj}
    assert macs_by_module(flopscope.analyze(model, (x,), ops="default")) == expected
    ep = torch.export.export(model, (x,))
    # Decomposed to core ATen, the transforms are ATen's own, and the fftn becomes a complex transform of a copy of
    # x made complex (_to_copy, _fft_c2c): twice the real transform's 1.25 N log2(N), which is what that graph runs.
    core = ep.run_decompositions()
    assert [n.target.__name__ for n in core.graph.nodes if "_fft_" in str(n.target)] == [
        "_fft_c2c.default", "_fft_r2c.default", "_fft_c2r.default"]
    expected_core = {"": expected[""] + 2 * 512 * 9 * 5 // 4, "proj": proj}
    for program, want in ((ep, expected), (core, expected_core)):
        for run in (False, True):
            assert macs_by_module(flopscope.analyze(program, x, run=run, ops="default")) == want, (program, run)
    # mmengine counts no transform: reported unsupported, as mmengine reports it.
    plain = flopscope.analyze(model, (x,))
    assert plain.macs == proj and any("fft_fftn" in w for w in plain.warnings)


class Spectrogram(nn.Module):
    """An audio front end computed inside the forward: a windowed stft's magnitudes projected to features, and
    a vocoder's istft back to a waveform."""

    def __init__(self):
        super().__init__()
        self.register_buffer("window", torch.hann_window(64))
        self.proj = nn.Linear(33, 33)

    def forward(self, x):
        spec = torch.stft(x, n_fft=64, hop_length=16, window=self.window, return_complex=True)
        gain = self.proj(spec.abs().mT).mT
        return torch.istft(spec * gain, n_fft=64, hop_length=16, window=self.window)


def test_short_time_transforms_count_alike_live_read_run_and_decomposed():
    torch.manual_seed(0)
    x = torch.randn(2, 1000)
    model = Spectrogram().eval()
    # Centred frames of the signal padded to 1064: (1064 - 64) / 16 + 1 = 63 per signal, 126 in all. Each a real
    # transform of 64 points, 1.25 * 64 * log2(64) = 480 MACs, forward (stft) and back (istft, complex to real:
    # 33 bins of 64 is one-sided).
    stft = istft = 126 * 480
    proj = 2 * 63 * 33 * 33
    expected = {"": stft + proj + istft, "proj": proj}
    assert macs_by_module(flopscope.analyze(model, (x,), ops="default")) == expected
    # The exported graph keeps stft and istft; core ATen has the frames' window product and the transforms
    # under them (_fft_r2c, _fft_c2r), which are the same work.
    ep = torch.export.export(model, (x,))
    core = ep.run_decompositions()
    assert [n.target.__name__ for n in core.graph.nodes if "_fft_" in str(n.target)] == [
        "_fft_r2c.default", "_fft_c2r.default"]
    for program in (ep, core):
        for run in (False, True):
            assert macs_by_module(flopscope.analyze(program, x, run=run, ops="default")) == expected, (program, run)
    # mmengine counts no transform: reported unsupported, as mmengine reports it.
    plain = flopscope.analyze(model, (x,))
    assert plain.macs == proj and any("aten::stft" in w for w in plain.warnings)


class ChunkSolve(nn.Module):
    """The chunked gated delta rule's solve (Qwen3-Next, Qwen3.5): (I + strictly lower) X = V, per head."""

    def forward(self, a, v):
        system = torch.tril(a, diagonal=-1) + torch.eye(a.shape[-1])
        return torch.linalg.solve_triangular(system, v, upper=False, unitriangular=True)


def test_triangular_solves_count_alike_live_read_and_run():
    torch.manual_seed(0)
    a, v = torch.randn(2, 4, 64, 64), torch.randn(2, 4, 64, 16)
    # 8 systems of 64 with 16 right-hand sides each, 64 * 63 / 2 multiply-adds per right-hand side (unit diagonal:
    # no divisions).
    expected = {"": 2 * 4 * 16 * (64 * 63 // 2)}
    model = ChunkSolve()
    assert macs_by_module(flopscope.analyze(model, (a, v), ops="default")) == expected
    # A program with no parameters runs too (run=True refused it: "parsed from JSON alone has no weights").
    ep = torch.export.export(model, (a, v))
    for run in (False, True):
        assert macs_by_module(flopscope.analyze(ep, (a, v), run=run, ops="default")) == expected, run


class Invertible1x1(nn.Module):
    """Glow's invertible 1x1 convolution: its weight's log-determinant and inverse."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(8, 8))

    def forward(self):
        return torch.linalg.slogdet(self.weight)[1], torch.linalg.inv(self.weight)


class DenseAlgebra(nn.Module):
    """A Gaussian process's posterior on a kernel matrix (Cholesky and its solve), a general solve, a determinant,
    an LU kept and solved against, and a Glow layer."""

    def __init__(self):
        super().__init__()
        self.flow = Invertible1x1()

    def forward(self, k, y):
        factor = torch.linalg.cholesky(k)
        lu, pivots = torch.linalg.lu_factor(k)
        logdet, inverse = self.flow()
        return (torch.cholesky_solve(y, factor), torch.linalg.solve(k, y), torch.linalg.det(k),
                torch.linalg.lu_solve(lu, pivots, y), logdet, inverse)


def test_factorizations_and_solves_count_alike_live_read_run_and_decomposed():
    torch.manual_seed(0)
    g = torch.randn(2, 16, 16)
    k, y = g @ g.mT / 16 + torch.eye(16), torch.randn(2, 16, 3)
    # In LAPACK Working Note 41's multiplications. On the kernel matrices, 2 of 16 x 16 against 2 x 3 right-hand
    # sides of 16: Cholesky 16*17*18/6 = 816 each; its solve 17 per entry of the solution (2 * 16 * 3 = 96
    # entries); an LU 16^3/3 + 2*16/3 = 1376 each, its solve 16 per entry of the solution; det the LU and 15
    # products. The flow's 8 x 8 weight: an LU (8^3/3 + 2*8/3 = 176) and 7 sums of logs, and the inverse: an LU
    # and the identity's 8 columns solved (8^3).
    cholesky, cholesky_solve = 2 * 816, 96 * 17
    lu, lu_solve = 2 * 1376, 96 * 16
    flow = (176 + 7) + (176 + 8 ** 3)
    root = cholesky + cholesky_solve + (lu + lu_solve) + 2 * (1376 + 15) + lu + lu_solve
    expected = {"": root + flow, "flow": flow}
    model = DenseAlgebra()
    assert macs_by_module(flopscope.analyze(model, (k, y), ops="default")) == expected
    # The training graph keeps what the forward called (linalg_solve, logdet's slogdet, inv), core ATen the ops
    # under them (_linalg_solve_ex, _linalg_slogdet, linalg_inv_ex): each counted as the same work.
    ep = torch.export.export(model, (k, y))
    core = ep.run_decompositions()
    assert {"_linalg_solve_ex.default", "_linalg_det.default", "linalg_inv_ex.default"} <= {
        n.target.__name__ for n in core.graph.nodes if n.op == "call_function"}
    for program in (ep, core):
        for run in (False, True):
            assert macs_by_module(flopscope.analyze(program, (k, y), run=run, ops="default")) == expected, run
    # mmengine counts none: reported unsupported, as mmengine reports them.
    plain = flopscope.analyze(model, (k, y))
    assert plain.macs == 0 and any("linalg_cholesky" in w for w in plain.warnings)


class Solve(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Parameter(torch.randn(6, 6) + 6 * torch.eye(6)), nn.Parameter(torch.randn(6, 3))

    def forward(self):
        return torch.linalg.solve(self.a, self.b)


def test_a_solve_trains_through_its_lu():
    # Forward: A's LU (6^3/3 + 2*6/3 = 76) and 18 solution entries at 6 each. Backward (autograd's formula): B's
    # gradient solves A^H against X's through the same LU (18 entries at 6), A's is -grad_B X^H, [6, 3] @ [3, 6].
    result = flopscope.analyze(Solve(), (), ops="default", train_step=True)
    assert result.modules[0]["macs"] == 76 + 18 * 6
    assert result.modules[0]["backward_macs"] == 18 * 6 + 6 * 3 * 6


class RopeGrid(nn.Module):
    """DINOv3's RoPE grid: patch coordinates at the centres, torch.arange(0.5, n), whose length a dynamic export
    writes through Python floats (CeilToInt(FloatTrueDiv(ToFloat(s // 8) - 0.5, 1.0)))."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        coords = torch.arange(0.5, x.shape[-1] // 8, dtype=torch.float32)
        return self.proj(coords.unsqueeze(-1) * x.new_ones(4))


def test_a_size_computed_through_floats_is_read_at_any_value():
    torch.manual_seed(0)
    ep = torch.export.export(RopeGrid(), (torch.randn(2, 4, 64),), dynamic_shapes=({2: Dim.AUTO},))
    assert any("FloatTrueDiv" in str(n.meta["val"].shape)
               for n in ep.graph.nodes if n.op == "call_function" and hasattr(n.meta.get("val"), "shape"))
    # The arange holds ceil(L // 8 - 0.5) coordinates, each a row of 4 through the 4 x 4 projection: 64 -> 8 rows,
    # 100 -> 12 (it was refused: "cannot read the size expression ... Float('-0.5', precision=53)").
    for length, rows in ((64, 8), (100, 12)):
        for run in (False, True):
            result = flopscope.analyze(ep, torch.randn(2, 4, length), run=run)
            assert macs_by_module(result) == {"": rows * 16, "proj": rows * 16}, (length, run)


def test_a_mixture_of_experts_exported_in_float32_counts_its_experts_from_the_graph():
    # Exporting a float32 transformers MoE puts its experts in transformers::grouped_mm_fallback, a custom op that
    # stands for aten::_grouped_mm with its arguments named (input, weight, offs). Read from the graph, its arguments
    # were looked up by _grouped_mm's names, found none, and the experts counted 0 with a formula error.
    transformers = pytest.importorskip("transformers")
    transformers.logging.set_verbosity_error()
    config = transformers.OlmoeConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                      num_key_value_heads=1, intermediate_size=64, vocab_size=97, num_experts=4,
                                      num_experts_per_tok=2)
    torch.manual_seed(0)
    model = transformers.OlmoeForCausalLM(config).eval()
    inputs = {"input_ids": torch.randint(0, 97, (2, 8)), "use_cache": False}
    ep = torch.export.export(model, (), inputs, strict=False)
    # 16 tokens, each to 2 experts: gate and up 32x64 each, down 64x32.
    experts = 16 * 2 * (32 * 64 * 2 + 64 * 32)
    for result in (flopscope.analyze(model, inputs, ops="default"), flopscope.analyze(ep, inputs, ops="default"),
                   flopscope.analyze(ep, inputs, ops="default", run=True)):
        grouped = {o["op"]: o["macs"] for o in result.to_dict()["operators"]["macs"]}["_grouped_mm"]
        assert grouped == experts and not [w for w in result.warnings if "Formula failed" in w], result.warnings
