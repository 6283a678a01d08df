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
from torch.nn.modules.lazy import LazyModuleMixin
from torch.utils.hooks import RemovableHandle

from . import _core
from ._errors import InvalidInput


def check_module(model):
    if not isinstance(model, nn.Module):
        raise InvalidInput(f"flopscope analyses a torch.nn.Module, not {type(model).__name__}")
    lazy = _first_uninitialized(model)
    if lazy is not None:
        name, module = lazy
        # Its first forward would make the parameters (drawing their values) and turn the module into its
        # cls_to_become: the analysis would change the model, and the parameters it was told of would be none.
        raise InvalidInput(f"module {name or 'model'!r} ({type(module).__name__}) is a lazy module whose parameters "
                           "do not exist yet (their shapes come from its first forward): run the model once on an "
                           "example input first, as before making an optimizer; flopscope does not, as that would "
                           "change the model")


def _first_uninitialized(model):
    """(name, module) of the first lazy module whose parameters are still uninitialized, else None."""
    for name, m in model.named_modules():
        if isinstance(m, LazyModuleMixin) and m.has_uninitialized_params():
            return name, m
    return None


def describe(model, extra_reprs=True):
    """The tree, parameters and state tensors of a module, as flopscope._core takes them (read by
    _core.describe, python/bindings/describe.cpp), with .modules (the distinct modules, named_modules() order)
    and .names (each one's canonical name) for the scopes hooked() opens.

    The rules are mmengine's, applied in one walk of each module's _modules, _parameters and _buffers (what
    four of torch's walks would do): a module that appears twice keeps its first name; parameters and buffers
    are each counted once, under their first name, in named_parameters() order; a module that contains itself is
    not entered again. A class that overrides named_modules, named_parameters or named_buffers (a wrapper that
    renames or hides its members) is asked through those methods instead. Class names are type(m).__name__,
    the text inside the parentheses is the module's own extra_repr() (one that raises prints nothing), and a
    module whose forward is nn.Module's, ModuleList's, ModuleDict's or Identity's is one fvcore never warns
    about. extra_reprs=False leaves the texts out (only the architecture text prints them: a call that will
    not render it need not run each module's extra_repr())."""
    check_module(model)
    return _core.describe(model, extra_reprs)


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


# Modules whose forward reads whether hooks are attached (torch's own check in TransformerEncoderLayer.forward).
_LOOKS_FOR_HOOKS = (nn.TransformerEncoderLayer,)


def _any_global_hooks():
    return bool(_nn_module._global_forward_pre_hooks or _nn_module._global_forward_hooks
                or _nn_module._global_backward_pre_hooks or _nn_module._global_backward_hooks)


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

    Yields a _core.ThreadWatch: how many module calls ran on threads the capture does not follow (elsewhere_warning).

    Both are written straight into the module's __dict__ and hook dictionaries (the hooks under one id torch's
    RemovableHandle reserves; the ScopedCalls by one C++ loop, _core.ScopedCalls, which also says which modules
    need hooks): what module.compile() and register_forward_(pre_)hook write, without their per-module
    overhead. The package is built for one torch version (_build.py refuses another), and
    tests/python/test_safety.py checks all of it is as it was afterwards, exceptions included."""
    depth = _core.scope_depth()
    watch = _core.ThreadWatch()  # counts the module calls made on threads the capture does not follow
    hooks = None
    hook_id = None
    calls = None
    hooked_modules = []
    try:
        # A module whose forward looks for hooks and takes another path when it finds some gets hooks, so that it
        # takes the path it takes under mmengine's tracer, whose hooks it finds: nn.TransformerEncoderLayer then
        # runs its submodules rather than one fused op (_transformer_encoder_layer_fwd) that none of them is in.
        looks = [isinstance(m, _LOOKS_FOR_HOOKS) for m in description.modules]
        if _any_global_hooks():
            rest = description.modules
        else:
            calls = _core.ScopedCalls([m for m, h in zip(description.modules, looks) if not h],
                                      [n for n, h in zip(description.names, looks) if not h], watch)
            rest = [m for m, h in zip(description.modules, looks) if h] + list(calls.left)
        for module in rest:
            if hooks is None:
                hook_id = RemovableHandle(OrderedDict()).id  # an id no other hook of this process holds
                hooks = _core.ScopeHooks(description.modules, description.names, hook_id, watch)
            hooked_modules.append(module)
            module._forward_pre_hooks[hook_id] = hooks.pre
            module._forward_hooks[hook_id] = hooks.post
            module._forward_hooks_always_called[hook_id] = True
        yield watch
    finally:
        watch.close()
        if hooks is not None:
            hooks.close()  # a copy of a hooked module made meanwhile keeps the hooks: they open nothing now
        if calls is not None:
            calls.remove()
        for module in hooked_modules:
            module._forward_pre_hooks.pop(hook_id, None)
            module._forward_hooks.pop(hook_id, None)
            module._forward_hooks_always_called.pop(hook_id, None)
        _core.unwind(depth)


# What nn.Module keeps in an instance's __dict__ itself (parameters, buffers, submodules, hooks, the training flag,
# each restored or managed where it is handled): the other entries are the model's own attributes.
_MODULE_INTERNALS = frozenset(vars(nn.Module()))
_CONTAINERS = (dict, list, set)
_MISSING = object()
# Where nn.Module keeps what it registers: a forward that assigns a buffer, a parameter or a submodule anew
# (self.cos_cached = ..., a rotary cache grown for a longer sequence) rebinds an entry there, not an attribute;
# one that registers hooks adds entries to the hook dicts. Hooks go with the attributes: transformers' output
# capture registers its hooks in the model's first forward and marks the model with an attribute so as not to
# again; putting the mark back without the hooks would leave them to be registered twice by the next call (two
# copies of every hidden state: a SegFormer's decode head then fails).
_HOOK_REGISTRIES = tuple(k for k, v in vars(nn.Module()).items() if "hooks" in k and isinstance(v, dict))
_REGISTRIES = ("_parameters", "_buffers", "_non_persistent_buffers_set", "_modules") + _HOOK_REGISTRIES
# register_full_backward_hook's flag, kept beside the hooks.
_HOOK_FLAGS = ("_is_full_backward_hook",)


def _contents(value):
    """What a dict, list or set holds, to put back in place: its items, its elements."""
    return list(value.items()) if isinstance(value, dict) else list(value)


def _same_contents(held, value):
    """Whether the container holds the very objects it held (by identity: a key or element may be a tensor, whose
    == is no answer); an equal object made anew only costs putting back what was there."""
    now = _contents(value)
    if len(held) != len(now):
        return False
    if isinstance(value, set):
        return {id(x) for x in held} == {id(x) for x in now}
    if isinstance(value, dict):
        return all(k1 is k2 and v1 is v2 for (k1, v1), (k2, v2) in zip(held, now))
    return all(a is b for a, b in zip(held, now))


def _put_back(value, held):
    if isinstance(value, list):
        value[:] = held
    else:  # a dict takes its items back, a set its elements
        value.clear()
        value.update(held)


ELSEWHERE_WARNING = (
    "{} call(s) of the model's modules ran on other threads (a thread pool in the forward, nn.DataParallel over "
    "several devices): their ops are not captured and are missing from these counts; analyse what one thread runs "
    "(a DataParallel's .module)")


def elsewhere_warning(watch, result):
    """Adds the warning to the result when modules were called where the capture does not follow."""
    if watch.elsewhere:
        result.core.add_warning(ELSEWHERE_WARNING.format(watch.elsewhere))


@contextlib.contextmanager
def attributes_kept(description):
    """Every module's own attributes as they were, whatever the forward kept in them between calls (a recurrent
    state, a call count, a cache): each rebound to the object it held, those the forward added removed, and what
    the dicts, lists and sets among them held put back in place; so are the parameters, buffers and submodules
    it registers, each the very object it was (a buffer the forward assigned anew, a submodule it replaced), and
    the hooks (those it registered removed, those it removed put back).
    Without it an analysis would leave its forward's state in the model: a stateful module would go on from it,
    and a shape-only run would leave meta or fake tensors there that break the next real forward. (An object
    changed inside, other than those containers, is not copied: that would mean copying whatever the model
    holds.)"""
    saved = []
    for m in description.modules:
        state = vars(m)
        own = {k: v for k, v in state.items() if k not in _MODULE_INTERNALS}
        own.update((k, state[k]) for k in _REGISTRIES if isinstance(state.get(k), _CONTAINERS))
        own.update((k, state[k]) for k in _HOOK_FLAGS if k in state)
        held = {k: _contents(v) for k, v in own.items() if isinstance(v, _CONTAINERS)}
        saved.append((m, own, held))
    try:
        yield
    finally:
        for m, own, held in saved:
            now = vars(m)
            for k in [k for k in now if k not in _MODULE_INTERNALS and k not in own]:
                del now[k]
            for k, v in own.items():
                if now.get(k, _MISSING) is not v:
                    now[k] = v
            for k, items in held.items():
                if not _same_contents(items, own[k]):
                    _put_back(own[k], items)


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
