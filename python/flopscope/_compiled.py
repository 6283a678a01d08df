"""Models compiled with torch.compile, analysed as the eager modules they wrap.

A compiled graph runs ATen's kernels from code the compiler generated: its ops never reach the dispatcher's
callbacks one by one, its submodules' forwards are never called, and the first call compiles, running the
compiler's own ops (autotuning, random inputs). Counted as it is, a compiled model reads as a few unsupported
"regions" plus whatever the compiler ran: wrong numbers with no module in them. So for the analysis torch.compile
is switched off (dynamo's `disable` setting: a compiled callable then calls what it wraps), nothing is compiled and
nothing of the model's compiled state changes, and the formulas count the eager ops, as mmengine and fvcore do.

torch's own control flow is the exception: an eager torch.cond, while_loop, scan or map runs its functions through
torch.compile with the eager backend, which lifts the weights they close over into operands, so that autograd sees
them. Switched off, a torch.cond over a module's weights returns a result with no gradient for them. So those
compile while the model's own compilation is off; their ops run eagerly from the traced graph, each on the module
whose parameter it takes, else on the module that called them, and the tracing itself (on fake tensors) is not
recorded (src/capture/torch_tracing.h).
"""
import contextlib
import sys
import threading

import torch

from . import _core

# The setting is global to the process; analyses on several threads share one switch, put back by the last out.
_lock = threading.Lock()
_depth = 0
_before = None
_setup = None  # torch's setup_compilation_env, while compile_off replaces it

COMPILED_WARNING = ("the model is compiled (torch.compile): it ran eagerly, with compilation off, since a compiled "
                    "graph hides its ops and modules from the capture; the counts are those of the eager ops")


COMPILED_IN_BLOCK_WARNING = (
    "torch.compile was first used in the process inside the block (torch.cond, eager flex_attention or a compiled "
    "function imported it there), where it could not be switched off: the compiler's own ops may be counted as the "
    "model's; import torch._dynamo before the block to count the eager ops")


def dynamo_imported():
    """Whether torch.compile's machinery is loaded: only then can compile_off switch it off."""
    return _dynamo() is not None


def _dynamo():
    """torch._dynamo if anything imported it (torch.compile does), else None: nothing can be compiled then."""
    return sys.modules.get("torch._dynamo")


def unwrapped(model):
    """The module torch.compile(module) wraps, so that paths read as in the eager model; else the model."""
    dynamo = _dynamo()
    if dynamo is not None and isinstance(model, dynamo.eval_frame.OptimizedModule):
        return model._orig_mod
    return model


def compiled(model):
    """Whether the model was torch.compile'd or holds compiled parts: a wrapper given to analyze, an
    OptimizedModule among its submodules, or a module compiled in place (Module.compile())."""
    dynamo = _dynamo()
    if dynamo is None or not isinstance(model, torch.nn.Module):  # not a module: check_module says so
        return False
    return any(isinstance(m, dynamo.eval_frame.OptimizedModule) or getattr(m, "_compiled_call_impl", None) is not None
               for m in model.modules())


def _compiling_for_control_flow(setup, dynamo):
    """torch's context for compiling a higher-order op's functions (setup_compilation_env), with compilation on
    inside it. The functions then run as the graph torch traced, which calls no module: the capture places each op
    on the module whose parameter it takes (_core.enter_traced), as a .pt2's subgraphs do."""

    @contextlib.contextmanager
    def setup_with_compilation_on(*args, **kwargs):
        with setup(*args, **kwargs) as backend:
            before = dynamo.config.disable
            dynamo.config.disable = False
            _core.enter_traced()
            try:
                yield backend
            finally:
                _core.leave_traced()
                dynamo.config.disable = before

    return setup_with_compilation_on


@contextlib.contextmanager
def compile_off():
    """torch.compile switched off while the block runs, except for torch's control flow (nothing when dynamo was
    never imported)."""
    global _depth, _before, _setup
    dynamo = _dynamo()
    if dynamo is None:
        yield
        return
    from torch._higher_order_ops import utils as hop_utils

    with _lock:
        if _depth == 0:
            _before = dynamo.config.disable
            dynamo.config.disable = True
            _setup = getattr(hop_utils, "setup_compilation_env", None)
            if _setup is not None:  # torch changed: the model's control flow then runs as compile_off leaves it
                hop_utils.setup_compilation_env = _compiling_for_control_flow(_setup, dynamo)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                dynamo.config.disable = _before
                if _setup is not None:
                    hop_utils.setup_compilation_env = _setup
