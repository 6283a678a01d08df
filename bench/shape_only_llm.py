"""A model too large for this machine, analysed from its configuration: transformers' Llama-3-8B (32 layers,
hidden 4096, MLP 14336, 32 query and 8 key/value heads, vocabulary 128256) built on the meta device, no weights
anywhere, through the Python package's shape-only analysis (fake tensors: transformers reads mask values).

    PYTHONPATH=build/python OMP_NUM_THREADS=1 python bench/shape_only_llm.py [--tokens 2048] [--repeat 5]
        [--train-step]

Prints the median wall time of flopscope.analyze, the peak resident memory of the process, and the linear and
attention MACs next to their arithmetic from the configuration. --train-step: a training step instead (the model's
own loss from labels, the backward on fake tensors too), with the backward's MACs next to their arithmetic.
"""
import argparse
import resource
import statistics
import time

import torch
import transformers

import flopscope

parser = argparse.ArgumentParser()
parser.add_argument("--tokens", type=int, default=2048)
parser.add_argument("--repeat", type=int, default=5)
parser.add_argument("--train-step", action="store_true")
a = parser.parse_args()

transformers.logging.set_verbosity_error()
H, MLP, LAYERS, HEADS, KV_HEADS, VOCAB = 4096, 14336, 32, 32, 8, 128256
config = transformers.LlamaConfig(vocab_size=VOCAB, hidden_size=H, intermediate_size=MLP, num_hidden_layers=LAYERS,
                                  num_attention_heads=HEADS, num_key_value_heads=KV_HEADS,
                                  max_position_embeddings=8192, attn_implementation="sdpa", use_cache=False)
with torch.device("meta"):
    model = transformers.LlamaForCausalLM(config).eval()
ids = torch.zeros(1, a.tokens, dtype=torch.long)

times = []
for _ in range(a.repeat):
    start = time.perf_counter()
    if a.train_step:
        result = flopscope.analyze(model.train(), {"input_ids": ids, "labels": ids}, ops="default", shape_only=True,
                                   train_step=True)
    else:
        result = flopscope.analyze(model, {"input_ids": ids}, ops="default", shape_only=True)
    times.append(time.perf_counter() - start)
ops = {o["op"]: o["macs"] for o in result.to_dict()["operators"]["macs"]}
head_dim = H // HEADS
per_token = LAYERS * (2 * H * H + 2 * H * KV_HEADS * head_dim + 3 * H * MLP) + H * VOCAB
print(f"analyze: median {statistics.median(times):.3f} s of {a.repeat}; peak RSS "
      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
print(f"linear MACs {ops['linear']} (arithmetic {a.tokens * per_token})")
print(f"attention MACs {ops['scaled_dot_product_attention']} (all pairs: "
      f"{LAYERS * HEADS * a.tokens * a.tokens * 2 * head_dim})")
print(f"parameters {result.params}")
if a.train_step:
    backward = {o["op"]: o["macs"] for o in result.to_dict()["train_step"]["operators"]}
    # Every linear layer's input and weight gradients (the embedding's weight trains, so even layer 0's input
    # gradient is needed); the fused attention backward over all pairs (fake tensors: an explicit mask).
    print(f"backward mm MACs {backward['mm']} (arithmetic {2 * a.tokens * per_token})")
    print(f"attention backward MACs {backward['scaled_dot_product_attention_backward']} (all pairs: "
          f"{LAYERS * HEADS * a.tokens * a.tokens * 5 * head_dim})")
