"""Inputs that are objects holding tensors, above all a language model's KV cache: a decode step is counted on the
cache as given, the caller's cache comes back as it went in, and every forward of an analysis (a retry, each GPU
timing repeat) sees the same cache. Counts are written out from the zoo's tiny LLaMA (hf_zoo.TINY_DECODER: hidden
64, MLP 128, 2 layers, 4 query heads of 16, 2 key/value heads, vocabulary 1000)."""
import threading

import torch
from torch import nn

import flopscope
from flopscope import _inputs
from hf_zoo import HF_ZOO

PROMPT, BATCH = 16, 2
# Per token and layer: q and o 64x64, k and v 64x32, gate, up and down 64x128; the LM head 64x1000.
LINEAR_PER_TOKEN = 2 * (2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 128) + 64 * 1000


def llama():
    torch.manual_seed(0)
    model = HF_ZOO["hf_llama_sdpa"][0]().eval()
    del model.forward  # hf_zoo's positional forward: a decode step is called with keyword arguments
    return model


def prefilled(model):
    ids = torch.randint(0, 100, (BATCH, PROMPT), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return model(ids, use_cache=True).past_key_values


def by_op(result):
    return {o["op"]: o["macs"] for o in result.to_dict()["operators"]["macs"]}


def decode_step(cache):
    return {"input_ids": torch.full((BATCH, 1), 7), "past_key_values": cache, "use_cache": True}


def test_a_decode_step_counts_the_cache_as_given_and_leaves_it_as_it_was():
    model = llama()
    cache = prefilled(model)
    keys = [layer.keys for layer in cache.layers]
    result = flopscope.analyze(model, decode_step(cache), ops="default")
    # One new token per sequence attends to the 16 cached positions and itself: 2 layers x 2 sequences x 4 heads
    # x 1 query x 17 keys x (16 + 16).
    assert by_op(result)["scaled_dot_product_attention"] == 2 * BATCH * 4 * 1 * (PROMPT + 1) * (16 + 16)
    assert by_op(result)["linear"] == BATCH * 1 * LINEAR_PER_TOKEN
    # The caller's cache still holds the prompt alone, in the same tensors.
    assert cache.get_seq_length() == PROMPT
    assert all(layer.keys is k for layer, k in zip(cache.layers, keys))
    # So a second analysis of the same step counts the same.
    assert by_op(flopscope.analyze(model, decode_step(cache), ops="default")) == by_op(result)


def test_a_decode_step_shape_only_counts_what_the_real_one_counts():
    model = llama()
    cache = prefilled(model)
    real = flopscope.analyze(model, decode_step(cache), ops="default")
    shape_only = flopscope.analyze(model, decode_step(cache), ops="default", shape_only=True)
    # The counts of the test above: 17 keys per new token, one token per sequence.
    assert by_op(shape_only)["scaled_dot_product_attention"] == 2 * BATCH * 4 * 1 * (PROMPT + 1) * (16 + 16)
    assert by_op(shape_only)["linear"] == BATCH * 1 * LINEAR_PER_TOKEN
    assert by_op(shape_only) == by_op(real)
    assert cache.get_seq_length() == PROMPT
    assert all(layer.keys.device.type == "cpu" for layer in cache.layers)


class History:
    """A toy cache: the rows seen so far, extended by each forward."""

    def __init__(self, rows):
        self.rows = [rows]


class AttendToHistory(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8, bias=False)

    def forward(self, x, history):
        history.rows.append(self.proj(x))
        return x @ torch.cat(history.rows).T


def test_every_forward_of_an_analysis_sees_the_inputs_as_given():
    model, x = AttendToHistory(), torch.randn(3, 8)
    history = History(torch.randn(5, 8))
    first = flopscope.analyze(model, (x, history), ops="default")
    # The projection 3x8x8, then 3 rows against 5 + 3: 3x8x8.
    assert first.macs == 3 * 8 * 8 + 3 * (5 + 3) * 8
    assert len(history.rows) == 1
    assert flopscope.analyze(model, (x, history), ops="default").macs == first.macs


def test_fresh_copies_the_objects_and_shares_the_tensors():
    t = torch.randn(2)
    history = History(t)
    (copied,), kwargs = _inputs.fresh((history,), {"h": [history]})
    assert copied is not history and copied.rows is not history.rows and copied.rows[0] is t
    assert kwargs["h"][0] is copied  # one object stays one object
    assert _inputs.tensors(((history,), {"h": [history]})) == [t]


def test_an_object_that_cannot_be_copied_is_passed_as_it_is():
    class Locked:
        def __init__(self, t):
            self.t, self.lock = t, threading.Lock()

    locked = Locked(torch.randn(2))
    (same,), _ = _inputs.fresh((locked,), {})
    assert same is locked
    # Tensors in the containers around it are still swapped (shape-only: made meta).
    (on_meta,), still = _inputs.with_tensors(((locked.t,), locked), lambda t: t.to("meta"))
    assert on_meta.is_meta and still is locked


def test_a_cache_written_in_place_is_said():
    # Mamba's cache keeps its convolution and scan states in tensors it updates in place: a decode step changes
    # their values as a call would, and the result says so, where a cache that only grows (above) says nothing.
    torch.manual_seed(0)
    model = HF_ZOO["hf_mamba"][0]().eval()
    del model.forward
    ids = torch.randint(0, 100, (1, 8), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        cache = model(ids, use_cache=True).cache_params
    step = {"input_ids": ids[:, :1], "cache_params": cache, "use_cache": True, "cache_position": torch.tensor([8])}
    result = flopscope.analyze(model, step, ops="default")
    # 2 layers x (convolution state, scan state).
    assert any("wrote in place into 4 tensor(s) of its inputs" in w for w in result.warnings)
    llama_model = llama()
    quiet = flopscope.analyze(llama_model, decode_step(prefilled(llama_model)), ops="default")
    assert not any("wrote in place" in w for w in quiet.warnings)
