"""shape_only=True: the forward on meta tensors, and fake ones where the model reads values (transformers' LLMs),
so that a model too large for memory can be analysed from its configuration. Expected values are written out from
the models' sizes."""
import json

import pytest
import torch
from torch import nn

import flopscope
from hf_zoo import HF_ZOO, TINY_DECODER

SEQ = 32


def tiny_llama(device="cpu"):
    torch.manual_seed(0)
    with torch.device(device):
        model = HF_ZOO["hf_llama_sdpa"][0]().eval()
    del model.forward  # hf_zoo's positional forward: call it with keyword arguments, as its users do
    return model


def by_op(result):
    return {o["op"]: o["macs"] for o in result.to_dict()["operators"]["macs"]}


# The tiny LLaMA (hidden 64, MLP 128, 2 layers, 4 query heads of 16, 2 key/value heads, vocabulary 1000) on 32
# tokens. Per token and layer: q and o 64x64, k and v 64x32, gate, up and down 64x128; the LM head 64x1000.
LINEAR = SEQ * (2 * (2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 128) + 64 * 1000)


def test_a_transformers_llm_runs_on_fake_tensors_with_its_traced_attention():
    model = tiny_llama()
    ids = torch.zeros(1, SEQ, dtype=torch.long)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = flopscope.analyze(model, {"input_ids": ids}, ops="default", shape_only=True)
    assert by_op(result)["linear"] == LINEAR
    # On fake tensors transformers builds its causal mask as a tensor (as under torch.export), so SDPA gets
    # attn_mask and counts all 32 x 32 (query, key) pairs: 2 layers x 4 heads x 32 x 32 x (16 + 16).
    assert by_op(result)["scaled_dot_product_attention"] == 2 * 4 * SEQ * SEQ * (16 + 16)
    assert any("fake tensors" in w and "every (query, key) pair" in w for w in result.warnings)
    assert any("fake tensors" in w for w in result.to_dict()["warnings"])
    assert result.to_dict()["device"] == "meta"
    # The real forward passes is_causal=True instead: 32 x 33 / 2 pairs, the rest equal.
    real = flopscope.analyze(model, {"input_ids": ids}, ops="default")
    assert by_op(real)["scaled_dot_product_attention"] == 2 * 4 * (SEQ * (SEQ + 1) // 2) * (16 + 16)
    assert by_op(real)["linear"] == LINEAR
    assert not any("fake tensors" in w for w in real.warnings)
    after = model.state_dict()
    assert all(after[k].device.type == "cpu" and torch.equal(after[k], v) for k, v in before.items())


def test_a_model_built_on_the_meta_device():
    # How a model too large for memory is analysed: built under torch.device("meta"), no weights anywhere.
    model = tiny_llama("meta")
    result = flopscope.analyze(model, {"input_ids": torch.zeros(1, SEQ, dtype=torch.long)}, ops="default",
                               shape_only=True)
    assert by_op(result)["linear"] == LINEAR
    params = {m["path"]: m["parameters"] for m in result.modules}
    # Embedding and LM head 1000x64 each; per layer q, o 64x64, k, v 64x32, MLP 3 x 64x128, two RMSNorms of 64;
    # the final norm 64.
    assert params[""] == 2 * 1000 * 64 + 2 * (2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 128 + 2 * 64) + 64
    assert TINY_DECODER["num_hidden_layers"] == 2


def test_a_model_that_reads_values_fails_with_both_reasons():
    class Gate(nn.Module):
        def forward(self, x):
            return x * 2 if x.sum() > 0 else x  # reads a value: no meta tensor or fake tensor can answer

    with pytest.raises(Exception) as failure:
        flopscope.analyze(Gate(), torch.ones(3), shape_only=True)
    notes = getattr(failure.value, "__notes__", [])
    assert any("aten::is_nonzero needs tensor values" in n for n in notes), notes
    assert any("on fake tensors (FakeTensorMode) it failed too" in n for n in notes), notes


def test_a_list_of_the_values_is_refused_with_both_reasons():
    # Qwen2-VL reads its image grid as grid_thw.tolist(): values no meta tensor or fake tensor has.
    class Grid(nn.Module):
        def forward(self, grid):
            t, h, w = grid[0].tolist()
            return torch.zeros(t * h * w)

    with pytest.raises(Exception) as failure:
        flopscope.analyze(Grid(), torch.tensor([[1, 4, 4]]), shape_only=True)
    notes = getattr(failure.value, "__notes__", [])
    assert any("copies a tensor off the meta device and so needs tensor values" in n for n in notes), notes
    assert any("on fake tensors (FakeTensorMode) it failed too" in n for n in notes), notes


def test_convolutions_count_in_the_mmengine_op_set():
    # torch's Python meta kernel answers aten::convolution without calling aten::_convolution, the op mmengine
    # counts: N x numel(W) x prod(output spatial) = 2 x (8 x 3 x 3 x 3) x (6 x 5).
    model, x = nn.Conv2d(3, 8, 3, padding=1), torch.randn(2, 3, 6, 5)
    result = flopscope.analyze(model, x, shape_only=True)
    assert result.flops == 2 * (8 * 3 * 3 * 3) * (6 * 5)
    assert result.activations == 2 * 8 * 6 * 5
    assert not result.to_dict()["unsupported"]["macs"]


def test_identical_layers_on_fake_tensors_each_count():
    # Two depthwise conv1d on inputs of the same shapes, in a forward that only fake tensors get through (it reads a
    # value unless it is traced), as RecurrentGemma's and Falcon-H1's temporal blocks run. FakeTensorMode's cache,
    # shared by every mode, would answer the second conv1d (and, on a second analysis, the first) without running
    # the aten::convolution the formula is on. Each: N x numel(W) x L_out = 1 x (64 x 1 x 4) x (32 + 2 x 3 - 4 + 1).
    class Temporal(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = (nn.Conv1d(64, 64, 4, groups=64, padding=3) for _ in range(2))

        def forward(self, x):
            if not isinstance(x, torch._subclasses.fake_tensor.FakeTensor):
                bool(x.sum().isfinite())  # reads a value: meta tensors cannot answer
            return self.a(x.transpose(1, 2)) + self.b(x.transpose(1, 2))

    model, x = Temporal().eval(), torch.randn(1, 32, 64)
    # Another FakeTensorMode in the process (torch.export's, say) has met these calls before: the cache is shared.
    other = torch._subclasses.fake_tensor.FakeTensorMode()
    state = {k: other.from_tensor(torch.empty_like(v, device="meta")) for k, v in model.a.state_dict().items()}
    seen = other.from_tensor(torch.empty_like(x, device="meta")).transpose(1, 2)
    with other, torch._C._AutoDispatchBelowAutograd():
        torch.func.functional_call(model.a, state, (seen,))
    one = 64 * 4 * 35
    for _ in range(2):
        result = flopscope.analyze(model, x, shape_only=True)
        assert any("fake tensors" in w for w in result.warnings)
        assert {m["path"]: m["macs"] for m in result.modules} == {"": 2 * one, "a": one, "b": one}


@pytest.mark.parametrize("ops", ["mmengine", "default", "all"])
def test_identical_layers_on_fake_tensors_each_count_in_every_op_set(ops):
    # The fake tensors' cache answers repeated calls of an op whole unless counting looks inside it. Here: two
    # identical linear layers (a formula of their own in every set: the cache may answer the second) and two
    # identical conv1d, which default and all count where called (the cache may answer them) and mmengine by the
    # convolution inside (it must not). Linear: N x in x out = (2 x 8) x 16 x 16, activations 2 x 8 x 16.
    # Conv1d: 1 x (16 x 1 x 3) x (8 + 2 - 3 + 1), activations 16 x 8.
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = (nn.Linear(16, 16) for _ in range(2))
            self.conv1, self.conv2 = (nn.Conv1d(16, 16, 3, groups=16, padding=1) for _ in range(2))

        def forward(self, x):
            if not isinstance(x, torch._subclasses.fake_tensor.FakeTensor):
                bool(x.sum().isfinite())  # reads a value: meta tensors cannot answer
            y = self.fc2(self.fc1(x))
            return self.conv2(self.conv1(y[:1].transpose(1, 2)))

    linear, conv = 2 * 8 * 16 * 16, 1 * (16 * 1 * 3) * 8
    for _ in range(2):  # the second analysis meets every call in the cache
        result = flopscope.analyze(Block().eval(), torch.randn(2, 8, 16), ops=ops, shape_only=True)
        assert any("fake tensors" in w for w in result.warnings)
        modules = {m["path"]: (m["macs"], m["activations"]) for m in result.modules}
        assert modules["fc1"] == modules["fc2"] == (linear, 2 * 8 * 16)
        assert modules["conv1"] == modules["conv2"] == (conv, 16 * 8)


def test_tensors_a_fake_forward_makes_from_data_and_holds_unregistered():
    # transformers' KV cache starts each layer from torch.tensor([], device=keys.device) (T5Gemma makes one even
    # with use_cache off), which on a fake tensor's meta device gives a plain meta tensor, not a fake one; a tensor
    # kept as a plain attribute (no buffer) stays a real one. FakeTensorMode refused both; it now takes them in.
    class Cached(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj, self.scale = nn.Linear(8, 16), torch.tensor(0.5)

        def forward(self, x):
            if not isinstance(x, torch._subclasses.fake_tensor.FakeTensor):
                bool(x.sum().isfinite())  # reads a value: meta tensors cannot answer
            past = torch.tensor([], device=x.device).view(0, 8)
            return self.proj(torch.cat([past, x]) * self.scale)

    result = flopscope.analyze(Cached().eval(), torch.randn(4, 8), shape_only=True)
    assert any("fake tensors" in w for w in result.warnings)
    assert result.flops == 4 * 8 * 16  # 4 rows through an 8 -> 16 linear


def test_tied_weights():
    class TiedLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(50, 16)
            self.head = nn.Linear(16, 50, bias=False)
            self.head.weight = self.embed.weight

        def forward(self, ids):
            return self.head(self.embed(ids))

    model, ids = TiedLM(), torch.zeros(2, 7, dtype=torch.long)
    result = flopscope.analyze(model, ids, shape_only=True)
    assert result.flops == 2 * 7 * 16 * 50
    assert result.params == 50 * 16
    assert json.loads(result.to_json())["device"] == "meta"
    assert model.head.weight is model.embed.weight


def test_a_mixture_of_experts_in_bf16():
    # Mixtral's experts run aten._grouped_mm, whose meta kernel takes bf16 only (fp32 is refused: test_zoo_parity).
    # In bf16, as MoE models ship, the experts count as on a real forward: each of 32 tokens goes to 2 of 4 experts
    # in each of 2 layers, 64x256 (gate and up together) and 128x64 (down) per token and expert.
    torch.manual_seed(0)
    model = HF_ZOO["hf_mixtral"][0]().eval().to(torch.bfloat16)
    del model.forward
    result = flopscope.analyze(model, {"input_ids": torch.zeros(1, SEQ, dtype=torch.long)}, ops="default",
                               shape_only=True)
    assert by_op(result)["_grouped_mm"] == 2 * SEQ * 2 * (64 * 256 + 128 * 64)
    # Per token and layer: q and o 64x64, k and v 64x32, the router 64x4; the LM head 64x1000.
    assert by_op(result)["linear"] == SEQ * (2 * (2 * 64 * 64 + 2 * 64 * 32 + 64 * 4) + 64 * 1000)


def test_a_float32_mixture_of_experts_is_told_what_to_do():
    # OLMoE's forward reads no values, so its meta forward is the one that fails, in _grouped_mm's meta kernel;
    # the error says what would work (Mixtral's fails on meta and on fake tensors: test_zoo_parity).
    transformers = pytest.importorskip("transformers")
    config = transformers.OlmoeConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                      num_key_value_heads=1, intermediate_size=64, vocab_size=97, num_experts=4,
                                      num_experts_per_tok=2)
    torch.manual_seed(0)
    model = transformers.OlmoeForCausalLM(config).eval()
    ids = torch.randint(0, 97, (1, 8))
    with pytest.raises(RuntimeError, match="Expected inputs of BF16 type") as failure:
        flopscope.analyze(model, {"input_ids": ids}, shape_only=True)
    assert any("model.to(torch.bfloat16)" in n for n in getattr(failure.value, "__notes__", [])), failure.value
    # As the note says: the same model in bfloat16 runs shape-only, and its experts count as on a real forward.
    real = flopscope.analyze(model, {"input_ids": ids}, ops="default")
    model.to(torch.bfloat16)
    shape_only = flopscope.analyze(model, {"input_ids": ids}, ops="default", shape_only=True)
    # 8 tokens, each to 2 experts: gate and up 32x64 each, down 64x32.
    assert by_op(shape_only)["_grouped_mm"] == by_op(real)["_grouped_mm"] == 8 * 2 * (32 * 64 * 2 + 64 * 32)


def test_a_model_on_meta_runs_shape_only_without_being_asked(zoo_dir):
    # Built on meta, given a CPU tensor: the only forward it can run is shape-only. Both doors give mmengine's
    # numbers for the real model (make_reference.py's reference, per module).
    import torchvision

    with open(f"{zoo_dir}/resnet18.json") as f:
        ref = json.load(f)["mmengine"]
    with torch.device("meta"):
        model = torchvision.models.resnet18().eval()
    result = flopscope.analyze(model, torch.randn(1, 3, 224, 224))
    assert result.to_dict()["device"] == "meta"
    assert {m["path"]: m["macs"] for m in result.modules if m["path"] in ref["flops"]} == ref["flops"]
    info = flopscope.get_model_complexity_info(model, input_shape=(3, 224, 224), show_table=False, show_arch=False)
    assert info["flops"] == ref["total_flops"]
    assert all(p.is_meta for p in model.parameters())
