"""The GPU passes from Python, as the command line runs them (timing pass; counters on request). Skipped without
a CUDA device; scripts/gpu-check.sh runs them on a GPU node, where a skip is a failure."""
import json

import pytest
import torch
from torch import nn

import flopscope

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device (torch.cuda.is_available())")]


def model_on_cuda():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(512, 1024), nn.GELU(), nn.Linear(1024, 512)).cuda().to(torch.bfloat16)


def test_timing_pass_per_module():
    model = model_on_cuda()
    x = torch.randn(64, 512, device="cuda", dtype=torch.bfloat16)
    result = flopscope.analyze(model, x, device="cuda", ops="default")
    assert result.gpu_ran, result.gpu_skipped_reason
    report = json.loads(result.to_json())
    assert report["device"].startswith("cuda")
    gpu = {m["module"]: m for m in report["gpu"]["modules"]}  # src/report/gpu_table.cpp's fields
    assert gpu["0"]["kernel_ms"]["median"] > 0 and gpu["2"]["kernel_ms"]["median"] > 0
    assert report["gpu"]["attributed_share"] >= 0.99
    assert "attributed to modules" in result.report("gpu")
    # The analytic counts do not depend on the device: 64 rows through 512x1024 and 1024x512.
    assert result.flops == 64 * 512 * 1024 * 2


def test_model_elsewhere_is_refused():
    with pytest.raises(flopscope.InvalidInput, match="parameters are on cpu"):
        flopscope.analyze(nn.Linear(4, 4), torch.randn(1, 4), device="cuda")


def test_training_step_forward_and_backward_per_module():
    # The step on CUDA: autograd's backward runs on its device thread, where the capture and the timing pass
    # follow it (docs/gpu.md). Each Linear's backward computes input and weight gradients except the first's (the
    # model's input needs none): 64*512*1024 + 2*64*1024*512 MACs.
    model = model_on_cuda()
    x = torch.randn(64, 512, device="cuda", dtype=torch.bfloat16)
    result = flopscope.analyze(model, x, device="cuda", ops="default", train_step=True)
    assert result.gpu_ran, result.gpu_skipped_reason
    report = json.loads(result.to_json())
    assert report["train_step"]["backward_macs"] == 64 * 512 * 1024 + 2 * 64 * 1024 * 512
    gpu = report["gpu"]
    assert gpu["train_step"] is True and gpu["attributed_share"] >= 0.99
    forward = {m["module"]: m for m in gpu["modules"]}
    backward = {m["module"]: m for m in gpu["backward_modules"]}
    for layer in ("0", "2"):
        assert forward[layer]["kernel_ms"]["median"] > 0 and backward[layer]["kernel_ms"]["median"] > 0
    assert backward["0"]["macs"] == 64 * 512 * 1024 and backward["2"]["macs"] == 2 * 64 * 1024 * 512
    assert gpu["mfu"] is not None and 0 < gpu["mfu"] < 1.1  # a clock above the table's may read past 100%
    assert "Backward" in result.report("gpu")
    assert all(p.grad is None for p in model.parameters())  # the model's gradients as they were


def test_exported_program_runs_on_the_gpu_per_module():
    # An ExportedProgram on CUDA runs its graph there (the timing pass needs kernels), on the caller's inputs, with
    # its tensors moved to the device; the counts are those its graph gives without running.
    model = model_on_cuda()
    x = torch.randn(64, 512, device="cuda", dtype=torch.bfloat16)
    ep = torch.export.export(model, (x,))
    result = flopscope.analyze(ep, x, device="cuda", ops="default")
    assert result.gpu_ran, result.gpu_skipped_reason
    report = json.loads(result.to_json())
    assert report["export"]["executed"] is True
    gpu = {m["module"]: m for m in report["gpu"]["modules"]}
    assert gpu["0"]["kernel_ms"]["median"] > 0 and gpu["2"]["kernel_ms"]["median"] > 0
    assert report["gpu"]["attributed_share"] >= 0.99
    assert result.flops == flopscope.analyze(ep).flops == 64 * 512 * 1024 * 2


def test_autocast_products_are_measured_against_the_bf16_peak():
    # Under torch.autocast a float32 model's linear runs its product in bfloat16 (the same op again, inside, on cast
    # tensors): its share of peak is its rate against the bf16 tensor-core peak, not the float32 one it would pass.
    # Each module holds one linear, so the share is exactly its achieved rate over that peak.
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(512, 1024), nn.GELU(), nn.Linear(1024, 512)).cuda()
    x = torch.randn(64, 512, device="cuda")
    with torch.autocast("cuda", dtype=torch.bfloat16):
        result = flopscope.analyze(model, x, device="cuda", ops="default")
    assert result.gpu_ran, result.gpu_skipped_reason
    report = json.loads(result.to_json())
    bf16 = report["gpu"]["peaks"]["flops_per_s"]["bf16_tc"]
    for layer in ("0", "2"):
        m = next(m for m in report["gpu"]["modules"] if m["module"] == layer)
        assert m["peak_share"] == pytest.approx(m["tflops_per_s"] * 1e12 / bf16, rel=1e-9), layer
    assert report["gpu"]["attributed_share"] >= 0.99
