"""What the C++ core is told about an nn.Module, and the hooks that tell it where each op runs.

The module tree is read from the live module exactly as mmengine reads it: names from named_modules() (a shared
module keeps its first name, its other names are aliases), class names from type(m).__name__, the text inside the
parentheses from the module's own extra_repr(), parameters from named_parameters() (a tied parameter counted once,
under its first name). Ops are placed by forward hooks on every module, which open the module's canonical name
around its forward: the scopes fvcore's tracer (and so mmengine's) pushes, so ops land on the same modules.
"""
import contextlib
import threading
import weakref

from torch import nn

from . import _core
from ._errors import InvalidInput

# fvcore's rule for "never called" warnings: these classes' forward is nn.Module's own or does nothing.
_NO_FORWARD = (nn.Module.forward, nn.ModuleList.forward, nn.ModuleDict.forward, nn.Identity.forward)


def _has_forward(module):
    forward = type(module).forward
    return not any(forward is f for f in _NO_FORWARD)


def _extra_repr(module):
    try:
        text = module.extra_repr()
    except Exception:  # a model's extra_repr that fails must not stop the analysis
        return ""
    return text if isinstance(text, str) else str(text)


def check_module(model):
    if not isinstance(model, nn.Module):
        raise InvalidInput(f"flopscope analyses a torch.nn.Module, not {type(model).__name__}")


class Description:
    """The tree, parameters and state tensors of a module, in the form flopscope._core takes."""

    def __init__(self, model):
        check_module(model)
        self.index = {}     # id(module) -> node index
        self.names = {}     # id(module) -> canonical name
        self.modules = []   # distinct modules, pre-order (named_modules())
        for name, module in model.named_modules():
            self.index[id(module)] = len(self.modules)
            self.names[id(module)] = name
            self.modules.append(module)
        self.nodes = []
        for module in self.modules:
            children = [(key, self.index[id(child)]) for key, child in module._modules.items()
                        if child is not None and id(child) in self.index]
            self.nodes.append((self.names[id(module)], type(module).__name__, _extra_repr(module),
                               _has_forward(module), children))
        self.paths = {name: self.index[id(module)]
                      for name, module in model.named_modules(remove_duplicate=False)}
        named = list(model.named_parameters())
        self.params = [(name, list(p.shape)) for name, p in named]
        self.parameters = [p for _, p in named]
        self.buffers = [b for _, b in model.named_buffers()]
        self.training = model.training
        self.name = type(model).__name__

    def core_args(self):
        return (self.name, self.nodes, self.paths, self.params, self.parameters, self.buffers, self.training)


# Models under analysis: hooks on a model's modules serve one analysis at a time.
_busy_lock = threading.Lock()
_busy = weakref.WeakSet()


@contextlib.contextmanager
def exclusive(model):
    """Refuses a second analysis of a model that is being analysed (in another thread, or from inside its own
    forward), rather than mixing two analyses' hooks."""
    with _busy_lock:
        if model in _busy:
            raise InvalidInput("this model is already being analysed (in another thread, or from inside its own "
                               "forward): flopscope analyses one model one call at a time")
        _busy.add(model)
    try:
        yield
    finally:
        with _busy_lock:
            _busy.discard(model)


@contextlib.contextmanager
def hooked(description):
    """Forward hooks on every module that open its canonical name while it runs; all removed on exit, and any
    scope a failed forward left open closed."""
    handles = []
    depth = _core.scope_depth()
    enter, leave = _core.enter, _core.leave

    def pre_hook(path):
        return lambda module, args: enter(path)

    def post_hook(module, args, output):
        leave()

    try:
        for module in description.modules:
            path = description.names[id(module)]
            handles.append(module.register_forward_pre_hook(pre_hook(path)))
            handles.append(module.register_forward_hook(post_hook, always_call=True))
        yield
    finally:
        for h in handles:
            h.remove()
        _core.unwind(depth)


@contextlib.contextmanager
def training_flags_kept(model):
    """Every module's training flag as it was, whatever the forward set."""
    flags = [(m, m.training) for m in model.modules()]
    try:
        yield
    finally:
        for m, flag in flags:
            if m.training != flag:
                m.training = flag
