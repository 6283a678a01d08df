"""torch.export programs held in Python (torch.export.ExportedProgram), analysed as the command line analyses a .pt2
file: from the graph alone (every op's shapes in the graph, its module in its node's nn_module_stack, nothing runs),
or, with run=True, for a training step and always on CUDA, by running the graph node by node, on the caller's inputs
when given (a step's backward is autograd's through the graph's ATen ops, its gradients on leaves of the library's own
over the parameters: the program's own are never written).

Nothing is written to disk: the library is handed what an archive would hold. The graph JSON is what
torch.export.save writes, made by torch's own serializer from a copy of the program whose tensors are meta ones, so
no weight byte is copied; the parameters that are one tensor (an archive's weights config says which) are found here
by storage; the tensors an execution runs with are the program's own, buffers and constants copied, because a
training-mode batch norm in the graph writes its running statistics.

A GraphModule from ExportedProgram.module() is a different thing: one flat graph whose ops run in no submodule's
call, so the eager path places them all on its root; the result says so (FLAT_GRAPH_WARNING).
"""
import copy
import operator
import threading

import torch
from torch.export._tree_utils import reorder_kwargs
from torch.utils import _pytree

from . import _core
from ._errors import InvalidInput


def is_exported(model):
    return isinstance(model, torch.export.ExportedProgram)


def _meta(value):
    """A meta tensor like value (a Parameter stays one), or value itself when it is no tensor (a script object)."""
    if not isinstance(value, torch.Tensor):
        return value
    t = value.detach().to("meta")
    return torch.nn.Parameter(t, value.requires_grad) if isinstance(value, torch.nn.Parameter) else t


_SERIALIZING = threading.Lock()


def _graph_json(ep):
    """The program's graph as torch.export.save writes it (models/model.json), without serializing its weights.

    torch's serializer also checks that the program has a canonical form by canonicalizing a deep copy of it, which
    it then drops: two thirds of the time on ResNet-50 (bench/exported_python.py). That check is left out here (the
    JSON written is the same); the lock keeps two analyses from swapping the function back and forth."""
    from torch._export.serde import serialize as serde

    light = copy.copy(ep)  # shares the graph; the copy's own dicts hold meta tensors
    light._state_dict = {k: _meta(v) for k, v in ep.state_dict.items()}
    light._constants = {k: _meta(v) for k, v in ep.constants.items()}
    light._example_inputs = None
    try:
        with _SERIALIZING:
            canonicalize = serde.canonicalize
            serde.canonicalize = lambda program, *args, **kwargs: program
            try:
                return serde.serialize(light).exported_program
            finally:
                serde.canonicalize = canonicalize
    except Exception as e:  # noqa: BLE001  torch's serializer refuses some programs: its reason is the answer
        why = (str(e).strip().splitlines() or [""])[0]
        raise InvalidInput("torch cannot serialize this exported program, and flopscope reads its serialized graph "
                           f"(as torch.export.save would write it): {type(e).__name__}: {why}") from None


def _tied(ep):
    """The groups of parameter names that are one tensor: one storage (torch.export.save writes one weight file for
    them), or, on the meta device where no storage exists, one object."""
    groups = {}
    for name in ep.graph_signature.parameters:
        t = ep.state_dict[name]
        storage = 0 if t.is_meta else t.untyped_storage().data_ptr()
        groups.setdefault(("storage", storage) if storage else ("object", id(t)), []).append(name)
    return [names for names in groups.values() if len(names) > 1]


def _tensors(ep):
    """What an execution runs with, by FQN: the parameters themselves, copies of the buffers and constants."""
    params = set(ep.graph_signature.parameters)
    out = {name: t.detach() if name in params else t.detach().clone() for name, t in ep.state_dict.items()}
    out.update({name: t.detach().clone() for name, t in ep.constants.items() if isinstance(t, torch.Tensor)})
    return out


def _input_tensors(ep, args, kwargs):
    """The tensors among the caller's inputs, in the order of the graph's user inputs (as ExportedProgram.module()
    takes them: keyword inputs in the export's order); None when none were given."""
    if not args and not kwargs:
        return None
    spec = ep.call_spec.in_spec
    if spec is not None:
        try:
            kwargs = reorder_kwargs(kwargs, spec)
        except Exception:  # noqa: BLE001  torch's check names what differs
            raise InvalidInput(f"the keyword inputs ({', '.join(sorted(kwargs)) or 'none'}) are not those the program "
                               f"was exported with ({_exported_with(spec)})") from None
    flat, given = _pytree.tree_flatten((tuple(args), kwargs))
    if spec is not None and given != spec:
        raise InvalidInput(f"the inputs are not structured as those the program was exported with: it takes "
                           f"{_exported_with(spec)}, and was given {_exported_with(given)}")
    # Their shapes and dtypes are checked against the program's by the library (ExportedModel::dims_for).
    return [x for x in flat if isinstance(x, torch.Tensor)]


def _exported_with(spec):
    """A tree spec in words: positional arguments and keyword names."""
    try:
        args, kwargs = spec.children()
        names = kwargs.context or []
        return f"{args.num_children} positional argument(s)" + (f" and keywords {', '.join(names)}" if names else "")
    except Exception:  # noqa: BLE001  a spec of another shape: torch's own text
        return str(spec)


def _bindings(dims):
    """dims={"input_ids.1": 512, "s0": 4} as the library's (name, value) pairs, each value an int64."""
    if dims is None:
        return []
    if not isinstance(dims, dict):
        raise InvalidInput(f"dims is a dict of symbol or INPUT.DIM names to sizes, not {type(dims).__name__}")
    out = []
    for name, value in dims.items():
        try:
            size = None if isinstance(value, bool) else operator.index(value)  # an int, numpy's included
        except TypeError:
            size = None
        if not isinstance(name, str) or size is None or not -2**63 <= size < 2**63:
            raise InvalidInput(f"dims[{name!r}] = {value!r}: a dimension is bound by its name (a str) to a size (an int)")
        out.append((name, size))
    return out


def run_exported(ep, args, kwargs, options, dims=None, run=False):
    """One analysis of an ExportedProgram: from its graph, or (run, or on CUDA) executing it."""
    inputs = _input_tensors(ep, args, kwargs)
    bindings = _bindings(dims)
    # The library decides whether the graph runs (asked to, or on a CUDA device it can use); the tensors go with
    # any analysis that may run it, and none are copied for one that only reads the graph.
    may_run = run or bool(options.get("train_step")) or str(options.get("device") or "").startswith("cuda")
    from ._result import Result
    return Result(_core.analyze_exported(_graph_json(ep), _tied(ep), _tensors(ep) if may_run else {}, inputs,
                                         bindings, bool(run), options))


# What a result says for a flat GraphModule made by torch.export (ExportedProgram.module()).
FLAT_GRAPH_WARNING = (
    "the model is the flat graph torch.export makes (ExportedProgram.module()): its ops run in no submodule's call, "
    "so every op is placed on the root and its submodules read 0; analyse the ExportedProgram itself "
    "(flopscope.analyze(ep, inputs)) for each module's figures, read from the graph's nn_module_stack")


def flat_export_graph(model):
    """Whether model is the GraphModule ExportedProgram.module() makes: its nodes were traced inside submodules
    (their nn_module_stack says which), but its forward runs them all itself."""
    from torch.export import _unlift

    stateful = getattr(_unlift, "_StatefulGraphModule", None)
    return stateful is not None and isinstance(model, stateful)
