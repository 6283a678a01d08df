"""Writes the TorchScript models the benchmarks time (kept out of the test fixtures: vit_b_16 alone is 330 MB).

    python bench/make_bench_models.py OUT_DIR [NAME ...]   (bench/README.md runs it as build/bench-models)

With NAMEs, only those files (the test perf_instructions_tiny_ops makes tiny_ops_1000.pt alone, in seconds).

resnet50.pt            torchvision resnet50(), eval mode, traced at 1x3x224x224 (batch-independent)
resnet50.pt2           the same, torch.export'ed (graph mode)
llama7b_meta.pt2       a 6.7B-parameter LLaMA-shaped decoder exported on the meta device, sequence length dynamic
vit_b_16.pt            torchvision vit_b_16(), eval mode, traced at 1x3x224x224
tiny_ops_N.pt          N = 100, 1000, 10000, 100000 tiny top-level ops: 50 blocks, each a 4x4 matmul and an
                       add, run N / 100 times by a scripted loop, so every op has a module (blocks.i) and the
                       file stays small however many ops run; input 1x4
many_modules.pt        nn.Sequential of 10 000 Linear(4, 4) (traced): a 10 000-module tree for the reporters

Files that already exist are kept.
"""
import os
import sys

import torch
from torch import nn

BLOCKS = 50
TINY_OP_COUNTS = (100, 1000, 10000, 100000)


class Tiny(nn.Module):
    """Two top-level ops: aten::matmul (which has a formula) and aten::add (which has none in mmengine's set)."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(4, 4) * 0.1)

    def forward(self, x):
        return torch.matmul(x, self.weight) + 1.0


class TinyOps(nn.Module):
    def __init__(self, repeats: int):
        super().__init__()
        self.blocks = nn.ModuleList([Tiny() for _ in range(BLOCKS)])
        self.repeats = repeats

    def forward(self, x):
        for _ in range(self.repeats):
            for block in self.blocks:
                x = block(x)
        return x


def save(path, make):
    if not wanted(path):
        return
    tmp = path + ".tmp"
    torch.jit.save(make(), tmp)
    os.replace(tmp, path)  # never leave a half-written file behind
    print("wrote", path)


WANTED = set(sys.argv[2:])  # the files asked for; none: all


def wanted(path):
    """Whether to write path: asked for (or everything was) and not there yet."""
    return not os.path.exists(path) and (not WANTED or os.path.basename(path) in WANTED)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for n in TINY_OP_COUNTS:
        save(os.path.join(out, f"tiny_ops_{n}.pt"), lambda n=n: torch.jit.script(TinyOps(n // (2 * BLOCKS))))
    save(os.path.join(out, "many_modules.pt"),
         lambda: torch.jit.trace(nn.Sequential(*[nn.Linear(4, 4) for _ in range(10000)]), torch.randn(1, 4),
                                 check_trace=False))

    import torchvision

    image = torch.randn(1, 3, 224, 224)
    save(os.path.join(out, "resnet50.pt"),
         lambda: torch.jit.trace(torchvision.models.resnet50().eval(), image, check_trace=False))
    save(os.path.join(out, "vit_b_16.pt"),
         lambda: torch.jit.trace(torchvision.models.vit_b_16().eval(), image, check_trace=False))

    # torch.export archives for graph mode: ResNet-50, and a LLaMA-shaped decoder of 6.7B parameters (32 layers,
    # 4096 wide, MLP 11008, vocabulary 32000) built and exported on the meta device, so that no weight is ever
    # materialised: its archive holds the graph and empty weight files.
    save_export(os.path.join(out, "resnet50.pt2"),
                lambda: torch.export.export(torchvision.models.resnet50().eval(), (image,)))
    save_export(os.path.join(out, "llama7b_meta.pt2"), llama7b_on_meta)


def save_export(path, make):
    if not wanted(path):
        return
    tmp_dir = os.path.join(os.path.dirname(path), f".tmp-{os.getpid()}")  # the archive's folder is the file's stem
    os.makedirs(tmp_dir, exist_ok=True)
    torch.export.save(make(), os.path.join(tmp_dir, os.path.basename(path)))
    os.replace(os.path.join(tmp_dir, os.path.basename(path)), path)
    os.rmdir(tmp_dir)
    print("wrote", path)


def llama7b_on_meta():
    import transformers

    transformers.logging.set_verbosity_error()
    config = transformers.LlamaConfig(vocab_size=32000, hidden_size=4096, intermediate_size=11008,
                                      num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=32,
                                      max_position_embeddings=4096)
    config.use_cache = False
    with torch.device("meta"):
        model = transformers.LlamaForCausalLM(config).eval()
    ids = torch.zeros(1, 128, dtype=torch.int64, device="meta")
    seq = torch.export.Dim("seq", min=2, max=4096)
    return torch.export.export(model, (), {"input_ids": ids}, dynamic_shapes={"input_ids": {1: seq}})


if __name__ == "__main__":
    main()
