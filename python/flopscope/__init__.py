"""flopscope: what a PyTorch model costs, per module, and what the GPU did with it.

    import flopscope
    info = flopscope.get_model_complexity_info(model, input_shape=(3, 224, 224))   # mmengine's function, drop-in
    result = flopscope.analyze(model, inputs, ops="default", device="cuda")      # records, reports, GPU passes
    with flopscope.profile(model) as p:                                           # any code: generate, a step
        ...

The core is C++ (LibTorch), built against the torch installed here.
"""
import torch as _torch

from ._build import flopscope_version as __version__
from ._build import torch_version as _built_for

if _torch.__version__.split("+")[0] != _built_for:
    raise ImportError(
        f"flopscope was built against torch {_built_for} but this environment has torch {_torch.__version__}: "
        "rebuild it here (pip install --no-build-isolation --force-reinstall <flopscope source>)")

from . import _core  # noqa: E402
from ._api import analyze, get_model_complexity_info, profile  # noqa: E402
from ._errors import CudaUnavailable, Error, ForwardFailed, InvalidInput  # noqa: E402
from ._result import Result  # noqa: E402

__all__ = ["get_model_complexity_info", "analyze", "profile", "Result", "Error", "InvalidInput", "ForwardFailed",
           "CudaUnavailable", "report_formats"]


def report_formats():
    """The formats Result.report takes."""
    return list(_core.report_formats())
