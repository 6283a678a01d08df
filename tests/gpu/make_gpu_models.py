"""TorchScript and torch.export models for the GPU check, made on the GPU machine from torchvision (nothing to carry).

    python3 make_gpu_models.py OUT_DIR
"""
import os
import sys

import torch
import torchvision


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name, make in [("resnet50", torchvision.models.resnet50), ("vit_b_16", torchvision.models.vit_b_16)]:
        path = os.path.join(out, f"{name}.pt")
        if os.path.exists(path):
            continue
        model = make(weights=None).eval()
        with torch.no_grad():
            traced = torch.jit.trace(model, torch.randn(1, 3, 224, 224))
        traced.save(path)
        print("wrote", path)
    # ResNet-50 exported with torch.export, batch dynamic: the GPU passes on a .pt2 (the graph run op by op).
    path = os.path.join(out, "resnet50.pt2")
    if not os.path.exists(path):
        model = torchvision.models.resnet50(weights=None).eval()
        batch = torch.export.Dim("batch", min=1, max=1024)
        program = torch.export.export(model, (torch.randn(2, 3, 224, 224),), dynamic_shapes=({0: batch},))
        torch.export.save(program, path)
        print("wrote", path)


if __name__ == "__main__":
    main(sys.argv[1])
