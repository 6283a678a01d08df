"""flopscope.profile around Hugging Face's generate, the way its docstring shows: a prefill of the prompt, then
one forward per new token against the KV cache. Every count is written out from the zoo's tiny LLaMA
(hf_zoo.TINY_DECODER: hidden 64, MLP 128, 2 layers, 4 query heads of 16, 2 key/value heads, vocabulary 1000)."""
import json

import pytest
import torch

import flopscope
from hf_zoo import HF_ZOO

PROMPT, NEW = 32, 6


def llama():
    torch.manual_seed(0)
    model = HF_ZOO["hf_llama_sdpa"][0]().eval()
    del model.forward  # hf_zoo's positional forward: generate calls the model with keyword arguments
    return model


def generate(model, ids):
    return model.generate(ids, max_new_tokens=NEW, min_new_tokens=NEW, do_sample=False, use_cache=True)


@pytest.fixture(scope="module")
def run():
    model = llama()
    ids = torch.randint(0, 100, (1, PROMPT), generator=torch.Generator().manual_seed(1))
    plain = generate(model, ids)
    with flopscope.profile(model, ops="default") as p:
        profiled = generate(model, ids)
    return plain, profiled, p.result


def test_generate_under_profile_makes_the_same_tokens(run):
    plain, profiled, _ = run
    assert profiled.shape == (1, PROMPT + NEW)
    assert torch.equal(plain, profiled)


def test_kv_cache_decoding_counted_token_by_token(run):
    *_, result = run
    by_op = {o["op"]: o["macs"] for o in json.loads(result.to_json())["operators"]["macs"]}
    # Forwards: the prefill (32 tokens) and one per new token but the last (5), so 37 tokens go through the layers.
    forwards, tokens = 1 + (NEW - 1), PROMPT + NEW - 1
    # Per token and layer: q and o 64x64, k and v 64x32 (2 key/value heads of 16), gate and up 64x128, down 128x64.
    per_layer = 2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 128
    # The LM head (64x1000) runs on each forward's last position only (generate asks for one logit row).
    assert by_op["linear"] == tokens * 2 * per_layer + forwards * 64 * 1000
    # Attention, per layer and head: (query, key) pairs x (16 + 16). The prefill is causal (is_causal=True,
    # 32*33/2 pairs); decoding step n has one query against the 32 + n keys in the cache, n = 1..5.
    pairs = PROMPT * (PROMPT + 1) // 2 + sum(PROMPT + n for n in range(1, NEW))
    assert by_op["scaled_dot_product_attention"] == 2 * 4 * pairs * (16 + 16)
    modules = {m["path"]: m["macs"] for m in result.modules}
    assert modules["lm_head"] == forwards * 64 * 1000
    assert modules["model.layers.1.mlp"] == tokens * 3 * 64 * 128
