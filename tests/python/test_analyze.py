"""flopscope.analyze: the result's records and every report format, the JSON report in the command line's schema
(so that `flopscope compare` reads it), pandas, the op sets, shape-only, and flopscope.profile over code that is
not one forward."""
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode

import flopscope

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Attn(nn.Module):
    def __init__(self, dim=24, heads=3):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in self.qkv(x).split(c, 2))
        y = F.scaled_dot_product_attention(q, k, v)
        return self.out(y.transpose(1, 2).reshape(b, t, c))


def test_records_and_formats(tmp_path):
    model = Attn()
    result = flopscope.analyze(model, torch.randn(2, 7, 24), ops="default")
    mods = {m["path"]: m for m in result.modules}
    # qkv 24 -> 72 and out 24 -> 24 on 2 x 7 rows; attention (default op set): per head q.k^T and attn.v,
    # 2 x 3 heads x 7 x 7 x 8 each.
    assert mods["qkv"]["macs"] == 2 * 7 * 24 * 72
    assert mods["out"]["macs"] == 2 * 7 * 24 * 24
    attention = 2 * (2 * 3 * 7 * 7 * 8)
    assert mods[""]["macs"] == 2 * 7 * 24 * 72 + 2 * 7 * 24 * 24 + attention
    assert mods[""]["flops"] == 2 * mods[""]["macs"]
    mmengine = flopscope.analyze(model, torch.randn(2, 7, 24))  # mmengine's op set has no attention formula
    assert mmengine.flops == mods[""]["macs"] - attention
    for fmt in flopscope.report_formats():
        assert isinstance(result.report(fmt), str)
    assert result.report("summary").startswith("Model Flops:")
    report = json.loads(result.to_json())
    assert report["model"]["kind"] == "python"
    assert report["inputs"] == [{"shape": [2, 7, 24], "dtype": "float32"}]
    jsonschema = pytest.importorskip("jsonschema")
    with open(os.path.join(REPO, "docs", "report.schema.json")) as f:
        jsonschema.validate(report, json.load(f))
    with pytest.raises(flopscope.InvalidInput, match="format"):
        result.report("nonsense")


def test_compare_reads_the_json(tmp_path, cli):
    small, large = tmp_path / "small.json", tmp_path / "large.json"
    x = torch.randn(1, 8)
    small.write_text(flopscope.analyze(nn.Linear(8, 8), x).to_json())
    large.write_text(flopscope.analyze(nn.Linear(8, 32), x).to_json())
    same = subprocess.run([cli, "compare", str(small), str(small)], capture_output=True, text=True)
    assert same.returncode == 0, same.stderr
    grew = subprocess.run([cli, "compare", str(small), str(large)], capture_output=True, text=True)
    assert grew.returncode == 1, grew.stderr  # a regression: 1x8x8 MACs became 1x8x32
    assert "256" in grew.stdout


def test_to_pandas():
    pandas = pytest.importorskip("pandas")
    frame = flopscope.analyze(Attn(), torch.randn(1, 5, 24)).to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert frame.loc["qkv", "macs"] == 5 * 24 * 72
    assert frame.loc["out", "parameters"] == 24 * 24 + 24


def test_shape_only_equals_a_real_forward():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(),
                          nn.Linear(8 * 6 * 5, 10))
    x = torch.randn(2, 3, 6, 5)
    real = flopscope.analyze(model, x, ops="all")
    meta = flopscope.analyze(model, x, ops="all", shape_only=True)
    assert [(m["path"], m["macs"], m["activations"]) for m in meta.modules] == \
        [(m["path"], m["macs"], m["activations"]) for m in real.modules]
    assert json.loads(meta.to_json())["device"] == "meta"
    assert all(p.device.type == "cpu" for p in model.parameters())  # the model kept its own tensors


class HandWrittenRMSNorm(nn.Module):
    """RMSNorm as transformers writes it: pow, mean, add, rsqrt, mul, and the weight's mul."""

    def __init__(self, dim, weight=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(dim)) if weight else None

    def forward(self, x):
        y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)
        return y * self.weight if self.weight is not None else y


@pytest.mark.parametrize("weight", [True, False])
def test_rms_norm_is_counted_as_its_hand_written_form_is(weight):
    # x [2, 5, 24]: 240 elements in 10 rows of 24. Per element the square, the mean's sum, the scaling and the
    # weight's multiply (4; 3 without a weight); per row the eps add and the rsqrt (2).
    expected = (4 if weight else 3) * 2 * 5 * 24 + 2 * 2 * 5
    torch.manual_seed(0)
    x = torch.randn(2, 5, 24)
    norm = nn.RMSNorm(24, elementwise_affine=weight)
    for ops in ("default", "all"):
        for shape_only in (False, True):
            result = flopscope.analyze(norm, x, ops=ops, shape_only=shape_only)
            assert result.flops == expected and not result.warnings, (ops, shape_only, result.warnings)
    # `all` counts transformers' own RMSNorm the same; mmengine counts neither (it names aten::rms_norm).
    assert flopscope.analyze(HandWrittenRMSNorm(24, weight), x, ops="all").flops == expected
    mmengine = flopscope.analyze(norm, x, ops="mmengine")
    assert mmengine.flops == 0 and any("aten::rms_norm" in w for w in mmengine.warnings)
    # The same from a TorchScript module and from a torch.export program, which keep aten::rms_norm whole.
    assert flopscope.analyze(torch.jit.trace(norm, (x,)), x, ops="default").flops == expected
    assert flopscope.analyze(torch.export.export(norm, (x,)), x, ops="default").flops == expected


def test_transformer_encoder_layer_without_grad_is_counted_per_module():
    # Without grad in eval the layer's fused fast path would be one op in no submodule; hooked, as under mmengine,
    # it runs its submodules, and its attention runs the MHA fast path (_native_multi_head_attention). 20 tokens,
    # E = 64, 4 heads, F = 128.
    torch.manual_seed(0)
    model = nn.TransformerEncoderLayer(64, 4, 128, batch_first=True).eval()
    with torch.no_grad():
        result = flopscope.analyze(model, torch.randn(2, 10, 64), ops="default")
    macs = {m["path"]: m["macs"] for m in result.modules}
    # q, k, v and output projections, and 2 x 4 heads x 10 x 10 pairs x (16 + 16).
    assert macs["self_attn"] == 20 * 64 * 64 * 4 + 2 * 4 * 10 * 10 * 32
    assert macs["linear1"] == macs["linear2"] == 20 * 64 * 128
    assert macs["norm1"] == macs["norm2"] == 20 * 64 * 5
    assert result.macs == 20 * 64 * 64 * 4 + 2 * 4 * 10 * 10 * 32 + 2 * 20 * 64 * 128 + 2 * 20 * 64 * 5
    assert not any("transformer_encoder_layer" in w for w in result.warnings)


def test_a_padding_mask_without_grad_counts_the_tokens_there_are():
    # In eval without grad, nn.TransformerEncoder turns a padded batch into a nested tensor (torch.nested) and
    # computes no padded position. Sequences of 10 and 6 tokens: 16 tokens, E = 64, 4 heads, F = 128, 2 layers.
    torch.manual_seed(0)
    model = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, 128, batch_first=True), 2).eval()
    x, padding = torch.randn(2, 10, 64), torch.zeros(2, 10, dtype=torch.bool)
    padding[1, 6:] = True
    with torch.no_grad():
        result = flopscope.analyze(model, {"src": x, "src_key_padding_mask": padding}, ops="default")
    macs = {m["path"]: m["macs"] for m in result.modules}
    # The MHA fast path per sequence: 4 projections of L tokens, and L x L pairs x 2E over the heads.
    assert macs["layers.0.self_attn"] == 4 * 16 * 64 * 64 + (10 * 10 + 6 * 6) * 2 * 64
    assert macs["layers.0.linear1"] == macs["layers.0.linear2"] == 16 * 64 * 128
    assert macs["layers.0.norm1"] == 16 * 64 * 5
    layer = 4 * 16 * 64 * 64 + (10 * 10 + 6 * 6) * 2 * 64 + 2 * 16 * 64 * 128 + 2 * 16 * 64 * 5
    assert macs["layers.0"] == macs["layers.1"] == layer
    assert result.macs == 2 * layer


def test_nested_tensor_inputs():
    # A strided nested tensor of sequences of 4, 2 and 5 rows of width 6 into a 6 -> 7 linear layer: the rows
    # there are, (4 + 2 + 5) * 6 * 7, and its padded shape as the input's.
    linear = nn.Linear(6, 7)
    rows = [torch.randn(4, 6), torch.randn(2, 6), torch.randn(5, 6)]
    with torch.no_grad():
        result = flopscope.analyze(linear, torch.nested.nested_tensor(rows), ops="default")
        assert result.macs == (4 + 2 + 5) * 6 * 7
        assert result.to_dict()["inputs"][0]["shape"] == [3, 5, 6]
        # A jagged one's ragged dim is a symbol: the call on it is left out, and the one its __torch_dispatch__
        # makes on the packed rows, 11 x 6, counted.
        jagged = flopscope.analyze(linear, torch.nested.nested_tensor(rows, layout=torch.jagged), ops="default")
    assert jagged.macs == (4 + 2 + 5) * 6 * 7
    assert not jagged.warnings
    assert jagged.to_dict()["inputs"][0]["shape"] == [3, -1, 6]
    jsonschema = pytest.importorskip("jsonschema")
    with open(os.path.join(REPO, "docs", "report.schema.json")) as f:
        jsonschema.validate(json.loads(jagged.to_json()), json.load(f))


def test_profile_a_loop():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 9), nn.ReLU(), nn.Linear(9, 4))
    x = torch.randn(3, 6)
    with flopscope.profile(model) as p:
        for _ in range(4):
            model(x)
        torch.mm(x, x.t())  # outside any module: the root's
    # four forwards of 3 rows through 6x9 and 9x4, plus a 3x6 @ 6x3 matmul at the root.
    mods = {m["path"]: m["macs"] for m in p.result.modules}
    assert mods["0"] == 4 * 3 * 6 * 9
    assert mods["2"] == 4 * 3 * 9 * 4
    assert p.result.flops == 4 * 3 * (6 * 9 + 9 * 4) + 3 * 6 * 3
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


def test_profile_keeps_the_blocks_effects_and_its_exception():
    model = nn.Linear(3, 3)
    before = model.weight.detach().clone()
    with pytest.raises(KeyError):
        with flopscope.profile(model) as p:
            with torch.no_grad():
                model.weight.add_(1.0)
            model(torch.randn(2, 3))
            raise KeyError("body")
    assert torch.equal(model.weight.detach(), before + 1.0)  # the block's own effect stays
    assert p.result.flops == 2 * 3 * 3
    assert all(not m._forward_hooks for m in model.modules())


class _Stateful(nn.Module):
    """A module that keeps state between calls in attributes of its own: a recurrent state, a call count, a cache
    and a note of the last shape, each set by the forward."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(8, 8, batch_first=True)
        self.hidden = None
        self.calls = 0
        self.cache = {}

    def forward(self, x):
        out, h = self.rnn(x, self.hidden)
        self.hidden = h.detach()
        self.calls += 1
        self.cache[x.shape[1]] = out.sum()
        self.last_shape = x.shape
        return out


def test_a_modules_own_state_is_as_it_was():
    # The forward's state must not stay in the model: a stateful module would go on from the analysis's call, and a
    # shape-only run would leave meta tensors that break the next real forward (the GRU's hidden state on meta).
    model = _Stateful().eval()
    cache = model.cache
    x = torch.randn(1, 4, 8)
    for options in ({}, {"shape_only": True}, {"ops": "default", "train_step": True}):
        flopscope.analyze(model, (x,), **options)
        assert (model.hidden, model.calls, model.cache) == (None, 0, {}), options
        assert model.cache is cache and not hasattr(model, "last_shape"), options
    model(x)  # a real forward after them all runs, from the state the model had
    assert model.calls == 1 and model.hidden.device.type == "cpu" and list(cache) == [4]


class _Regrowing(nn.Module):
    """A forward that assigns its registered state anew, as a rotary cache grown for a longer sequence does."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)
        self.register_buffer("cos_cached", torch.zeros(2, 8), persistent=False)
        self.register_buffer("steps", torch.zeros(()))

    def forward(self, x):
        self.cos_cached = torch.ones(x.shape[1], 8, device=x.device)  # a non-persistent buffer, rebound
        self.steps = self.steps + 1  # a persistent one
        self.register_buffer("scratch", torch.zeros(1, device=x.device))  # one the forward adds
        self.proj = nn.Linear(8, 8).to(x.device)  # a submodule replaced
        return self.proj(x) + self.cos_cached


def test_registered_state_the_forward_assigns_anew_is_as_it_was():
    # Writes into a buffer are undone by value; a buffer, parameter or submodule the forward assigns anew rebinds
    # the module's registry: each must be the very object it was, and nothing the forward registered stays.
    model = _Regrowing().eval()
    proj, cos, steps = model.proj, model.cos_cached, model.steps
    for options in ({}, {"shape_only": True}, {"ops": "default", "train_step": True}):
        flopscope.analyze(model, torch.randn(1, 5, 8), **options)
        assert model.proj is proj and model.cos_cached is cos and model.steps is steps, options
        assert "scratch" not in model._buffers and model._non_persistent_buffers_set == {"cos_cached"}, options
        assert list(model.state_dict()) == ["steps", "proj.weight", "proj.bias"], options
    assert torch.equal(cos, torch.zeros(2, 8)) and steps.item() == 0


class _Pooled(nn.Module):
    """Runs its two branches on a thread pool of its own."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(16, 16), nn.Linear(16, 16)

    def forward(self, x):
        with ThreadPoolExecutor(2) as pool:
            a, b = pool.submit(self.a, x), pool.submit(self.b, x)
            return a.result() + b.result()


def test_modules_called_on_threads_of_the_models_own_are_named_not_silently_zero():
    # The capture follows the analysing thread (and autograd's, in a backward); the two branches' ops run on the
    # pool's threads, unrecorded. The report cannot count them, and says so rather than read zero without a word.
    model = _Pooled().eval()
    result = flopscope.analyze(model, torch.randn(2, 16))
    said = [w for w in result.warnings if "ran on other threads" in w]
    assert len(said) == 1 and said[0].startswith("2 call(s) of the model's modules"), result.warnings
    with flopscope.profile(model) as p:
        model(torch.randn(2, 16))
    assert any(w.startswith("2 call(s)") for w in p.result.warnings)
    # On the analysing thread, a training step's backward included, nothing is said.
    plain = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 16))
    for options in ({}, {"ops": "default", "train_step": True}):
        assert not [w for w in flopscope.analyze(plain, torch.randn(2, 16), **options).warnings if "threads" in w]


def test_a_dynamic_rope_cache_grown_by_the_forward_is_as_it_was():
    # transformers' dynamic RoPE registers a rescaled inv_freq anew when a sequence is longer than the model's
    # positions (40 > 16), and keeps its own max_seq_len_cached, an attribute: the analysis left the model with the
    # rescaled buffer and the old length.
    transformers = pytest.importorskip("transformers")
    config = transformers.LlamaConfig(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=16,
                                      rope_scaling={"rope_type": "dynamic", "factor": 2.0})
    model = transformers.LlamaForCausalLM(config).eval()
    rope = model.model.rotary_emb
    inv_freq, values = rope.inv_freq, rope.inv_freq.clone()
    flopscope.analyze(model, torch.randint(0, 100, (1, 40)))
    assert rope.inv_freq is inv_freq and torch.equal(inv_freq, values)


def test_a_model_whose_forward_hooks_itself_analyses_twice():
    # transformers' output capture registers hooks in the first forward and marks the model with an attribute; the
    # analysis took the mark out and left the hooks, so the next call registered them again: a SegFormer's decode
    # head got every stage's hidden state twice and its second analysis (a training step after the forward) failed.
    transformers = pytest.importorskip("transformers")
    transformers.logging.set_verbosity_error()
    torch.manual_seed(0)
    config = transformers.SegformerConfig(num_encoder_blocks=2, depths=[1, 1], sr_ratios=[2, 1], hidden_sizes=[16, 32],
                                          num_attention_heads=[1, 2], decoder_hidden_size=32, num_labels=3)
    model = transformers.SegformerForSemanticSegmentation(config)
    inputs = {"pixel_values": torch.randn(2, 3, 64, 64), "labels": torch.randint(0, 3, (2, 64, 64))}
    hooks = lambda m: sum(len(each._forward_hooks) for each in m.modules())  # noqa: E731
    forward = flopscope.analyze(model, inputs, ops="default")
    assert hooks(model) == 0
    step = flopscope.analyze(model, inputs, ops="default", train_step=True)
    assert hooks(model) == 0 and step.macs == forward.macs
    model(**inputs)
    never_analysed = transformers.SegformerForSemanticSegmentation(config)
    never_analysed(**inputs)
    assert hooks(model) == hooks(never_analysed) > 0  # the model's own hooks, from its own first call, once


def test_a_lazy_module_not_yet_initialised_is_refused_and_left_lazy():
    # Its parameters are made by its first forward: analysing it would turn the user's LazyLinear into a Linear
    # with weights the analysis drew, and report 0 parameters. It is refused by name; after one forward it counts.
    model = nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.LazyLinear(4))
    x = torch.randn(2, 16)
    for call in (lambda: flopscope.analyze(model, (x,)), lambda: flopscope.analyze(model, (x,), shape_only=True),
                 lambda: flopscope.profile(model).__enter__()):
        with pytest.raises(flopscope.InvalidInput, match="'2' \\(LazyLinear\\) is a lazy module"):
            call()
    assert type(model[2]) is nn.LazyLinear and model[2].has_uninitialized_params()
    model(x)
    result = flopscope.analyze(model, (x,))
    assert (result.flops, result.params) == (2 * 16 * 8 + 2 * 8 * 4, 16 * 8 + 8 + 8 * 4 + 4)


def test_the_callers_random_stream_is_as_it_was():
    # Dropout in training mode draws its masks from torch's default generator: an analysis (and a training step)
    # must leave it where it was, so a seeded program draws the same numbers with or without one. A recording
    # (profile) is the caller's own code: its draws stay drawn.
    model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5)).train()
    x = torch.ones(2, 8)
    torch.manual_seed(3)
    expected = torch.rand(4)
    torch.manual_seed(3)
    model(x)  # the forward draws: without the guard the stream would move
    assert not torch.equal(torch.rand(4), expected)
    for options in ({}, {"ops": "default", "train_step": True}):
        torch.manual_seed(3)
        flopscope.analyze(model, (x,), **options)
        assert torch.equal(torch.rand(4), expected), options
    torch.manual_seed(3)
    with flopscope.profile(model):
        model(x)
    drawn = torch.rand(4)
    torch.manual_seed(3)
    model(x)
    assert torch.equal(drawn, torch.rand(4))



def test_an_autocast_region_shares_no_cast_weights_with_the_analysis():
    # Inside torch.autocast, torch keeps the bf16 copy of each weight it casts until the region ends. An eval-mode
    # model is analysed without autograd's graph, so the copies its forward made required no grad: kept, they made
    # every later forward of the caller in the region lose its weights' gradients, and a training step's analysis
    # there refused the model ("nothing to differentiate").
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16)).eval()
    x = torch.randn(8, 64)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        forward = flopscope.analyze(model, x)
        y = model(x)
        assert y.dtype == torch.bfloat16 and y.requires_grad
        y.sum().backward()
        assert all(p.grad is not None for p in model.parameters())
        model.zero_grad(set_to_none=True)
        step = flopscope.analyze(model, x, ops="default", train_step=True)
    assert forward.flops == step.flops == 8 * (64 * 32 + 32 * 16)
    # the first layer's weight gradient (its input needs none), the second's input and weight gradients
    root = next(m for m in step.modules if m["path"] == "")
    assert root["backward_macs"] == 8 * 64 * 32 + 2 * 8 * 32 * 16
@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the answer where there is no CUDA device")
def test_cuda_without_a_device():
    model, x = nn.Linear(4, 4), torch.randn(2, 4)
    with pytest.raises(flopscope.CudaUnavailable):
        flopscope.analyze(model, x, device="cuda")
    fallback = flopscope.analyze(model, x, device="cuda", allow_cpu_fallback=True)
    assert fallback.flops == 2 * 4 * 4
    assert not fallback.gpu_ran and "no CUDA device" in fallback.gpu_skipped_reason
    assert json.loads(fallback.to_json())["device"] == "cpu"


def test_meta_device_means_shape_only():
    model, x = nn.Linear(4, 6), torch.randn(3, 4)
    assert flopscope.analyze(model, x, device="meta").flops == 3 * 4 * 6
    with pytest.raises(flopscope.InvalidInput, match="shape_only runs on the meta device"):
        flopscope.analyze(model, x, device="cpu", shape_only=True)


def test_a_dynamically_quantized_model():
    # torch.ao's dynamic quantization replaces each Linear's op with quantized::linear_dynamic, its weight packed in an
    # object with no shape; default counts it as the linear it is: 4 rows x (64 x 128 + 128 x 32). mmengine leaves
    # the op unsupported (0), and so does the mmengine op set.
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 32)).eval()
    quantized = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    x = torch.randn(4, 64)
    result = flopscope.analyze(quantized, x, ops="default")
    modules = {m["path"]: m["macs"] for m in result.modules}
    assert modules["0"] == 4 * 64 * 128 and modules["2"] == 4 * 128 * 32
    assert result.flops == 4 * (64 * 128 + 128 * 32)
    assert {m["path"]: m["activations"] for m in result.modules}[""] == 4 * (128 + 32)
    mmengine = flopscope.analyze(quantized, x, ops="mmengine")
    assert mmengine.flops == 0
    assert any("quantized::linear_dynamic encountered 2" in w for w in mmengine.warnings)


class VmappedEnsemble(nn.Module):
    """Four linear layers 16 -> 32 stacked and run on the same input by torch.vmap, as torch.func's ensembling
    recipe does."""

    def __init__(self, members=4):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(members, 32, 16))
        self.bias = nn.Parameter(torch.randn(members, 32))

    def forward(self, x):
        return torch.vmap(F.linear, in_dims=(None, 0, 0))(x, self.weight, self.bias)


def test_ops_under_vmap_are_counted_on_the_whole_batch():
    # The vmapped function sees one member's 32 x 16 weight; the work is all four. What vmap's batching rule runs is
    # counted: x[8, 16] @ W[4, 16, 32], 4 products of 8 x 16 x 32, then the head, 8 rows of 4 x 32 -> 2.
    model = nn.Sequential(VmappedEnsemble(), nn.Linear(32, 2)).eval()
    x = torch.randn(8, 16)
    result = flopscope.analyze(model, x, ops="default")
    macs = {m["path"]: m["macs"] for m in result.modules}
    assert macs["0"] == 4 * 8 * 16 * 32
    assert macs["1"] == 4 * 8 * 32 * 2
    with FlopCounterMode(display=False) as fcm, torch.no_grad():
        model(x)
    assert result.macs == fcm.get_total_flops() // 2
    # mmengine's op set counts matmul as mmengine does, numel(A) * B[-1]: the batch only W has is not multiplied in.
    mm = {m["path"]: m["macs"] for m in flopscope.analyze(model, x).modules}
    assert mm["0"] == 8 * 16 * 32 and mm["1"] == 4 * 8 * 32 * 2
    # A batch only x has is counted by both: 4 examples of 8 x 16 @ 16 x 32.
    assert flopscope.analyze(PerExample(), torch.randn(4, 8, 16)).flops == 4 * 8 * 16 * 32


class PerExample(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("w", torch.randn(16, 32))

    def forward(self, x):
        return torch.vmap(lambda example: example @ self.w)(x)


def test_einsum_counts_the_products_torch_runs():
    # default counts an einsum as ATen contracts it: pairwise, left to right or in the order of the path argument
    # (what torch.einsum passes when opt_einsum is installed), each contracting pair one bmm. ab,bc,cd,de->ae at
    # 7x3, 3x11, 11x2, 2x13:
    #   left to right: ab,bc->ac 7*3*11, ac,cd->ad 7*11*2, ad,de->ae 7*2*13
    #   path (2,3),(0,1),(0,1): cd,de->ce 11*2*13, ab,bc->ac 7*3*11, ce,ac->ae 7*11*13
    # FlopCounterMode, which counts the bmm the call runs, agrees; mmengine's count is numpy's optimal order (290).
    shapes = [(7, 3), (3, 11), (11, 2), (2, 13)]

    class Chain(nn.Module):
        def __init__(self, path):
            super().__init__()
            self.path = path

        def forward(self, *operands):
            return torch.ops.aten.einsum("ab,bc,cd,de->ae", list(operands), path=self.path)

    operands = tuple(torch.randn(s) for s in shapes)
    for path, expected in ((None, 7 * 3 * 11 + 7 * 11 * 2 + 7 * 2 * 13),
                           ([2, 3, 0, 1, 0, 1], 11 * 2 * 13 + 7 * 3 * 11 + 7 * 11 * 13)):
        assert flopscope.analyze(Chain(path), operands, ops="default").flops == expected
        with FlopCounterMode(display=False) as counter:
            Chain(path)(*operands)
        assert counter.get_total_flops() // 2 == expected
    assert flopscope.analyze(Chain(None), operands, ops="mmengine").flops == 290


def test_a_statically_quantized_convolutional_model():
    # torch.ao's static quantization: each conv runs quantized::conv*(qx, packed weight, ...), the weight packed in
    # an object the call shows no shape for; default counts it by the weight it unpacks to, N x numel(W) x
    # prod(output spatial), as the float model's convolutions (transposed: prod(input spatial)):
    #   conv1d 8 -> 16, k 3, groups 2 on 2 x 8 x 12 (pad 1): 2 x (16 x 4 x 3) x 12
    #   conv2d 4 -> 8, k 3, groups 2 on 2 x 4 x 6 x 6 (pad 1): 2 x (8 x 2 x 3 x 3) x 36
    #   conv_transpose2d 8 -> 4, k 2, stride 2 on 2 x 8 x 6 x 6: 2 x (8 x 4 x 2 x 2) x 36 (output 12 x 12)
    class Convs(nn.Module):
        def __init__(self):
            super().__init__()
            self.quant, self.dequant = torch.ao.quantization.QuantStub(), torch.ao.quantization.DeQuantStub()
            self.temporal = nn.Conv1d(8, 16, 3, padding=1, groups=2)
            self.spatial = nn.Conv2d(4, 8, 3, padding=1, groups=2)
            self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)

        def forward(self, sequence, image):
            t = self.temporal(self.quant(sequence))
            u = self.up(self.spatial(self.quant(image)))
            return self.dequant(t), self.dequant(u)

    model = Convs().eval()
    model.qconfig = torch.ao.quantization.get_default_qconfig("fbgemm")
    model.up.qconfig = torch.ao.quantization.default_qconfig  # per-tensor: fbgemm's transposed conv takes no other
    sequence, image = torch.randn(2, 8, 12), torch.randn(2, 4, 6, 6)
    prepared = torch.ao.quantization.prepare(model)
    prepared(sequence, image)  # calibration
    quantized = torch.ao.quantization.convert(prepared)
    expected = {"temporal": 2 * (16 * 4 * 3) * 12, "spatial": 2 * (8 * 2 * 3 * 3) * 36,
                "up": 2 * (8 * 4 * 2 * 2) * 36}
    result = flopscope.analyze(quantized, (sequence, image), ops="default")
    modules = {m["path"]: m["macs"] for m in result.modules}
    assert {path: modules[path] for path in expected} == expected
    assert result.flops == sum(expected.values())
    # The float model's convolutions, counted as mmengine counts them, are the same work.
    assert flopscope.analyze(model, (sequence, image), ops="default").flops == result.flops
    activations = {m["path"]: m["activations"] for m in result.modules}
    assert activations["temporal"] == 2 * 16 * 12 and activations["up"] == 2 * 4 * 12 * 12


def test_low_precision_products():
    # FP8 and int8 products as torchao's and FP8 models call them, live: _scaled_mm 16x32 @ 32x64, _int_mm
    # 32x32 @ 32x64, _weight_int8pack_mm 16x32 @ (64x32)^T, and _addmm_activation (linear then GELU fused)
    # 16x32 @ 32x64.
    class LowPrecision(nn.Module):
        def forward(self, x):
            one = torch.tensor(1.0)
            fp8 = torch._scaled_mm(x.to(torch.float8_e4m3fn), torch.ones(64, 32).to(torch.float8_e4m3fn).t(), one, one,
                                   out_dtype=torch.float32)
            int8 = torch._int_mm(torch.ones(32, 32, dtype=torch.int8), torch.ones(32, 64, dtype=torch.int8))
            weight_only = torch._weight_int8pack_mm(x, torch.ones(64, 32, dtype=torch.int8), torch.ones(64))
            fused = torch._addmm_activation(torch.zeros(64), x, torch.ones(32, 64), use_gelu=True)
            return fp8, int8, weight_only, fused

    result = flopscope.analyze(LowPrecision(), torch.randn(16, 32), ops="default")
    by_op = {o["op"]: o["macs"] for o in result.to_dict()["operators"]["macs"]}
    assert by_op == {"_scaled_mm": 16 * 32 * 64, "_int_mm": 32 * 32 * 64, "_weight_int8pack_mm": 16 * 32 * 64,
                     "addmm": 16 * 32 * 64}


@pytest.mark.parametrize("options, message", [
    ({"max_depth": -1}, "max_depth must be 0 or more"),
    ({"max_depth": "3"}, "max_depth must be an int \\(32 bits\\), not '3'"),
    ({"max_depth": 1.5}, "max_depth must be an int \\(32 bits\\), not 1.5"),
    ({"max_depth": 2**40}, "max_depth must be an int \\(32 bits\\), not 1099511627776"),
    ({"forwards": 0}, "forwards must be 1 or more"),
    ({"warmup": -1}, "warmup must be 0 or more"),
    ({"ops": 3}, "op_set must be a str, not 3"),
])
def test_options_of_the_wrong_type_or_range_are_invalid_input_naming_them(options, message):
    # Before: a str or a float for an int reached pybind11's "Unable to cast", and a negative depth or no recorded
    # forwards passed unchecked (the command line checked its own options; the library did not).
    with pytest.raises(flopscope.InvalidInput, match=message):
        flopscope.analyze(nn.Linear(4, 4), torch.randn(2, 4), **options)
    with pytest.raises(flopscope.InvalidInput, match="max_depth must be 0 or more"):
        flopscope.analyze(nn.Linear(4, 4), torch.randn(2, 4)).report("table", max_depth=-1)


def test_the_librarys_refusals_name_the_packages_arguments():
    # The library words its refusals in the command line's options; from Python they name analyze's arguments.
    model, x = nn.Linear(4, 4), torch.randn(2, 4)
    with pytest.raises(flopscope.InvalidInput, match=r'formulas\): use ops="default"'):
        flopscope.analyze(model, x, train_step=True)
    with pytest.raises(flopscope.InvalidInput, match='counters=True .*: use them with device="cuda"'):
        flopscope.analyze(model, x, counters=True)
    with pytest.raises(flopscope.InvalidInput, match="chrome_trace=True records the GPU timing pass"):
        flopscope.analyze(model, x, chrome_trace=True)
