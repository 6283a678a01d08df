"""What the C++ core is told about an nn.Module, and the hooks that tell it where each op runs.

The module tree is read from the live module exactly as mmengine reads it: names from named_modules() (a shared
module keeps its first name, its other names are aliases), class names from type(m).__name__, the text inside the
parentheses from the module's own extra_repr(), parameters from named_parameters() (a tied parameter counted once,
under its first name). Ops are placed by opening each module's canonical name around its call (hooked() says
how): the scopes fvcore's tracer (and so mmengine's) pushes from its hooks, so ops land on the same modules.
"""
import contextlib
import threading
import weakref
from collections import OrderedDict

from torch import nn
from torch.nn.modules import module as _nn_module
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


def _any_global_hooks():
    return bool(_nn_module._global_forward_pre_hooks or _nn_module._global_forward_hooks
                or _nn_module._global_backward_pre_hooks or _nn_module._global_backward_hooks)


def _has_own_hooks(module):
    return bool(module._forward_pre_hooks or module._forward_hooks or module._backward_pre_hooks
                or module._backward_hooks)


@contextlib.contextmanager
def hooked(description):
    """Opens each module's canonical name while nn.Module.__call__ runs it; everything removed on exit, and any
    scope a failed forward left open closed.

    Two ways, one result. A module with no hooks of its own (and no global hooks in the process) gets a
    _core.ScopedCall as its _compiled_call_impl, the slot nn.Module.__call__ calls instead of _call_impl when set
    (module.compile() uses it): one C++ call around the module's call. A module with hooks of its own, or
    already compiled, gets a forward pre-hook and an always-called forward hook after its own ones instead, so
    its hooks' ops land where mmengine's tracer (whose scope hooks come last too) puts them: a pre-hook's before
    the scope opens, a forward hook's inside it. Hooks would do for every module, but a hook sends every call
    down _call_impl's slow path: twice the cost on ResNet-50.

    Both are written straight into the module's __dict__ and hook dictionaries (the hooks under one id torch's
    RemovableHandle reserves): what module.compile() and register_forward_(pre_)hook write, without their
    per-module overhead. The package is built for one torch version (_build.py refuses another), and
    tests/python/test_safety.py checks all of it is as it was afterwards, exceptions included."""
    depth = _core.scope_depth()
    hooks = None
    hook_id = None
    wrapped, hooked_modules = [], []
    global_hooks = _any_global_hooks()
    try:
        for module in description.modules:
            state = module.__dict__
            if global_hooks or _has_own_hooks(module) or state.get("_compiled_call_impl") is not None:
                if hooks is None:
                    hooks = _core.ScopeHooks(description.names)
                    hook_id = RemovableHandle(OrderedDict()).id  # an id no other hook of this process holds
                hooked_modules.append(module)
                module._forward_pre_hooks[hook_id] = hooks.pre
                module._forward_hooks[hook_id] = hooks.post
                module._forward_hooks_always_called[hook_id] = True
            else:
                wrapped.append((module, "_compiled_call_impl" in state))
                state["_compiled_call_impl"] = _core.ScopedCall(module._call_impl, description.names[id(module)])
        yield
    finally:
        for module, had_slot in wrapped:
            if had_slot:
                module.__dict__["_compiled_call_impl"] = None
            else:
                module.__dict__.pop("_compiled_call_impl", None)
        for module in hooked_modules:
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
