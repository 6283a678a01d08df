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
from collections import OrderedDict

from torch import nn
from torch.utils.hooks import RemovableHandle

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


def _walk_is_torchs(modules):
    """Whether a walk of _modules, _parameters and _buffers names what named_modules(), named_parameters() and
    named_buffers() would: true unless some class overrides one of them (a wrapper that renames or hides its
    members), where the description asks the methods themselves."""
    base = nn.Module
    return all(t.named_modules is base.named_modules and t.named_parameters is base.named_parameters
               and t.named_buffers is base.named_buffers for t in {type(m) for m in modules})


def _walk(model):
    """One pre-order walk of the tree, doing what four of torch's walks do: the distinct modules under their first
    names (named_modules()), every path to each (named_modules(remove_duplicate=False)), and the parameters and
    buffers of the distinct modules, each tensor once under its first name (named_parameters(), named_buffers()).
    A module that contains itself is not entered again (torch's own walk would recurse without end)."""
    index, names, modules, paths = {}, {}, [], {}
    ancestors = set()

    def visit(prefix, module):
        key = id(module)
        if key not in index:
            index[key] = len(modules)
            names[key] = prefix
            modules.append(module)
        paths[prefix] = index[key]
        ancestors.add(key)
        for name, child in module._modules.items():
            if child is not None and id(child) not in ancestors:
                visit(prefix + "." + name if prefix else name, child)
        ancestors.discard(key)

    visit("", model)
    return index, names, modules, paths


def _members(modules, names, kind):
    """(name, tensor) for the tensors in each module's _parameters or _buffers, each tensor once, in
    named_parameters()'s order and naming."""
    seen, out = set(), []
    for module in modules:
        prefix = names[id(module)]
        for key, value in getattr(module, kind).items():
            if value is None or id(value) in seen:
                continue
            seen.add(id(value))
            out.append((prefix + "." + key if prefix else key, value))
    return out


class Description:
    """The tree, parameters and state tensors of a module, in the form flopscope._core takes."""

    def __init__(self, model):
        check_module(model)
        self.index, self.names, self.modules, self.paths = _walk(model)  # id(module) -> node index, -> name
        if _walk_is_torchs(self.modules):
            named = _members(self.modules, self.names, "_parameters")
            self.buffers = [b for _, b in _members(self.modules, self.names, "_buffers")]
        else:
            self._read_through_methods(model)
            named = list(model.named_parameters())
            self.buffers = [b for _, b in model.named_buffers()]
        self.nodes = []
        for module in self.modules:
            children = [(key, self.index[id(child)]) for key, child in module._modules.items()
                        if child is not None and id(child) in self.index]
            self.nodes.append((self.names[id(module)], type(module).__name__, _extra_repr(module),
                               _has_forward(module), children))
        self.params = [(name, list(p.shape)) for name, p in named]
        self.parameters = [p for _, p in named]
        self.training = model.training
        self.name = type(model).__name__

    def _read_through_methods(self, model):
        self.index, self.names, self.modules = {}, {}, []
        for name, module in model.named_modules():
            self.index[id(module)] = len(self.modules)
            self.names[id(module)] = name
            self.modules.append(module)
        self.paths = {name: self.index[id(module)]
                      for name, module in model.named_modules(remove_duplicate=False)}

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
    """A forward pre-hook and an always-called forward hook on every module, opening its canonical name while it
    runs (one C++ object serves them all, finding the name by the module's identity); all removed on exit, and any
    scope a failed forward left open closed.

    The hooks go straight into each module's hook dictionaries, under one id torch's RemovableHandle reserves:
    what register_forward_pre_hook and register_forward_hook(always_call=True) write, without a handle and two
    weak references per module (half the cost of the hooks on ResNet-50). The package is built for one torch
    version (_build.py refuses another), and tests/python/test_safety.py checks these dictionaries stay as they
    were, exceptions included."""
    depth = _core.scope_depth()
    hooks = _core.ScopeHooks(description.names)
    pre, post = hooks.pre, hooks.post
    hook_id = RemovableHandle(OrderedDict()).id  # an id no other hook of this process holds
    installed = []
    try:
        for module in description.modules:
            installed.append(module)
            module._forward_pre_hooks[hook_id] = pre
            module._forward_hooks[hook_id] = post
            module._forward_hooks_always_called[hook_id] = True
        yield
    finally:
        for module in installed:
            module._forward_pre_hooks.pop(hook_id, None)
            module._forward_hooks.pop(hook_id, None)
            module._forward_hooks_always_called.pop(hook_id, None)
        _core.unwind(depth)


@contextlib.contextmanager
def training_flags_kept(description):
    """Every module's training flag as it was, whatever the forward set."""
    flags = [(m, m.training) for m in description.modules]
    try:
        yield
    finally:
        for m, flag in flags:
            if m.training != flag:
                m.training = flag
