"""A training step (analyze(..., train_step=True), `flopscope analyze --train-step`): each module's backward MACs,
placed by autograd, checked by arithmetic written out here (first layer, frozen layer, causal attention, a
transformer block's exact total) and against torch's FlopCounterMode on the same step (halved to MACs) for the
families it counts; the model's parameters, buffers and gradients exactly as before."""
import json
import os
import subprocess
import sys

import pytest
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode

import flopscope
from zoo import MODELS, make_inputs

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def by_path(result, field):
    return {m["path"]: m[field] for m in result.modules}


def mlp(frozen_middle):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 9), nn.ReLU(), nn.Linear(9, 7), nn.ReLU(), nn.Linear(7, 4))
    if frozen_middle:
        model[2].requires_grad_(False)
    return model


def test_inference_mode_inputs_and_inference_mode_itself():
    # An input made under torch.inference_mode() cannot be saved for a backward: the step runs on a copy of it, and
    # counts what it counts from a normal tensor (3 rows through 6x9, 9x7, 7x4: the forward 3 x 153 MACs). A step
    # inside inference mode cannot run at all, and is refused saying so.
    model = mlp(frozen_middle=False)
    with torch.inference_mode():
        x = torch.randn(3, 6)
    result = flopscope.analyze(model, (x,), ops="default", train_step=True)
    assert result.flops == 3 * (6 * 9 + 9 * 7 + 7 * 4)
    # the first layer's weight gradient only (it reads the input); the others' input and weight gradients
    assert by_path(result, "backward_macs")[""] == 3 * 6 * 9 + 2 * 3 * (9 * 7 + 7 * 4)
    assert x.is_inference()  # the caller's tensor, as it was
    # A forward of the eval-mode model (no autograd graph: nothing saved) takes the tensor itself; inference
    # tensors keep no version, so the in-place-write check leaves them out rather than fail.
    forward = flopscope.analyze(model.eval(), (x,))
    assert forward.flops == 3 * (6 * 9 + 9 * 7 + 7 * 4)
    with torch.inference_mode(), pytest.raises(flopscope.InvalidInput, match="inference mode"):
        flopscope.analyze(model, (torch.randn(3, 6),), ops="default", train_step=True)


def test_first_layer_and_frozen_layer():
    x = torch.randn(5, 6)
    result = flopscope.analyze(mlp(frozen_middle=True), x, ops="default", train_step=True)
    fwd, bwd = by_path(result, "macs"), by_path(result, "backward_macs")
    assert fwd[""] == 5 * (6 * 9 + 9 * 7 + 7 * 4)
    assert bwd["4"] == 5 * 7 * 4 + 5 * 7 * 4  # input and weight gradients
    assert bwd["2"] == 5 * 9 * 7              # frozen: the input gradient only (layer 0's weights need it)
    assert bwd["0"] == 5 * 6 * 9              # the model's input needs no gradient: the weight's only
    assert bwd[""] == bwd["0"] + bwd["2"] + bwd["4"]
    report = json.loads(result.to_json())
    assert report["train_step"]["step_macs"] == fwd[""] + bwd[""]
    assert report["train_step"]["step_flops"] == 2 * (fwd[""] + bwd[""])
    jsonschema = pytest.importorskip("jsonschema")
    with open(os.path.join(REPO, "docs", "report.schema.json")) as f:
        jsonschema.validate(report, json.load(f))
    # 725 forward + (280 + 315 + 270) = 865 backward = 1590 MACs, in mmengine's size format.
    # Saved for the backward (float32): ReLU 1 keeps its result (5 x 9), which layer 0's gradient needs; ReLU 3
    # keeps its result (5 x 7), which layer 4's weight gradient reads too. The frozen layer 2 needs no input saved;
    # the layers' outputs are freed; layer 4's is the model's output. 180 + 140 = 320 bytes.
    assert result.report("summary").endswith(
        "Backward Flops:0.865K\nStep Flops:1.59K\nSaved Activations:0.32KB\n")
    saved = by_path(result, "saved_activation_bytes")
    assert (saved["0"], saved["1"], saved["2"], saved["3"], saved["4"], saved[""]) == (0, 180, 0, 140, 0, 320)


class Attention(nn.Module):
    def __init__(self, dim=24, heads=3, causal=False):
        super().__init__()
        self.heads, self.causal = heads, causal
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in self.qkv(x).split(c, 2))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        return self.out(y.transpose(1, 2).reshape(b, t, c))


@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
def test_attention_backward(causal):
    torch.manual_seed(0)
    result = flopscope.analyze(Attention(causal=causal), torch.randn(2, 7, 24), ops="default", train_step=True)
    root = {o["op"]: o["macs"] for o in result.modules[0]["backward_macs_by_op"]}
    # 2 batches x 3 heads, head size 8, 7 tokens: 49 (query, key) pairs, or 1 + 2 + ... + 7 = 28 with a causal mask.
    pairs = 28 if causal else 49
    assert root["scaled_dot_product_attention_backward"] == 2 * 3 * pairs * (3 * 8 + 2 * 8)
    forward = {o["op"]: o["macs"] for o in result.modules[0]["macs_by_op"]}
    assert forward["scaled_dot_product_attention"] == 2 * 3 * pairs * (8 + 8)


class Block(nn.Module):
    """qkv projection, attention, output projection and a 4x MLP, no residual: every matmul of a transformer
    block, each once."""

    def __init__(self, d, heads):
        super().__init__()
        self.attn = Attention(d, heads)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(self.attn(x))))


def test_transformer_block_is_close_to_three_forwards():
    b, t, d, h = 2, 16, 32, 4
    torch.manual_seed(0)
    result = flopscope.analyze(Block(d, h), torch.randn(b, t, d), ops="default", train_step=True)
    rows, head = b * t, d // h
    attention = b * h * t * t * (head + head)
    forward = rows * (d * 3 * d + d * d + d * 4 * d + 4 * d * d) + attention
    # Backward: every projection twice (input and weight gradients) but qkv, whose input is the model's (its
    # weight gradient only); attention 3E + 2Ev per pair, 5/2 of its forward.
    backward = rows * (d * 3 * d + 2 * d * d + 2 * d * 4 * d + 2 * 4 * d * d) + b * h * t * t * (3 * head + 2 * head)
    assert result.macs == forward == 2 * 16 * (12 * 32 * 32) + 2 * 4 * 16 * 16 * 16
    assert json.loads(result.to_json())["train_step"]["backward_macs"] == backward
    # Projections: 3 forwards each but qkv's 2 (21 of 24 d*d units of backward against 12 of forward); attention:
    # 1 + 5/2. The step: 1196032 MACs, 2.81 forwards.
    assert forward + backward == 32 * (12 + 21) * 32 * 32 + 2 * 4 * 16 * 16 * (16 + 40) == 1196032
    assert (forward + backward) / forward == pytest.approx(2.81, abs=0.005)


FCM_FAMILIES = {"conv", "linear", "matmul", "mm", "addmm", "bmm", "baddbmm", "conv_backward"}


def fcm_step(model, inputs):
    with FlopCounterMode(display=False) as counter:
        out = model(**inputs) if isinstance(inputs, dict) else model(*inputs)
        tensors = [t for t in torch.utils._pytree.tree_leaves(out)
                   if isinstance(t, torch.Tensor) and t.is_floating_point() and t.requires_grad]
        scalars = [t for t in tensors if t.dim() == 0]
        (scalars[0] if scalars else sum(t.sum() for t in tensors)).backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() // 2, {str(k) for k in counter.get_flop_counts()["Global"]}


def zoo_model(name):
    """A zoo model in eval mode and its inputs, Hugging Face models called with keyword arguments."""
    torch.manual_seed(0)
    factory, described = MODELS[name]
    model = factory().eval()
    inputs = make_inputs(name)
    if "forward" in vars(model):
        del model.forward
        inputs = dict(zip([arg for arg, _, _ in described], inputs))
    return model, inputs


def step_macs_fcm_counts(model, inputs):
    """flopscope's step MACs in the families FlopCounterMode counts (model: a module or an ExportedProgram)."""
    result = json.loads(flopscope.analyze(model, inputs, ops="default", train_step=True).to_json())
    return sum(o["macs"] for o in result["operators"]["macs"] + result["train_step"]["operators"]
               if o["op"] in FCM_FAMILIES)


@pytest.mark.parametrize("name", ["resnet18", "transformer_encoder", "tiny_gpt", "hf_bert", "timm_vit_tiny"])
def test_step_equals_flop_counter_mode(name):
    model, inputs = zoo_model(name)
    ours = step_macs_fcm_counts(model, inputs)
    theirs, ops = fcm_step(model, inputs)
    # FlopCounterMode counts no CPU attention kernel (_scaled_dot_product_flash_attention_for_cpu and its
    # backward): the matmul and convolution families are compared, attention has its own arithmetic above.
    assert not any("attention" in op for op in ops)
    assert ours == theirs


@pytest.mark.parametrize("name", ["resnet18", "tiny_gpt", "hf_bert"])
def test_exported_step_equals_flop_counter_mode(name):
    # The same step through torch.export: the graph's ops run with autograd on, against FlopCounterMode's count of
    # the eager model's step (the matmul and convolution families, as above).
    model, inputs = zoo_model(name)
    args, kwargs = ((), inputs) if isinstance(inputs, dict) else (tuple(inputs), {})
    assert step_macs_fcm_counts(torch.export.export(model, args, kwargs), inputs) == fcm_step(model, inputs)[0]


def saved_by_autograd(model, inputs):
    """The bytes of the tensors autograd saves in one step's forward, by torch's own saved-tensor hooks: each
    storage once, leaving out what existed before the forward (parameters, buffers, inputs) and its outputs."""
    before = {t.untyped_storage().data_ptr() for t in list(model.parameters()) + list(model.buffers())}
    before |= {t.untyped_storage().data_ptr() for t in (inputs.values() if isinstance(inputs, dict) else [inputs])}
    saved = {}

    def pack(t):
        storage = t.untyped_storage()
        saved[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(**inputs) if isinstance(inputs, dict) else model(inputs)
    outputs = [out] if isinstance(out, torch.Tensor) else [v for v in out.values() if isinstance(v, torch.Tensor)]
    for o in outputs:
        before.add(o.untyped_storage().data_ptr())
    return sum(n for ptr, n in saved.items() if ptr not in before and ptr != 0)


@pytest.mark.parametrize("name", ["resnet18", "tiny_gpt"])
def test_saved_activations_equal_autograds_saved_tensors(name):
    # What the step's forward still holds when it ends is what autograd saved: the whole model's bytes equal the
    # storages torch's saved-tensor hooks see (each once), on a convolutional network and a GPT.
    torch.manual_seed(0)
    factory, _ = MODELS[name]
    model = factory().train()
    x = make_inputs(name)[0]
    report = json.loads(flopscope.analyze(model, x, ops="default", train_step=True).to_json())
    expected = saved_by_autograd(model, x)
    assert expected > 0
    assert report["train_step"]["saved_activation_bytes"] == expected
    assert report["modules"][0]["saved_activation_bytes"] == expected


def test_saved_activations_leave_stderr_alone():
    # While flopscope listens to the allocator, torch's CPU allocator would log "Memory block of unknown size was
    # allocated before the profiling started" for a tensor the model frees that existed before the forward (the
    # first of each thousand, counted per process: hence a fresh one). What the model keeps counts as held.
    script = """
import sys, torch, flopscope
from torch import nn
class Cache(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer, self.cache = nn.Linear(4, 4), torch.randn(1000)
    def forward(self, x):
        self.cache = x * 2  # the old cache, made before the forward, is freed here
        return self.layer(x)
r = flopscope.analyze(Cache(), torch.randn(2, 4), ops="default", train_step=True)
print(r.modules[0]["saved_activation_bytes"])
"""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in [os.environ.get("FLOPSCOPE_PACKAGE_DIR")] if p))
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(2 * 4 * 4)  # the new cache; the linear's input is the model's own
    assert "Memory block" not in run.stderr and "profil" not in run.stderr, run.stderr


class PoolResampleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.grid = nn.Parameter(torch.rand(2, 5, 6, 2) * 2 - 1)

    def forward(self, x):
        y = F.max_pool2d(F.relu(self.conv(x)), 2)
        y = F.interpolate(F.adaptive_avg_pool2d(y, 3), scale_factor=2, mode="bilinear", align_corners=False)
        return F.grid_sample(F.softmax(y, dim=-1), self.grid, align_corners=False)


def test_pooling_resampling_and_elementwise_backward():
    # x [2,3,10,10] -> conv 3->4 3x3 pad 1 [2,4,10,10] -> relu -> max pool 2 [2,4,5,5] -> adaptive avg pool 3
    # [2,4,3,3] -> bilinear x2 [2,4,6,6] -> softmax -> grid_sample on a [2,5,6,2] grid [2,4,5,6]. The backward, op by
    # op (src/count/pool.cpp, resample.cpp, elementwise.cpp):
    torch.manual_seed(0)
    expected_default = {
        "grid_sampler_backward": (4 + 8) * 2 * 4 * 5 * 6,   # input and grid gradients per output gradient element
        "upsample_backward": 4 * 2 * 4 * 6 * 6,             # bilinear: four taps per output gradient element
        "adaptive_avg_pool_backward": 2 * 4 * 5 * 5,        # one per input element
        "conv_backward": 2 * 4 * 10 * 10 * 3 * 3 * 3,       # the weight's gradient only: x is the model's input
    }
    expected_all = dict(expected_default, **{
        "softmax_backward": 4 * 2 * 4 * 6 * 6,              # y*g, row sum, subtract, scale
        "max_pool_backward": 2 * 4 * 5 * 5,                 # one add per output gradient, at its argmax
        "activation_backward": 2 * 4 * 10 * 10,             # relu's threshold_backward
    })
    for ops, expected in [("default", expected_default), ("all", expected_all)]:
        step = json.loads(flopscope.analyze(PoolResampleNet(), torch.randn(2, 3, 10, 10), ops=ops,
                                            train_step=True).to_json())["train_step"]
        assert {o["op"]: o["macs"] for o in step["operators"]} == expected, ops
        unsupported = {u["op"] for u in step["unsupported"]}
        assert unsupported == (set() if ops == "all" else
                               {"aten::_softmax_backward_data", "aten::max_pool2d_with_indices_backward",
                                "aten::threshold_backward"})


class Indexing(nn.Module):
    # The selections a decoder's backward goes through: rotate_half's slices and a row's select, a top-k router's
    # values and its gathered weights, an embedding-style index_select and advanced indexing of expert rows.
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(6, 10))

    def forward(self, idx):
        w = self.w * 1.0                                       # 60 multiplies, and their backward's 60
        halves = torch.cat([-w[:, 5:], w[:, :5]], dim=-1)      # slice_backward x2; neg: 30 and 30 back
        values, picked = torch.topk(w, 3, dim=-1)              # value_selecting_reduction_backward
        gathered = torch.gather(w, 1, idx)                     # gather_backward: 6 x 4 added back
        rows = w.index_select(0, torch.tensor([0, 2, 2]))      # index_select_backward: 3 x 10 added back
        experts = w[torch.tensor([1, 1, 4, 5, 0])]             # _index_put_impl_, accumulating: 5 x 10
        return (halves.sum() + w[3].sum() + w.diagonal().sum() + values.sum() + gathered.sum() + rows.sum()
                + experts.sum())


def test_the_backward_of_selections_and_indexing():
    # Under all, every selection's backward is either a copy into zeros (slice, select, diagonal, top-k values: no
    # arithmetic, nothing unsupported) or adds the gradient back where it was read from: scatter_add for gather
    # (numel(index)), index_add for index_select (numel(grad)), index_put with accumulate for indexing (numel(grad)).
    step = json.loads(flopscope.analyze(Indexing(), torch.randint(0, 10, (6, 4)), ops="all",
                                        train_step=True).to_json())["train_step"]
    assert not step["unsupported"], step["unsupported"]
    operators = {o["op"]: o["macs"] for o in step["operators"]}
    assert operators["gather_backward"] == 6 * 4
    assert operators["index_select_backward"] == 3 * 10
    assert operators["index_put"] == 5 * 10
    # In default (which counts neither scatter_add nor index_add, nor elementwise arithmetic), the three that add
    # are named with the arithmetic; the copies are not.
    step = json.loads(flopscope.analyze(Indexing(), torch.randint(0, 10, (6, 4)), ops="default",
                                        train_step=True).to_json())["train_step"]
    assert {u["op"] for u in step["unsupported"]} == {"aten::gather_backward", "aten::index_select_backward",
                                                      "aten::_index_put_impl_", "aten::mul", "aten::neg",
                                                      "aten::add_"}


class AudioFrontEnd(nn.Module):
    # What a speech or codec model's step goes through (wav2vec2's weight-normed positional convolution, EnCodec's
    # and HiFi-GAN's reflection padding, a masked-time embedding written over some frames).
    def __init__(self):
        super().__init__()
        self.conv = nn.utils.parametrizations.weight_norm(nn.Conv1d(4, 6, 3))  # dim 0: the fused weight norm
        self.reflect = nn.ReflectionPad1d(2)
        self.replicate = nn.ReplicationPad1d(1)
        self.masked_embed = nn.Parameter(torch.randn(6))

    def forward(self, x):
        h = self.replicate(self.reflect(self.conv(x)))  # [2, 6, 8] -> [2, 6, 12] -> [2, 6, 14]
        h = h.transpose(1, 2).clone()
        mask = torch.zeros(2, 14, dtype=torch.bool)
        mask[:, :3] = True
        h[mask] = self.masked_embed  # index_put_; its backward puts zeros where the embedding was written
        return h


def test_the_backward_of_padding_weight_norm_and_masked_assignment():
    step = json.loads(flopscope.analyze(AudioFrontEnd(), torch.randn(2, 4, 10), ops="all",
                                        train_step=True).to_json())["train_step"]
    assert not step["unsupported"], step["unsupported"]
    operators = {o["op"]: o["macs"] for o in step["operators"]}
    # Each output gradient added back into the element it was copied from: replication's [2, 6, 14], then
    # reflection's [2, 6, 12].
    assert operators["pad_backward"] == 2 * 6 * 14 + 2 * 6 * 12
    # v [6, 4, 3]: per output channel the dot product of grad_w and v, then grad_v, one per element each.
    assert operators["weight_norm_backward"] == 2 * (6 * 4 * 3)
    assert operators["index_put"] == 0  # zeros put into the gradient: a copy
    step = json.loads(flopscope.analyze(AudioFrontEnd(), torch.randn(2, 4, 10), ops="default",
                                        train_step=True).to_json())["train_step"]
    assert {"aten::reflection_pad1d_backward", "aten::replication_pad1d_backward",
            "aten::_weight_norm_interface_backward", "aten::index_put"} <= {u["op"] for u in step["unsupported"]}


class Activations(nn.Module):
    # The activations whose backward a step runs as one op of its own, and Llava's image features scattered into the
    # text's embeddings (masked_scatter, whose backward selects the gradient's masked elements: no arithmetic).
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 6))
        self.prelu = nn.PReLU(6)
        self.features = nn.Parameter(torch.randn(5))

    def forward(self):
        w = self.w
        mask = torch.zeros(4, 6, dtype=torch.bool)
        mask[0, :5] = True
        scattered = torch.zeros(4, 6).masked_scatter(mask, self.features)
        return (F.logsigmoid(w), F.glu(w, dim=-1), F.hardshrink(w), F.softshrink(w), torch.logit(w.sigmoid()),
                self.prelu(w), scattered)


def test_the_backward_of_activations_with_backward_ops_of_their_own():
    torch.manual_seed(0)
    step = json.loads(flopscope.analyze(Activations(), (), ops="all", train_step=True).to_json())["train_step"]
    assert not step["unsupported"], step["unsupported"]
    operators = {o["op"]: o["macs"] for o in step["operators"]}
    # One per gradient element for log_sigmoid, hardshrink, softshrink, logit (and sigmoid's), 4 x 6 each; glu's one
    # per element of its input's gradient (4 x 6); PReLU's 3 per element (input gradient, x * grad, channel sum).
    assert operators["activation_backward"] == 5 * (4 * 6) + 4 * 6 + 3 * (4 * 6)


class BoxHead(nn.Module):
    # A two-stage detector's box head in small: features, RoIAlign of each box to 7x7 with 2x2 samples, a linear.
    def __init__(self):
        super().__init__()
        self.features = nn.Conv2d(3, 8, 3, padding=1)
        self.head = nn.Linear(8 * 7 * 7, 4)

    def forward(self, x, boxes):
        import torchvision
        pooled = torchvision.ops.roi_align(self.features(x), boxes, output_size=7, spatial_scale=1.0,
                                           sampling_ratio=2, aligned=True)
        return self.head(pooled.flatten(1))


def test_roi_align_and_its_backward_under_all():
    boxes = torch.tensor([[0, 1.0, 1.0, 9.0, 12.0], [0, 4.0, 0.0, 15.0, 7.0], [1, 0.0, 0.0, 16.0, 16.0]])
    step = json.loads(flopscope.analyze(BoxHead(), (torch.randn(2, 3, 16, 16), boxes), ops="all",
                                        train_step=True).to_json())
    assert not step["unsupported"]["macs"] and not step["train_step"]["unsupported"], step["train_step"]["unsupported"]
    forward = {o["op"]: o["macs"] for o in step["operators"]["macs"]}
    backward = {o["op"]: o["macs"] for o in step["train_step"]["operators"]}
    # 3 boxes x 8 channels x 7 x 7 outputs, each the mean of 2 x 2 bilinear samples (4 taps each); the backward
    # spreads each gradient element back over the same taps.
    assert forward["roi_align"] == 3 * 8 * 7 * 7 * (4 * 2 * 2 + 1)
    assert backward["roi_align_backward"] == 3 * 8 * 7 * 7 * (4 * 2 * 2 + 1)


def small_step_models():
    import transformers
    small = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, vocab_size=97)
    moe = dict(small, num_key_value_heads=1, num_experts_per_tok=2)
    return {
        "llama": lambda: transformers.LlamaForCausalLM(transformers.LlamaConfig(**small, num_key_value_heads=1)),
        "mixtral": lambda: transformers.MixtralForCausalLM(transformers.MixtralConfig(**moe, num_local_experts=4)),
        "deberta-v2": lambda: transformers.DebertaV2ForSequenceClassification(transformers.DebertaV2Config(
            **small, relative_attention=True, pos_att_type=["c2p", "p2c"], max_relative_positions=16)),
        "deepseek-v3": lambda: transformers.DeepseekV3ForCausalLM(transformers.DeepseekV3Config(
            **dict(small, num_key_value_heads=2), n_routed_experts=4, num_experts_per_tok=2, moe_intermediate_size=16,
            q_lora_rank=16, kv_lora_rank=16, qk_rope_head_dim=8, qk_nope_head_dim=8, v_head_dim=8,
            first_k_dense_replace=0, n_group=1, topk_group=1)),
        "gpt-oss": lambda: transformers.GptOssForCausalLM(transformers.GptOssConfig(**moe, num_local_experts=4,
                                                                                    head_dim=16)),
    }


@pytest.mark.parametrize("family", ["llama", "mixtral", "deberta-v2", "deepseek-v3", "gpt-oss"])
def test_decoder_moe_and_relative_attention_steps_leave_nothing_unsupported(family):
    # A Llama step (rotate_half's slices), MoE steps (the router's top-k values, expert rows by index, masks combined
    # in place, DeepSeek's grouped routing) and a DeBERTa-v2 step (relative positions gathered): under all, every op
    # of the backward has a formula or does no arithmetic.
    import transformers
    transformers.logging.set_verbosity_error()
    torch.manual_seed(0)
    model = small_step_models()[family]()
    ids = torch.randint(1, 97, (2, 8))
    labels = torch.tensor([0, 1]) if family == "deberta-v2" else ids
    result = json.loads(flopscope.analyze(model, {"input_ids": ids, "labels": labels}, ops="all",
                                          train_step=True).to_json())
    assert not result["unsupported"]["macs"] and not result["train_step"]["unsupported"], (
        result["unsupported"]["macs"], result["train_step"]["unsupported"])


def test_the_loss_is_not_the_models():
    # flopscope's loss (the sum of the outputs) and autograd's seed gradient run in the step but are no module's work:
    # under the all op set (which counts sums) the forward holds the model's own ops only, and neither is reported
    # as an unsupported op.
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 9), nn.ReLU())
    report = json.loads(flopscope.analyze(model, torch.randn(5, 6), ops="all", train_step=True).to_json())
    assert {o["op"]: o["macs"] for o in report["operators"]["macs"]} == {"linear": 5 * 6 * 9, "relu": 5 * 9}
    assert report["unsupported"]["macs"] == []
    assert report["totals"]["macs"] == 5 * 6 * 9 + 5 * 9


class StraightMatmul(torch.autograd.Function):
    # A custom autograd function, as fused kernels, straight-through estimators and LoRA layers write them.
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x @ w.t()

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        return grad @ w, grad.t() @ x


class CustomLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(8, 6))

    def forward(self, x):
        return StraightMatmul.apply(x, self.w)


def test_a_custom_autograd_functions_backward_goes_to_the_module_that_called_it():
    # The function's call is no ATen op (torch records it under the class's name, with its node's number): its
    # backward went to the root, before. x (5 x 6) requires grad, so the layer's backward is both products:
    # 5 x 8 x 6 for the input's gradient and 8 x 5 x 6 for the weight's. The head's: 5 x 4 x 8 and 4 x 5 x 8.
    model = nn.Sequential(CustomLayer(), nn.Linear(8, 4))
    step = flopscope.analyze(model, torch.randn(5, 6, requires_grad=True), ops="default", train_step=True)
    assert by_path(step, "macs") == {"": 5 * 6 * 8 + 5 * 8 * 4, "0": 5 * 6 * 8, "1": 5 * 8 * 4}
    assert by_path(step, "backward_macs") == {"": 2 * 5 * 6 * 8 + 2 * 5 * 8 * 4, "0": 2 * 5 * 6 * 8, "1": 2 * 5 * 8 * 4}


def test_grouped_convolution_backward():
    # FlopCounterMode's weight gradient ignores the groups (it counts a depthwise layer's as a dense one's), so a
    # grouped network is checked by arithmetic: x [2,6,9,7]; conv a: 6 -> 6, 3x3, groups 3 -> [2,6,7,5]; conv b:
    # depthwise 3x3, padding 1 -> [2,6,7,5]. Forward: N * numel(W) * output positions.
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(6, 6, 3, groups=3), nn.Conv2d(6, 6, 3, padding=1, groups=6))
    result = flopscope.analyze(model, torch.randn(2, 6, 9, 7), ops="default", train_step=True)
    a, b = 2 * (6 * 2 * 3 * 3) * (7 * 5), 2 * (6 * 1 * 3 * 3) * (7 * 5)
    bwd = by_path(result, "backward_macs")
    assert by_path(result, "macs")[""] == a + b
    assert bwd["0"] == a        # the weight's gradient only: its input is the model's
    assert bwd["1"] == 2 * b    # the input's and the weight's


def test_state_and_gradients_put_back():
    model = mlp(frozen_middle=False)
    model.add_module("bn", nn.BatchNorm1d(4))
    model.train()
    model[0].weight.grad = torch.full_like(model[0].weight, 0.5)  # a gradient from before, kept as it was
    state = {k: v.clone() for k, v in model.state_dict().items()}
    grads = {k: None if p.grad is None else p.grad.clone() for k, p in model.named_parameters()}
    flopscope.analyze(model, torch.randn(5, 6), ops="default", train_step=True)
    for k, v in model.state_dict().items():
        assert torch.equal(v, state[k]), k
    for k, p in model.named_parameters():
        assert (p.grad is None) == (grads[k] is None), k
        if p.grad is not None:
            assert torch.equal(p.grad, grads[k]), k
    assert model.training and all(m.training for m in model.modules())


def test_the_step_stops_at_the_models_inputs():
    # An input that requires grad gets its gradient computed, and the backward stops there: the code that made the
    # input is not the model's. x = w @ a (5x6 @ 6x6) would add 5 x 6 x 6 for w's gradient; the step counts the
    # linear's input and weight gradients only, 2 x 5 x 6 x 9, and no tensor of the caller's gets a gradient.
    torch.manual_seed(0)
    layer = nn.Linear(6, 9)
    leaf = torch.randn(5, 6, requires_grad=True)
    made = leaf @ torch.randn(6, 6)
    for x in (leaf, made):
        result = flopscope.analyze(layer, x, ops="default", train_step=True)
        assert json.loads(result.to_json())["train_step"]["backward_macs"] == 2 * 5 * 6 * 9
    assert leaf.grad is None and layer.weight.grad is None


def test_profile_of_a_training_loop_counts_its_backward_per_module():
    # The user's own loop, recorded: two steps of forward, a cross-entropy loss, backward and SGD. Each backward
    # op lands on the module whose forward made its autograd node, as analyze(train_step=True) places it; the
    # loss and the optimizer are the block's own code, on the root. Before, the backward's work was dropped (its
    # nodes listed as unsupported operators) and the table read the forwards alone.
    model = mlp(frozen_middle=True)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    x, labels = torch.randn(5, 6), torch.tensor([0, 1, 2, 3, 0])
    with flopscope.profile(model, ops="default") as p:
        for _ in range(2):
            opt.zero_grad()
            F.cross_entropy(model(x), labels).backward()
            opt.step()
    fwd, bwd = by_path(p.result, "macs"), by_path(p.result, "backward_macs")
    assert fwd[""] == 2 * 5 * (6 * 9 + 9 * 7 + 7 * 4)
    assert bwd["4"] == 2 * (5 * 7 * 4 + 5 * 7 * 4)  # input and weight gradients
    assert bwd["2"] == 2 * 5 * 9 * 7              # frozen: the input gradient only
    assert bwd["0"] == 2 * 5 * 6 * 9              # the model's input needs no gradient: the weight's only
    assert bwd[""] == bwd["0"] + bwd["2"] + bwd["4"]
    report = json.loads(p.result.to_json())
    assert report["train_step"]["step_macs"] == fwd[""] + bwd[""]
    # what the block's code held for its backwards is not known to a recording: said, not guessed
    assert report["train_step"]["saved_activations_unmeasured"].startswith("a recording does not know")
    # mmengine's op set has no backward formulas: the backward is left out, and the warnings say so
    with flopscope.profile(model) as p:
        F.cross_entropy(model(x), labels).backward()
    assert p.result.flops == 5 * (6 * 9 + 9 * 7 + 7 * 4)
    assert any("ran a backward, which the mmengine op set does not count" in w for w in p.result.warnings)
    assert not any("Backward" in w for w in p.result.warnings)  # no autograd node listed as an operator


def test_profile_leaves_the_optimizers_own_ops_out():
    # torch.optim runs its step under "Optimizer.step#AdamW.step": its elementwise ops (about a dozen per
    # parameter element) ran on the root and, under the "all" op set, read as the model's forward. They are left
    # out and said; the root's forward is its modules' and the loss's sum (5 x 4 outputs, one add each).
    model = mlp(frozen_middle=False)
    opt = torch.optim.AdamW(model.parameters())
    x = torch.randn(5, 6)
    with flopscope.profile(model, ops="all") as p:
        for _ in range(2):
            opt.zero_grad()
            model(x).sum().backward()
            opt.step()
    fwd = by_path(p.result, "macs")
    assert fwd[""] == sum(fwd[str(i)] for i in range(5)) + 2 * 5 * 4
    assert fwd["0"] == 2 * 5 * 6 * 9
    ops = {o["op"] for o in json.loads(p.result.to_json())["operators"]["macs"]}
    assert not ops & {"add_", "mul_", "lerp_", "addcmul_", "addcdiv_", "sqrt", "div"}, ops
    assert any("torch.optim's AdamW.step() 2 time(s): its ops are left out" in w for w in p.result.warnings)
    # LBFGS calls the model inside its step (a closure): those forwards and backwards are the model's, and stay
    opt = torch.optim.LBFGS(model.parameters(), max_iter=3)
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = model(x).sum()
        loss.backward()
        return loss

    with flopscope.profile(model, ops="default") as p:
        opt.step(closure)
    assert len(calls) >= 2
    assert by_path(p.result, "macs")["0"] == len(calls) * 5 * 6 * 9
    assert by_path(p.result, "backward_macs")["4"] == len(calls) * 2 * 5 * 7 * 4


def test_profile_of_per_sample_gradients_counts_every_example():
    # torch.func's per-sample gradients: vmap(grad(loss)) over 8 examples. The model's ops see one example (the
    # gradient transform's wrappers around vmap's batched tensors); the work is all eight. Forward: 8 x (16 x 32 +
    # 32 x 4). Backward per example: the last layer's input and weight gradients, 32 x 4 each, and the first
    # layer's weight gradient, 16 x 32 (x needs none).
    from torch.func import functional_call, grad, vmap
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss(p, x, y):
        return F.cross_entropy(functional_call(model, p, (x.unsqueeze(0),)), y.unsqueeze(0))

    x, y = torch.randn(8, 16), torch.randint(0, 4, (8,))
    with flopscope.profile(model, ops="default") as p:
        vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
    fwd = by_path(p.result, "macs")
    assert (fwd["0"], fwd["2"]) == (8 * 16 * 32, 8 * 32 * 4)
    backward = json.loads(p.result.to_json())["train_step"]["backward_macs"]
    assert backward == 8 * (32 * 4 + 32 * 4 + 16 * 32)
    # Each gradient on the layer whose forward made it: autograd's node is the gradient transform's call, which
    # the calls on the whole batch inside it stand for.
    bwd = by_path(p.result, "backward_macs")
    assert (bwd["0"], bwd["2"]) == (8 * 16 * 32, 8 * (32 * 4 + 32 * 4))
    with FlopCounterMode(display=False) as fcm:
        vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
    assert p.result.macs + backward == fcm.get_total_flops() // 2


def test_step_needs_a_backward_op_set_and_a_gradient():
    model = mlp(frozen_middle=False)
    with pytest.raises(flopscope.InvalidInput, match="default or all op set"):
        flopscope.analyze(model, torch.randn(2, 6), train_step=True)  # mmengine's op set
    model.requires_grad_(False)
    with pytest.raises(flopscope.InvalidInput, match="nothing to differentiate"):
        flopscope.analyze(model, torch.randn(2, 6), ops="default", train_step=True)


def test_command_line_on_torchscript(tmp_path, cli):
    model = mlp(frozen_middle=True)
    path = tmp_path / "mlp.pt"
    torch.jit.save(torch.jit.trace(model, torch.randn(5, 6)), str(path))
    run = subprocess.run([cli, "analyze", str(path), "--full-shape", "5,6", "--train-step", "--format", "json", "-q"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["op_set"] == "default"  # --train-step's default
    bwd = {m["path"]: m["backward_macs"] for m in report["modules"]}
    assert (bwd["0"], bwd["2"], bwd["4"]) == (5 * 6 * 9, 5 * 9 * 7, 2 * 5 * 7 * 4)
    csv = subprocess.run([cli, "analyze", str(path), "--full-shape", "5,6", "--train-step", "--optimizer", "sgd",
                          "--format", "csv", "-q"], capture_output=True, text=True).stdout
    header, root = csv.splitlines()[0].split(","), csv.splitlines()[1].split(",")
    assert header[8:] == ["backward_macs", "backward_flops", "optimizer_macs", "parameter_bytes", "gradient_bytes",
                          "optimizer_state_bytes", "saved_activation_bytes"]
    # SGD: one per trainable element (layers 0 and 4: 63 + 32); the frozen layer's 70 parameters hold no gradient.
    assert root[8:] == [str(5 * 6 * 9 + 5 * 9 * 7 + 2 * 5 * 7 * 4), str(2 * (5 * 6 * 9 + 5 * 9 * 7 + 2 * 5 * 7 * 4)),
                        str(63 + 32), str(4 * 165), str(4 * 95), "0", str(4 * (5 * 9 + 5 * 7))]
    # The ReLUs' results, as test_first_layer_and_frozen_layer reads them (the CLI runs the model in its sandbox).
    saved = {m["path"]: m["saved_activation_bytes"] for m in report["modules"]}
    assert (saved["1"], saved["3"], saved[""]) == (4 * 5 * 9, 4 * 5 * 7, 4 * (5 * 9 + 5 * 7))
    refused = subprocess.run([cli, "analyze", str(path), "--full-shape", "5,6", "--optimizer", "adamw"],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "add --train-step" in refused.stderr


def test_exported_program_step(tmp_path, cli):
    # A .pt2 holds a forward graph, and its step runs that graph with autograd on: each node an ATen op with its
    # own backward, so the backward is the eager model's (test_first_layer_and_frozen_layer's arithmetic). The
    # frozen layer is read from the graph's metadata of its weight (requires_grad=False when exported).
    model = mlp(frozen_middle=True)
    x = torch.randn(5, 6)
    ep = torch.export.export(model, (x,))
    path = tmp_path / "mlp.pt2"
    torch.export.save(ep, str(path))
    expected = {"0": 5 * 6 * 9, "2": 5 * 9 * 7, "4": 2 * 5 * 7 * 4, "": 5 * 6 * 9 + 5 * 9 * 7 + 2 * 5 * 7 * 4}
    run = subprocess.run([cli, "analyze", str(path), "--train-step", "--optimizer", "sgd", "--format", "json", "-q"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    modules = {m["path"]: m for m in json.loads(run.stdout)["modules"]}
    assert {p: modules[p]["backward_macs"] for p in expected} == expected
    assert modules[""]["macs"] == 5 * (6 * 9 + 9 * 7 + 7 * 4)
    # SGD once per trainable element (layers 0 and 4: 63 + 32); the ReLUs' results saved, as for the eager model.
    assert (modules[""]["optimizer_macs"], modules[""]["gradient_bytes"]) == (63 + 32, 4 * 95)
    assert {p: modules[p]["saved_activation_bytes"] for p in ("1", "3", "")} == {"1": 180, "3": 140, "": 320}
    # The same from the ExportedProgram in memory; the program's tensors get no gradient and keep their values.
    before = {k: v.clone() for k, v in ep.state_dict.items()}
    result = flopscope.analyze(ep, (x,), ops="default", train_step=True)
    assert {p: v for p, v in by_path(result, "backward_macs").items() if p in expected} == expected
    assert all(torch.equal(v, before[k]) and v.grad is None for k, v in ep.state_dict.items())
    # What a step cannot be: shape-only (a .pt2's step runs the program on its weights; a TorchScript file's can:
    # test_shape_only_step_on_the_command_line), or every weight frozen (nothing to differentiate).
    refused = subprocess.run([cli, "analyze", str(path), "--train-step", "--shape-only"], capture_output=True,
                             text=True)
    assert refused.returncode == 2 and "leave --shape-only out" in refused.stderr, refused.stderr
    frozen = tmp_path / "frozen.pt2"
    torch.export.save(torch.export.export(mlp(frozen_middle=False).requires_grad_(False), (x,)), str(frozen))
    refused = subprocess.run([cli, "analyze", str(frozen), "--train-step"], capture_output=True, text=True)
    assert refused.returncode == 2 and "nothing to differentiate" in refused.stderr, refused.stderr


def test_exported_program_step_keeps_the_models_no_grad_section():
    # A forward that runs part of itself under torch.no_grad() (a frozen teacher or encoder) exports it as a
    # subgraph wrapped in that grad mode: the step runs it so, and autograd goes no further back than the head.
    # 3 x 5 rows: the head's weight gradient only, 15 x 8 x 4; the encoder none.
    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Linear(6, 8)
            self.head = nn.Linear(8, 4)

        def forward(self, x):
            with torch.no_grad():
                h = torch.relu(self.encoder(x))
            return self.head(h)

    ep = torch.export.export(Head(), (torch.randn(3, 5, 6),))
    result = flopscope.analyze(ep, (torch.randn(3, 5, 6),), ops="default", train_step=True)
    bwd = by_path(result, "backward_macs")
    assert (bwd["encoder"], bwd["head"], bwd[""]) == (0, 15 * 8 * 4, 15 * 8 * 4)


def test_exported_program_step_in_training_mode_and_with_tied_weights(tmp_path, cli):
    # A program exported in training mode writes its batch norm's statistics as it runs: the step runs on the
    # library's copies, so the ExportedProgram's buffers are what they were.
    model = mlp(frozen_middle=False)
    model.add_module("bn", nn.BatchNorm1d(4))
    model.train()
    ep = torch.export.export(model, (torch.randn(5, 6),))
    before = {k: v.clone() for k, v in ep.state_dict.items()}
    flopscope.analyze(ep, (torch.randn(5, 6),), ops="default", train_step=True)
    assert all(torch.equal(v, before[k]) and v.grad is None for k, v in ep.state_dict.items())

    # Tied weights (a language model's head and its embedding): one parameter, its gradient the sum of both uses,
    # updated once. 2 x 3 tokens: the head's input and weight gradients 2 x (6 x 4 x 10); SGD over 10 x 4 elements.
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(10, 4)
            self.head = nn.Linear(4, 10, bias=False)
            self.head.weight = self.embed.weight

        def forward(self, ids):
            return self.head(self.embed(ids))

    path = tmp_path / "tied.pt2"
    torch.export.save(torch.export.export(Tied(), (torch.zeros(2, 3, dtype=torch.long),)), str(path))
    run = subprocess.run([cli, "analyze", str(path), "--train-step", "--optimizer", "sgd", "--format", "json", "-q"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    modules = {m["path"]: m for m in json.loads(run.stdout)["modules"]}
    assert modules["head"]["backward_macs"] == 2 * (6 * 4 * 10)
    assert (modules[""]["optimizer_macs"], modules[""]["parameter_bytes"], modules[""]["gradient_bytes"]) == \
        (10 * 4, 4 * 10 * 4, 4 * 10 * 4)


def test_compare_gates_the_backward(tmp_path, cli):
    # Unfreezing the middle layer adds its weight gradient (5 x 9 x 7 MACs) and changes nothing in the forward:
    # only backward_macs can see it (on that layer and the root).
    x = torch.randn(5, 6)
    frozen, trained, forward = tmp_path / "frozen.json", tmp_path / "trained.json", tmp_path / "forward.json"
    frozen.write_text(flopscope.analyze(mlp(frozen_middle=True), x, ops="default", train_step=True).to_json())
    trained.write_text(flopscope.analyze(mlp(frozen_middle=False), x, ops="default", train_step=True).to_json())
    forward.write_text(flopscope.analyze(mlp(frozen_middle=False), x, ops="default").to_json())
    run = subprocess.run([cli, "compare", str(frozen), str(trained), "--format", "json"], capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    changed = {(m["path"], metric) for m in json.loads(run.stdout)["modules"]
               for metric, d in m["metrics"].items() if d["regression"]}
    assert changed == {("2", "backward_macs"), ("", "backward_macs")}
    mixed = subprocess.run([cli, "compare", str(forward), str(trained)], capture_output=True, text=True)
    assert mixed.returncode == 2 and "training step" in mixed.stderr
    # SGD's update and the activations the step keeps are gated too. Unfreezing layer 2 gives its 70 parameters a
    # gradient (70 more SGD operations) and makes its addmm save its input, ReLU 1's result, which ReLU 1 keeps
    # anyway: the saved bytes do not move.
    for path, model in ((frozen, mlp(frozen_middle=True)), (trained, mlp(frozen_middle=False))):
        path.write_text(flopscope.analyze(model, x, ops="default", train_step=True, optimizer="sgd").to_json())
    run = subprocess.run([cli, "compare", str(frozen), str(trained), "--format", "json"], capture_output=True, text=True)
    diffs = {(m["path"], metric): d for m in json.loads(run.stdout)["modules"] for metric, d in m["metrics"].items()}
    assert diffs[("2", "optimizer_macs")]["regression"] and diffs[("", "optimizer_macs")]["regression"]
    assert (diffs[("", "optimizer_macs")]["base"], diffs[("", "optimizer_macs")]["new"]) == (95, 165)
    assert not diffs[("", "saved_activation_bytes")]["regression"]
    assert diffs[("", "saved_activation_bytes")]["base"] == 4 * (5 * 9 + 5 * 7)
    # A report whose root has saved bytes but a module none is not one flopscope made: refused, not a crash.
    broken = json.loads(trained.read_text())
    broken["modules"][1]["saved_activation_bytes"] = None
    trained.write_text(json.dumps(broken))
    run = subprocess.run([cli, "compare", str(frozen), str(trained)], capture_output=True, text=True)
    assert run.returncode == 2 and "has no saved_activation_bytes" in run.stderr, run.stderr


def test_the_models_own_loss():
    # A Hugging Face model given labels returns its loss first: the step differentiates that scalar, not the sum
    # of every output. The LM head's weight gradient then comes from the loss through the logits either way, but
    # only the loss path runs the cross-entropy's backward (aten::_log_softmax_backward_data, nll_loss_backward).
    transformers = pytest.importorskip("transformers")
    transformers.logging.set_verbosity_error()
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=97, n_embd=32, n_layer=1, n_head=2, n_positions=16)
    model = transformers.GPT2LMHeadModel(config)
    ids = torch.zeros(1, 8, dtype=torch.long)
    with_labels = json.loads(flopscope.analyze(model, {"input_ids": ids, "labels": ids}, ops="default",
                                               train_step=True).to_json())
    unsupported = {o["op"] for o in with_labels["train_step"]["unsupported"]}
    assert "aten::nll_loss_backward" in unsupported
    without = json.loads(flopscope.analyze(model, {"input_ids": ids}, ops="default", train_step=True).to_json())
    assert "aten::nll_loss_backward" not in {o["op"] for o in without["train_step"]["unsupported"]}
    # The matmuls are the same either way: the loss is a function of the logits.
    assert with_labels["train_step"]["backward_macs"] == without["train_step"]["backward_macs"]


@pytest.mark.parametrize("optimizer, ops_per_element, state", [("sgd", 1, 0), ("adamw", 11, 2)])
def test_optimizer_and_memory(optimizer, ops_per_element, state):
    # The frozen middle layer gets no gradient, so the optimizer skips it: trainable are layer 0 (9x6 + 9 = 63)
    # and layer 4 (4x7 + 4 = 32) of the 165 parameters, float32. SGD's update is one multiply-add per element;
    # AdamW's 11 operations (count/optimizer.cpp), with m and v as its state.
    result = flopscope.analyze(mlp(frozen_middle=True), torch.randn(5, 6), ops="default", train_step=True,
                               optimizer=optimizer)
    report = json.loads(result.to_json())
    step = report["train_step"]
    assert step["optimizer"] == optimizer
    assert step["optimizer_macs"] == ops_per_element * (63 + 32)
    assert step["parameter_bytes"] == 4 * 165
    assert step["gradient_bytes"] == 4 * (63 + 32)
    assert step["optimizer_state_bytes"] == state * 4 * (63 + 32)
    assert step["step_macs"] == 725 + 865 + ops_per_element * 95
    mods = {m["path"]: m for m in report["modules"]}
    assert (mods["0"]["optimizer_macs"], mods["2"]["optimizer_macs"], mods["4"]["optimizer_macs"]) == \
        (ops_per_element * 63, 0, ops_per_element * 32)
    assert (mods["2"]["parameter_bytes"], mods["2"]["gradient_bytes"]) == (4 * 70, 0)
    jsonschema = pytest.importorskip("jsonschema")
    with open(os.path.join(REPO, "docs", "report.schema.json")) as f:
        jsonschema.validate(report, json.load(f))
    assert f"#flops ({optimizer})" in result.report("table").splitlines()[1]
    with pytest.raises(flopscope.InvalidInput, match="add train_step=True"):
        flopscope.analyze(mlp(frozen_middle=True), torch.randn(5, 6), ops="default", optimizer=optimizer)


def test_lstm_and_embedding_backward():
    # zoo's BiLstm on [T=20, N=3, 64]: two bidirectional LSTM layers (H = 128), then Linear(256, 10). Forward per
    # step and sequence: layer 1 2 x (512x64 + 512x128), layer 2 2 x (512x256 + 512x128) = 589,824 MACs; x 60.
    # Backward: each layer-direction twice its forward (dX, dW_ih, dh, dW_hh; mkldnn's kernel computes dX even for
    # the model's input), the head's input and weight gradients.
    from zoo import BiLstm
    torch.manual_seed(0)
    result = flopscope.analyze(BiLstm(), torch.randn(20, 3, 64), ops="default", train_step=True)
    lstm = 60 * (2 * (512 * 64 + 512 * 128) + 2 * (512 * 256 + 512 * 128))
    bwd = by_path(result, "backward_macs")
    assert by_path(result, "macs")["lstm"] == lstm == 35389440
    assert bwd["lstm"] == 2 * lstm
    assert bwd["head"] == 2 * 60 * 256 * 10
    # An embedding's backward adds each gradient row into the table's gradient: 2 x 9 rows of 12.
    model = nn.Sequential(nn.Embedding(50, 12), nn.Linear(12, 3))
    result = flopscope.analyze(model, torch.zeros(2, 9, dtype=torch.long), ops="default", train_step=True)
    assert by_path(result, "backward_macs")["0"] == 2 * 9 * 12


class CheckpointedBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(16, 32), nn.Linear(32, 16)

    def forward(self, x):
        return self.b(torch.relu(self.a(x)))


class Checkpointed(nn.Module):
    def __init__(self, reentrant):
        super().__init__()
        self.inp, self.block = nn.Linear(16, 16), CheckpointedBlock()
        self.reentrant = reentrant

    def forward(self, x):
        return torch.utils.checkpoint.checkpoint(self.block, self.inp(x), use_reentrant=self.reentrant)


@pytest.mark.parametrize("reentrant", [False, True])
def test_activation_checkpointing_counts_the_recomputation_torch_runs(reentrant):
    # torch.utils.checkpoint reruns the block's forward in the backward. Non-reentrant, it stops the rerun with an
    # exception as soon as it has every tensor the backward needs: when block.b's linear would save its input,
    # before computing it. An op that threw counts nothing, so the recomputation is block.a's linear alone.
    # Reentrant, it reruns the whole block, then runs the block's backward inside its own node. Each rerun op
    # counts on the module it reran in, and the inner backward on the modules of the rerun that made it.
    torch.manual_seed(0)
    model, x = Checkpointed(reentrant), torch.randn(4, 16)
    result = flopscope.analyze(model, x, ops="default", train_step=True)
    forward = 4 * (16 * 16 + 16 * 32 + 32 * 16)
    # inp: the weight gradient only (x needs none); block.a and block.b: input and weight gradients.
    gradients = {"inp": 4 * 16 * 16, "block.a": 2 * 4 * 16 * 32, "block.b": 2 * 4 * 32 * 16}
    rerun = {"inp": 0, "block.a": 4 * 16 * 32, "block.b": 4 * 32 * 16 if reentrant else 0}
    bwd = by_path(result, "backward_macs")
    assert result.macs == forward
    for name in gradients:
        assert bwd[name] == gradients[name] + rerun[name], name
    assert bwd["block"] == bwd["block.a"] + bwd["block.b"]
    assert bwd[""] == sum(gradients.values()) + sum(rerun.values())
    with FlopCounterMode(display=False) as counter:
        model(x).sum().backward()
    assert counter.get_total_flops() // 2 == forward + sum(gradients.values()) + sum(rerun.values())


@pytest.mark.parametrize("reentrant", [False, True])
def test_hugging_face_gradient_checkpointing_lands_on_each_projection(reentrant):
    # gradient_checkpointing_enable() checkpoints each decoder layer, called from the Llama model's forward. Every
    # projection's rerun lands on it: 2 x 16 tokens through Linear(64, 64) (q, k, v, o) or 64 <-> 128 (the MLP), so
    # its backward is its input and weight gradients (2 x its forward) plus its rerun (1 x). Non-reentrant, torch
    # stops the rerun once it has the last tensor the backward saved, down_proj's input: down_proj is not rerun.
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=64)
    model = LlamaForCausalLM(config).train()
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": reentrant})
    result = flopscope.analyze(model, {"input_ids": torch.randint(0, 128, (2, 16))}, ops="default",
                               train_step=True)
    bwd = by_path(result, "backward_macs")
    forward = {"self_attn.q_proj": 32 * 64 * 64, "self_attn.k_proj": 32 * 64 * 64, "self_attn.v_proj": 32 * 64 * 64,
               "self_attn.o_proj": 32 * 64 * 64, "mlp.gate_proj": 32 * 64 * 128, "mlp.up_proj": 32 * 64 * 128,
               "mlp.down_proj": 32 * 128 * 64}
    for layer in ("model.layers.0", "model.layers.1"):
        for name, macs in forward.items():
            rerun = 0 if name == "mlp.down_proj" and not reentrant else macs
            assert bwd[f"{layer}.{name}"] == 2 * macs + rerun, (layer, name)


# A step shape-only: the forward and the backward on meta twins of the model's tensors (fake ones where the forward
# reads values), so a model too large for memory gets its step counted. The arithmetic is
# test_first_layer_and_frozen_layer's and test_optimizer_and_memory's.
def test_shape_only_step_counts_what_a_real_step_counts():
    model = mlp(frozen_middle=True)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = flopscope.analyze(model, torch.randn(5, 6), ops="default", train_step=True, shape_only=True,
                               optimizer="adamw")
    fwd, bwd = by_path(result, "macs"), by_path(result, "backward_macs")
    assert fwd[""] == 5 * (6 * 9 + 9 * 7 + 7 * 4)
    assert (bwd["0"], bwd["2"], bwd["4"]) == (5 * 6 * 9, 5 * 9 * 7, 2 * 5 * 7 * 4)  # frozen: input gradient only
    step = json.loads(result.to_json())["train_step"]
    assert step["optimizer_macs"] == 11 * (63 + 32)  # the twins of layers 0 and 4 got gradients, layer 2's none
    assert step["gradient_bytes"] == 4 * (63 + 32)
    # Meta tensors take no memory: the bytes saved for the backward are unknown, not 0.
    assert step["saved_activation_bytes"] is None
    assert "meta tensors take no memory" in step["saved_activations_unmeasured"]
    # The model itself: no gradient, no change, its frozen layer still frozen.
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert [p.requires_grad for p in model[2].parameters()] == [False, False]


def test_shape_only_step_of_a_model_built_on_meta_and_of_an_input_that_requires_grad():
    # Built under torch.device("meta"): no memory for its weights, so its step runs shape-only unasked. An input
    # that requires grad gets its gradient, so the first layer's input gradient counts too (5 x 6 x 9).
    with torch.device("meta"):
        model = mlp(frozen_middle=False)
    x = torch.randn(5, 6, requires_grad=True)
    bwd = by_path(flopscope.analyze(model, x, ops="default", train_step=True), "backward_macs")
    assert (bwd["0"], bwd["2"], bwd["4"]) == (2 * 5 * 6 * 9, 2 * 5 * 9 * 7, 2 * 5 * 7 * 4)
    assert x.grad is None


def test_shape_only_step_of_a_torchscript_module_and_an_input_that_requires_grad():
    # A TorchScript module's step runs on its meta twin, its inputs made meta as they were: one that requires grad
    # still does, so the first layer's input gradient counts as in a real step, every layer 2 x 5 x in x out.
    scripted = torch.jit.script(mlp(frozen_middle=False))
    x = torch.randn(5, 6, requires_grad=True)
    for shape_only in (False, True):
        result = flopscope.analyze(scripted, x, ops="default", train_step=True, shape_only=shape_only)
        assert json.loads(result.to_json())["train_step"]["backward_macs"] == 2 * 5 * (6 * 9 + 9 * 7 + 7 * 4)
    assert x.grad is None and all(p.grad is None for p in scripted.parameters())


class Attend(nn.Module):
    def forward(self, q):
        return F.scaled_dot_product_attention(q, q, q, is_causal=True)


def test_shape_only_step_counts_attention_backward_as_a_real_step_does():
    # Batch 2, 4 heads, L = S = 12, E = Ev = 16, causal: P = 12 x 13 / 2 = 78 pairs. A CPU step runs the fused
    # kernel, whose backward recomputes the scores: B x P x (3E + 2Ev). On meta torch picks no fused kernel, so the
    # step runs again on fake tensors of the CPU, which take it, and counts the same (no word about a math path).
    q = torch.randn(2, 4, 12, 16, requires_grad=True)
    for shape_only in (False, True):
        result = flopscope.analyze(Attend(), q, ops="default", train_step=True, shape_only=shape_only)
        assert result.flops == 2 * 4 * 78 * (16 + 16)
        assert json.loads(result.to_json())["train_step"]["backward_macs"] == 2 * 4 * 78 * (3 * 16 + 2 * 16)
        assert not any("math path" in w for w in result.warnings)
    assert q.grad is None


def test_shape_only_step_of_a_language_model_built_on_meta():
    # The zoo's tiny Llama (2 layers, hidden 64, MLP 128, 4 query heads of 16, 2 key/value heads, vocabulary 1000) on
    # 32 tokens, built on meta. Its forward reads mask values, so the step runs on fake tensors, where transformers
    # passes an explicit causal mask: attention counts all 32 x 32 pairs, forward (E + Ev) and backward (3E + 2Ev).
    # Every projection (and the LM head) computes input and weight gradients: twice the forward's linear MACs.
    with torch.device("meta"):
        model = MODELS["hf_llama_sdpa"][0]()
    del model.forward  # hf_zoo's positional forward: keyword arguments, as users call it
    ids = torch.zeros(1, 32, dtype=torch.long)
    result = flopscope.analyze(model.train(), {"input_ids": ids}, ops="default", train_step=True)
    report = json.loads(result.to_json())
    forward = {o["op"]: o["macs"] for o in report["operators"]["macs"]}
    backward = {o["op"]: o["macs"] for o in report["train_step"]["operators"]}
    per_token = 2 * (2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 128) + 64 * 1000
    assert forward["linear"] == 32 * per_token
    assert backward["mm"] == 2 * 32 * per_token
    assert forward["scaled_dot_product_attention"] == 2 * 4 * 32 * 32 * (16 + 16)
    assert backward["scaled_dot_product_attention_backward"] == 2 * 4 * 32 * 32 * (3 * 16 + 2 * 16)
    assert any("fake tensors" in w for w in result.warnings)


def test_shape_only_step_on_the_command_line(tmp_path, cli):
    # A TorchScript file's step on its meta twin equals test_command_line_on_torchscript's real one (a .pt2's is
    # refused: test_exported_program_step).
    path = tmp_path / "mlp.pt"
    torch.jit.save(torch.jit.trace(mlp(frozen_middle=True), torch.randn(5, 6)), str(path))
    run = subprocess.run([cli, "analyze", str(path), "--full-shape", "5,6", "--train-step", "--shape-only",
                          "--optimizer", "sgd", "--format", "json", "-q"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    bwd = {m["path"]: m["backward_macs"] for m in report["modules"]}
    assert (bwd["0"], bwd["2"], bwd["4"]) == (5 * 6 * 9, 5 * 9 * 7, 2 * 5 * 7 * 4)
    assert report["train_step"]["optimizer_macs"] == 63 + 32
    # A TorchScript file's step runs on meta tensors, where attention differentiates torch's math path: the four
    # products of Q K^T and P V's gradients over every (query, key) pair, 4 x 2 x 4 x 12 x 12 x 16, and it says so;
    # the projection before it adds its weight gradient, 2 x 4 x 12 rows x 16 x 16 (its input needs none).
    torch.manual_seed(0)
    attend = tmp_path / "attend.pt"
    torch.jit.save(torch.jit.trace(nn.Sequential(nn.Linear(16, 16), Attend()), torch.randn(2, 4, 12, 16)),
                   str(attend))
    run = subprocess.run([cli, "analyze", str(attend), "--full-shape", "2,4,12,16", "--train-step", "--shape-only",
                          "--format", "json", "-q"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["train_step"]["backward_macs"] == 4 * 2 * 4 * 12 * 12 * 16 + 2 * 4 * 12 * 16 * 16
    assert any("math path on meta tensors" in w for w in report["warnings"])
