"""Exports each zoo model with torch.export and saves it as a .pt2, beside the TorchScript file and mmengine's
reference that make_reference.py writes.

    python export_zoo.py OUT_DIR [NAME ...]

For every model of zoo.py (in eval mode, the same seed and inputs as make_reference.py):
- OUT_DIR/NAME.pt2: torch.export.export(model, inputs), the training IR, static shapes;
- OUT_DIR/NAME.dynamic.pt2: the same with every input dimension Dim.AUTO, so that export keeps symbolic the
  dimensions the model allows (a sequence length, an image side) and specializes the others (not for the
  models in STATIC_ONLY);
- OUT_DIR/NAME.core.pt2: the static export after run_decompositions() (core ATen).
A model export refuses is listed in OUT_DIR/NAME.export-failed with torch's reason (parity.py reports it).
Existing outputs are kept.
"""
import inspect
import os
import sys
import time
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoo import MODELS, make_inputs  # noqa: E402


def save(program, path):
    # torch.export.save names the archive's folder after the file: a temporary folder keeps the name.
    tmp_dir = os.path.join(os.path.dirname(path), f".tmp-{os.getpid()}")
    os.makedirs(tmp_dir, exist_ok=True)
    torch.export.save(program, os.path.join(tmp_dir, os.path.basename(path)))
    os.replace(os.path.join(tmp_dir, os.path.basename(path)), path)
    os.rmdir(tmp_dir)


def auto_shapes(model, inputs):
    """Every input dimension Dim.AUTO, in the structure of the forward's signature: the Hugging Face models'
    bound forward takes *tensors (hf_zoo.bind), whose specs export wants as one tuple."""
    specs = tuple({d: torch.export.Dim.AUTO for d in range(x.dim())} for x in inputs)
    params = inspect.signature(model.forward).parameters.values()
    return (specs,) if any(p.kind == p.VAR_POSITIONAL for p in params) else specs


# Models exported with static shapes only: Dim.AUTO on torchvision's swin_t spends 80 s of the suite's time in
# symbolic shape reasoning, and timm's swin covers a windowed-attention model with dynamic shapes.
STATIC_ONLY = {"swin_t"}


def export_one(name, out):
    base = os.path.join(out, name)
    tails = (".pt2", ".core.pt2") if name in STATIC_ONLY else (".pt2", ".dynamic.pt2", ".core.pt2")
    if all(os.path.exists(base + tail) for tail in tails) or os.path.exists(base + ".export-failed"):
        return
    start = time.monotonic()
    torch.manual_seed(0)
    model = MODELS[name][0]().eval()
    inputs = make_inputs(name)
    try:
        static = torch.export.export(model, inputs)
        save(static, base + ".pt2")
        save(static.run_decompositions(), base + ".core.pt2")
        if name not in STATIC_ONLY:
            save(torch.export.export(model, inputs, dynamic_shapes=auto_shapes(model, inputs)), base + ".dynamic.pt2")
    except Exception as e:  # noqa: BLE001 - recorded for the parity report
        with open(base + ".export-failed", "w") as f:
            f.write(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}\n")
        print(f"export failed: {name}: {type(e).__name__}", flush=True)
        return
    print(f"exported {name} ({time.monotonic() - start:.1f} s)", flush=True)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    warnings.filterwarnings("ignore")
    for name in sys.argv[2:] or list(MODELS):
        export_one(name, out)


if __name__ == "__main__":
    main()
