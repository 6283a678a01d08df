"""An ExportedProgram held in Python, analysed by flopscope.analyze(ep): where its time goes.

    OMP_NUM_THREADS=1 python bench/exported_python.py [--package build/python] [--repeats 3]

- ResNet-50 (eval, exported at batch 1): analyze(ep) against analyze(model, x) on the eager module and against
  torch.export.save of the same program (what writing a .pt2 for the command line would cost first);
- a Llama-3-8B-shaped decoder (32 layers, 4096 wide, MLP 14336, 8 KV heads, vocabulary 128256) built and
  exported on the meta device at 2,048 tokens: analyze(ep), and of it the graph JSON torch's serializer writes
  (flopscope._exported._graph_json), which the library then parses and counts.
Medians over --repeats runs after one warm-up each (bench/python_bench.py's alternated_medians).
"""
import argparse
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--package", default="")
    parser.add_argument("--repeats", type=int, default=3)
    a = parser.parse_args()
    if a.package:
        sys.path.insert(0, a.package)
    import torch
    import torchvision
    import transformers

    import flopscope
    from flopscope import _exported
    from python_bench import alternated_medians

    torch.manual_seed(0)
    model = torchvision.models.resnet50().eval()
    x = torch.randn(1, 3, 224, 224)
    ep = torch.export.export(model, (x,))
    t = alternated_medians({"analyze(ep)": lambda: flopscope.analyze(ep),
                            "analyze(model, x)": lambda: flopscope.analyze(model, x),
                            "torch.export.save": lambda: torch.export.save(ep, io.BytesIO())}, a.repeats)
    for name, seconds in t.items():
        print(f"resnet50  {name:24s} {seconds * 1000:8.1f} ms")

    cfg = transformers.LlamaConfig(vocab_size=128256, hidden_size=4096, intermediate_size=14336,
                                   num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8)
    with torch.device("meta"):
        llama = transformers.LlamaForCausalLM(cfg).eval()
    ids = torch.zeros(1, 2048, dtype=torch.long, device="meta")
    ep = torch.export.export(llama, (), {"input_ids": ids, "use_cache": False})
    t = alternated_medians({"analyze(ep)": lambda: flopscope.analyze(ep),
                            "graph JSON (torch)": lambda: _exported._graph_json(ep)}, a.repeats)
    for name, seconds in t.items():
        print(f"llama3-8b {name:24s} {seconds:8.2f} s")


if __name__ == "__main__":
    main()
