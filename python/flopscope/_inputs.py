"""What a forward is given: the caller's inputs, every tensor in them found however deep it sits (in lists, tuples
and dicts, and in plain objects: a language model's KV cache), and a copy of the objects that hold them for each
forward.

Why copies: a decode step given a transformers cache appends the step's keys and values to it. Run as given, the
caller's cache would come back one token longer, each GPU timing repeat would see a longer cache than the one
counted, and a forward retried after a failure would start from a cache the failed one had half updated. Each
forward therefore gets its own copy of every object holding a tensor, and the tensors themselves are shared, not
copied: a cache that writes in place into preallocated tensors (transformers' StaticCache) writes the same step's
values at the same positions on every repeat.
"""
import copy
import types

import torch

_ATOMS = (str, bytes, int, float, complex, bool, type(None), torch.dtype, torch.device, torch.layout,
          torch.memory_format, torch.Size, type, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
          types.ModuleType)


def _children(x):
    """What x holds that may hold a tensor, in a stable order."""
    if isinstance(x, dict):
        return [*x.keys(), *x.values()]
    if isinstance(x, (list, tuple, set, frozenset)):
        return list(x)
    held = list(vars(x).values()) if isinstance(getattr(x, "__dict__", None), dict) else []
    for cls in type(x).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and hasattr(x, name):
                held.append(getattr(x, name))
    return held


def _found(value):
    """(tensors, modules): every tensor and every nn.Module in value, each once, in the order a depth-first walk meets
    them. A module is not walked into: its tensors are the model's, not the inputs'."""
    tensors, modules, seen, stack = [], [], set(), [value]
    while stack:
        x = stack.pop()
        if isinstance(x, _ATOMS) or id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, torch.Tensor):
            tensors.append(x)
        elif isinstance(x, torch.nn.Module):
            modules.append(x)
        else:
            stack.extend(reversed(_children(x)))
    return tensors, modules


def call_args(inputs):
    """How inputs reach forward, as mmengine's tracer passes them (a tuple: positional arguments; anything else: the
    one argument), plus a dict: keyword arguments (Hugging Face models)."""
    if isinstance(inputs, dict):
        return (), dict(inputs)
    if isinstance(inputs, tuple):
        return inputs, {}
    return (inputs,), {}


def tensors(value):
    """Every tensor in value, each once."""
    return _found(value)[0]


def with_tensors(value, swap):
    """A copy of value with every tensor t in it, however deep, replaced by swap(t), and every object holding one
    copied (copy.deepcopy, the tensors and any nn.Module left out of the copying). Where an object cannot be copied
    (one holding a lock or an open file), value itself with its top-level containers' tensors swapped."""
    found, modules = _found(value)
    memo = {id(t): swap(t) for t in found}
    memo.update({id(m): m for m in modules})
    try:
        return copy.deepcopy(value, memo)
    except Exception:  # noqa: BLE001  an object deepcopy refuses: swap what the containers hold, share the rest
        from torch.utils import _pytree
        return _pytree.tree_map(lambda x: swap(x) if isinstance(x, torch.Tensor) else x, value)


def fresh(args, kwargs):
    """(args, kwargs) for one forward: the same tensors, new copies of the objects that hold them."""
    return with_tensors((args, kwargs), lambda t: t)
