"""TorchScript and torch.export models for the GPU check, made on the GPU machine from torchvision (nothing to carry).

    python3 make_gpu_models.py OUT_DIR [--reuse ZOO_DIR]

--reuse links NAME.pt from ZOO_DIR where the test zoo already traced it (the same torchvision constructors): the
dry run on a CI machine then writes 100 MB rather than 550 MB. A model that would not fit in OUT_DIR's free space
is refused with the sizes, before torch starts writing: a full disk mid-save aborts the interpreter from a
destructor and leaves a truncated archive behind.
"""
import argparse
import os
import shutil
import sys

import torch
import torchvision

MIB = 1 << 20


def ensure_room(model, path):
    """Exits 2 unless PATH's folder has room for MODEL's tensors with a margin for the archive's code and index."""
    need = sum(t.numel() * t.element_size() for t in model.state_dict().values()) * 1.05 + 16 * MIB
    free = shutil.disk_usage(os.path.dirname(path)).free
    if free < need:
        sys.exit(f"make_gpu_models: {os.path.basename(path)} needs about {need / MIB:.0f} MiB, "
                 f"and {os.path.dirname(path)} has {free / MIB:.0f} MiB free")


def main(out, reuse):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name, make in [("resnet50", torchvision.models.resnet50), ("vit_b_16", torchvision.models.vit_b_16)]:
        path = os.path.join(out, f"{name}.pt")
        if os.path.exists(path):
            continue
        known = reuse and os.path.join(reuse, f"{name}.pt")
        if known and os.path.isfile(known):
            os.symlink(os.path.abspath(known), path)
            print("linked", path, "->", known)
            continue
        model = make(weights=None).eval()
        ensure_room(model, path)
        with torch.no_grad():
            traced = torch.jit.trace(model, torch.randn(1, 3, 224, 224))
        traced.save(path)
        print("wrote", path)
    # ResNet-50 exported with torch.export, batch dynamic: the GPU passes on a .pt2 (the graph run op by op). The
    # zoo's exports keep no dynamic batch (Dim.AUTO specialises it), so this one is always made here.
    path = os.path.join(out, "resnet50.pt2")
    if not os.path.exists(path):
        model = torchvision.models.resnet50(weights=None).eval()
        ensure_room(model, path)
        batch = torch.export.Dim("batch", min=1, max=1024)
        program = torch.export.export(model, (torch.randn(2, 3, 224, 224),), dynamic_shapes=({0: batch},))
        torch.export.save(program, path)
        print("wrote", path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--reuse", metavar="ZOO_DIR", help="link NAME.pt from this folder where it exists")
    args = parser.parse_args()
    main(args.out, args.reuse)
