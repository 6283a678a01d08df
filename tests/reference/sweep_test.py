"""A sweep over four sequence lengths of a decoder equals four separate mmengine runs at those lengths.

    python sweep_test.py FLOPSCOPE ZOO_DIR

ZOO_DIR/hf_llama_sdpa.dynamic.pt2 (export_zoo.py) is the LLaMA-style decoder exported once with a symbolic
sequence length; flopscope sweeps it with --dim tensors_0.1=8,16,32,64 (the length of the token ids; the
bound forward's one input is named tensors_0). mmengine runs the module built the same way (zoo.py, seed 0)
at each length. Every module's flops and activations must be equal at every length.
"""
import json
import logging
import os
import subprocess
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoo import MODELS  # noqa: E402

LENGTHS = [8, 16, 32, 64]


def main():
    cli, zoo = sys.argv[1:3]
    warnings.filterwarnings("ignore")
    logging.getLogger("mmengine").setLevel(logging.ERROR)
    from mmengine.analysis import ActivationAnalyzer, FlopAnalyzer

    p = subprocess.run([cli, "analyze", os.path.join(zoo, "hf_llama_sdpa.dynamic.pt2"), "--dim",
                        "tensors_0.1=" + ",".join(map(str, LENGTHS)), "--format", "json", "--quiet"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"flopscope failed: {p.stderr}")
    sweep = json.loads(p.stdout)
    assert sweep["values"] == LENGTHS, sweep["values"]
    torch.manual_seed(0)
    model = MODELS["hf_llama_sdpa"][0]().eval()
    problems = []
    for i, n in enumerate(LENGTHS):
        ids = (torch.zeros(1, n, dtype=torch.int64),)
        flops = FlopAnalyzer(model, ids).unsupported_ops_warnings(False).uncalled_modules_warnings(False).by_module()
        acts = ActivationAnalyzer(model, ids).unsupported_ops_warnings(False).uncalled_modules_warnings(False).by_module()
        ours = {m["path"]: m for m in sweep["modules"]}
        if set(ours) != set(flops):
            problems.append(f"length {n}: modules differ: {sorted(set(ours) ^ set(flops))}")
        for path in flops:
            if path not in ours:
                continue
            if ours[path]["macs"][i] != flops[path]:
                problems.append(f"length {n} {path or 'model'} flops: mmengine {flops[path]}, flopscope {ours[path]['macs'][i]}")
            if ours[path]["activations"][i] != acts.get(path, 0):
                problems.append(f"length {n} {path or 'model'} activations: mmengine {acts.get(path, 0)}, "
                                f"flopscope {ours[path]['activations'][i]}")
        print(f"length {n}: mmengine {flops['']} MACs, flopscope {sweep['totals']['macs'][i]}")
    for line in problems:
        print(line)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
