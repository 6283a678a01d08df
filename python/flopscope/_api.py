"""The package's three doors: get_model_complexity_info (mmengine's function), analyze (the full result, every
report format, the GPU passes) and profile (any code, not one forward)."""
import contextlib
import logging

import torch
from torch.utils import _pytree

from . import _core
from ._compiled import COMPILED_IN_BLOCK_WARNING, COMPILED_WARNING, compile_off, compiled, dynamo_imported, unwrapped
from ._console import console_width, styled
from ._errors import InvalidInput, python_words
from ._exported import FLAT_GRAPH_WARNING, flat_export_graph, is_exported, run_exported
from ._inputs import call_args, fresh, tensors, with_tensors
from ._modules import (attributes_kept, check_module, describe, elsewhere_warning, exclusive, hooked,
                       training_flags_kept)
from ._result import Result

_log = logging.getLogger("flopscope")


def _is_tuple_of(value, kind):
    return isinstance(value, tuple) and all(isinstance(v, kind) for v in value)


def _inputs_from_shape(model, input_shape):
    """mmengine's inputs for input_shape: standard-normal tensors with a batch dimension of 1, on the device of the
    model's first parameter. The library makes them, as it does for the command line: a negative dimension or
    inputs larger than the memory free are refused, and the caller's random stream is left where it was."""
    first = next(iter(model.parameters()), None)
    if first is None:
        raise InvalidInput("the model has no parameters to place inputs made from input_shape by: pass inputs")
    if _is_tuple_of(input_shape, int):
        shapes = [input_shape]
    elif _is_tuple_of(input_shape, tuple) and all(_is_tuple_of(s, int) for s in input_shape):
        shapes = list(input_shape)
    else:
        raise InvalidInput('"input_shape" should be either a `tuple of int` (to construct one input tensor) or a '
                           '`tuple of tuple of int` (to construct multiple input tensors).')
    if any(not -2**63 <= d < 2**63 for s in shapes for d in s):
        raise InvalidInput(f"input_shape {input_shape} has a dimension beyond a 64-bit integer")
    return tuple(_core.inputs_from_shape([list(s) for s in shapes], str(first.device)))


def _twin_forward(model, args, kwargs, twin, step=False):
    """(forward, its input tensors, twin of each parameter by id): the model called with twin(t) in place of every
    tensor, its parameters and buffers (torch.func.functional_call: the model itself keeps its tensors) and its
    inputs alike. One twin per tensor: functional_call gives a tied tensor's other names (a language model's
    embedding and output weight) the same twin, and refuses two twins for tied names.

    step: a training step. A twin requires grad where its tensor does (a frozen parameter stays frozen, an input
    that requires grad gets its gradient), and the forward is followed by the step's loss and backward, on the
    twins: their gradients are the step's, the model's own tensors never get one."""
    if step:
        plain = twin
        twin = lambda t: plain(t).requires_grad_(t.requires_grad)  # noqa: E731  a fresh twin is a leaf
    twins = {id(t): twin(t) for _, t in model.named_parameters()}
    state = {name: twins[id(t)] for name, t in model.named_parameters()}
    state.update({name: twin(t) for name, t in model.named_buffers()})
    args, kwargs = with_tensors((args, kwargs), twin)

    def forward():
        out = torch.func.functional_call(model, state, *fresh(args, kwargs))
        if step:
            _step_backward(out)
        return out

    return forward, tensors((args, kwargs)), twins


def _step_backward(output):
    """A training step's loss and backward from what the forward returned: its tensors as torch flattens the output
    (pytree), not those of a cache it returns (src/api/train_step.cpp picks the loss)."""
    _core.step_backward([x for x in _pytree.tree_leaves(output) if isinstance(x, torch.Tensor)])


def _meta_forward(model, args, kwargs, step=False):
    """The forward on meta tensors of the same shapes (and a training step's backward on them)."""
    return _twin_forward(model, args, kwargs, lambda t: torch.empty_like(t, device="meta"), step)


def _counting_fake_tensor_mode(looked_inside):
    """A FakeTensorMode whose cache never answers whole a composite op that counting looks inside.

    FakeTensorMode answers a call it has seen before (the same op on tensors of the same shapes: the second of two
    identical layers) from a cache shared by every mode, without running the op's implementation. Below autograd a
    composite op (conv1d) reaches the mode whole, so a cached answer would skip the op inside it that the formula is
    on (convolution), and the layer would count 0. Such ops (looked_inside: the library's list for the op set) are
    kept out of the cache. Every other op, composite ones included (linear, reshape: nothing inside them is ever
    counted), stays in it: keeping every composite op out made Llama-3-8B's analysis about 1.8x slower, turning the
    cache off several times slower (docs/performance.md).

    Tensors the forward did not get from us are taken in as fake ones: torch.tensor(data, device=x.device) is a
    plain meta tensor even inside the mode (transformers' KV cache starts each layer so), and a tensor a module keeps
    as a plain attribute is a real one."""
    from torch._subclasses import fake_tensor

    composite = torch._C.DispatchKey.CompositeImplicitAutograd

    class CountingFakeTensorMode(fake_tensor.FakeTensorMode):
        # torch's control flow (cond, scan, map, while_loop) comes here rather than to FakeTensorMode's own rules for
        # it (registered for that exact class), which run its functions for their shapes only: both branches of a
        # cond, one slice of a scan or map. Counting that would be counting something the model never runs.
        supports_higher_order_operators = True

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            if isinstance(func, torch._ops.HigherOrderOperator):
                raise NotImplementedError(
                    f"torch's {func.name()} cannot be counted on fake tensors: there torch runs its functions only "
                    "for their shapes (both branches of a cond, one slice of a scan or map), not as the model runs "
                    "them")
            return super().__torch_dispatch__(func, types, args, kwargs)

        # No key, so no lookup either: the cache is shared with every other mode (a torch.export earlier in the
        # process may have filled it).
        def _cache_key(self, state, func, args, kwargs):
            if (isinstance(func, torch._ops.OpOverload) and func._schema.name in looked_inside and
                    torch._C._dispatch_has_kernel_for_dispatch_key(func.name(), composite)):
                raise fake_tensor._BypassDispatchCache("composite: the ops inside it are counted")
            return super()._cache_key(state, func, args, kwargs)

    mode = CountingFakeTensorMode(allow_non_fake_inputs=True)
    if not hasattr(fake_tensor.FakeTensorMode, "_cache_key"):  # torch changed: no cache rather than a wrong count
        mode.cache_enabled = False
    return mode


def _fake_forward(model, args, kwargs, options, step=False):
    """The forward on fake tensors (torch's FakeTensorMode) over meta storage: shapes and no arithmetic, like
    _meta_forward, but a model that asks whether it is being traced is told it is, and takes the path it takes under
    torch.export. The fallback when a meta forward needs tensor values (see _run)."""
    mode = _counting_fake_tensor_mode(frozenset(_core.ops_looked_inside(options)))
    if step:
        # A step's fake tensors say the CPU is their device (meta storage still: no memory, no arithmetic), so that
        # attention takes the fused kernel a CPU step takes, whose backward recomputes the scores; on meta torch
        # picks none and autograd would differentiate the math path. The backward runs inside the mode too.
        cpu = torch.device("cpu")
        twin = lambda t: mode.fake_tensor_converter.from_meta_and_device(  # noqa: E731
            mode, torch.empty_like(t, device="meta"), cpu)
    else:
        twin = lambda t: mode.from_tensor(torch.empty_like(t, device="meta"))  # noqa: E731
    call, tensors, twins = _twin_forward(model, args, kwargs, twin, step)

    def forward():
        # torch logs a meta kernel's failure at ERROR, traceback and all, before raising it; the raise is enough.
        fake_log = logging.getLogger("torch._subclasses.fake_tensor")
        level = fake_log.level
        fake_log.setLevel(logging.CRITICAL)
        try:
            with mode:
                return call()
        finally:
            fake_log.setLevel(level)

    return forward, tensors, twins


# What a shape-only result says when its forward ran on fake tensors.
FAKE_TENSORS_WARNING = (
    "shape-only: the forward read tensor values, which meta tensors do not have, so it ran again on fake tensors "
    "(FakeTensorMode), as torch.export traces: where the model picks a path by looking at values it took its "
    "tracing path. transformers, for one, then builds an explicit attention mask instead of passing is_causal, "
    "so attention counts every (query, key) pair, as in the model's torch.export or TorchScript trace; a real "
    "forward of an unpadded causal batch counts about half as many")


# How a shape-only step's result on meta tensors says that attention differentiated its math path (api/analyze.cpp).
META_ATTENTION_MARK = "ran its math path on meta tensors"


# What a result says when the forward wrote into tensors of its inputs.
WRITTEN_INPUTS_WARNING = (
    "the forward wrote in place into {} tensor(s) of its inputs (a cache updated in place: a state-space model's "
    "state, a static KV cache), so their values changed as a call of the model would change them; their shapes, "
    "and so the counts, did not")


def _needs_values(error):
    """Whether a shape-only forward failed because the model read a tensor's values (the library's verdict, from
    the op that asked: api/forward_errors.cpp). It reaches here as the model's own exception with the library's
    line as a note, or as ForwardFailed when no Python code raised."""
    lines = [str(error)] + [str(n) for n in getattr(error, "__notes__", ())]
    return any("cannot be analysed shape-only:" in line and "needs tensor values" in line for line in lines)


GROUPED_MM_DTYPE_NOTE = (
    "flopscope: torch's meta kernel for aten::_grouped_mm (the grouped product of a mixture of experts) takes "
    "bfloat16 only, where the CPU kernel takes float32 too; analyse the model in bfloat16 shape-only (the same "
    "MACs; a model built on meta converts for free: model.to(torch.bfloat16)), or on the CPU")


def _note_grouped_mm_dtype(error, message):
    """Says what to do when a shape-only forward failed in torch's meta kernel for _grouped_mm on float32."""
    if "Expected inputs of BF16 type" in message and hasattr(error, "add_note"):
        error.add_note(GROUPED_MM_DTYPE_NOTE)


def _built_on_meta(model):
    """Whether every parameter and buffer of the model is on the meta device (a model built under
    torch.device("meta") to be analysed from its configuration), and it has some."""
    tensors = [*model.parameters(), *model.buffers()]
    return bool(tensors) and all(t.is_meta for t in tensors)


def _run(model, args, kwargs, options):
    """One analysis of model(*args, **kwargs), the library's refusals in the package's words (_errors.py)."""
    with python_words():
        return _run_as_given(model, args, kwargs, options)


def _run_as_given(model, args, kwargs, options):
    """One analysis of model(*args, **kwargs); a torch.compile'd model runs as the eager module it wraps, with
    compilation off (_compiled.py), and its result says so."""
    if is_exported(model):  # no forward of Python's: the library reads (or runs) the graph (_exported.py)
        return run_exported(model, args, kwargs, options, options.pop("dims", None), options.pop("run", False))
    was_compiled = compiled(model)
    inputs = tensors((args, kwargs))
    # torch bumps a tensor's version at each write in place; an inference tensor (made under torch.inference_mode())
    # keeps none, so a write into one cannot be seen.
    versions = [None if t.is_inference() else t._version for t in inputs]
    model = unwrapped(model)
    for _ in range(2):
        before = dynamo_imported()
        with compile_off():
            if isinstance(model, torch.jit.ScriptModule):
                result = _run_script(model, args, kwargs, options)
            else:
                result = _run_eager(model, args, kwargs, options)
        # A forward that compiles for the first time in the process (torch.cond, eager flex_attention, a function
        # under torch.compile) imports the compiler inside the analysis, where compile_off could not switch it off:
        # the compiler's own ops (its tracing on fake tensors) were captured as the model's. Now that it is imported,
        # the switch holds: the analysis runs once more, and that result is the one returned.
        if before or not dynamo_imported():
            break
    if was_compiled:
        result.core.add_warning(COMPILED_WARNING)
    if flat_export_graph(model):
        result.core.add_warning(FLAT_GRAPH_WARNING)
    written = sum(v is not None and t._version != v for t, v in zip(inputs, versions))
    if written:
        result.core.add_warning(WRITTEN_INPUTS_WARNING.format(written))
    return result


def _run_script(model, args, kwargs, options):
    """One analysis of a TorchScript module (torch.jit.script, torch.jit.trace, torch.jit.load) by the library's
    TorchScript source, as the command line analyses a .pt file: Python's hooks cannot see inside one."""
    if options.get("device") is None and _built_on_meta(model):
        options = dict(options, shape_only=True)
    with exclusive(model):
        return Result(_core.analyze_script(model, tuple(args), dict(kwargs), options))


# What a result says when TorchScript modules sit inside an eager model.
NESTED_SCRIPT_WARNING = (
    "{} TorchScript module(s) inside the model ({}): the ops each runs are placed on it, not on its submodules, "
    "which run inside the TorchScript interpreter where Python's module calls cannot be seen; analyse a TorchScript "
    "module on its own for its submodules' rows")


def _nested_scripts(description):
    """The canonical names of the outermost TorchScript modules inside an eager model (pre-order, so an outer one
    comes before those inside it)."""
    outermost = []
    for m, name in zip(description.modules, description.names):
        if isinstance(m, torch.jit.ScriptModule) and not any(name.startswith(o + ".") for o in outermost):
            outermost.append(name)
    return outermost


def _run_eager(model, args, kwargs, options):
    """One analysis of model(*args, **kwargs): hooks on, state guarded, flags kept; everything undone on exit."""
    check_module(model)
    if options.get("device") is None and _built_on_meta(model):
        # A model on the meta device can only run shape-only: its inputs are made meta too, whatever their device.
        options = dict(options, shape_only=True)
    with exclusive(model):
        description = describe(model, extra_reprs=options.get("show_arch", True))
        scripts = _nested_scripts(description)

        def analyze(forward, tensors, twins=None, fake_tensors=False):
            # The binding leaves autograd's graph out where the model cannot tell (python/bindings/module.cpp).
            # twins: the tensors a shape-only forward reads in place of each parameter (by the parameter's id).
            # fake_tensors: the forward runs under its own FakeTensorMode, whose ops are the model's (another fake
            # mode inside it is torch tracing a function: src/capture/forward_tensors.h).
            # (A parameter the description found and named_parameters() did not, under a class that overrides one
            # of them, leaves the list empty: control flow's ops then stay on the module that ran it.)
            forward_parameters = [twins.get(id(p)) for p in description.parameters] if twins else []
            if any(t is None for t in forward_parameters):
                forward_parameters = []
            with training_flags_kept(description), attributes_kept(description), hooked(description) as watch:
                result = Result(_core.analyze(description, True, forward, tensors, options, fake_tensors,
                                              forward_parameters))
            elsewhere_warning(watch, result)
            if scripts:
                result.core.add_warning(NESTED_SCRIPT_WARNING.format(len(scripts), ", ".join(scripts)))
            return result

        step = bool(options.get("train_step"))
        if options.get("shape_only"):
            # Meta tensors first: the same path as a real forward, so the same report. A model that reads values
            # to choose its path (transformers' mask checks: every LLM it ships) cannot run on them; fake tensors
            # tell it it is being traced, and it takes the path it has for that.
            try:
                result = analyze(*_meta_forward(model, args, kwargs, step))
            except Exception as e:  # noqa: BLE001  the model's own exception, or ForwardFailed
                if not _needs_values(e):
                    _note_grouped_mm_dtype(e, str(e))
                    raise
                on_meta = e
            else:
                if not (step and any(META_ATTENTION_MARK in w for w in result.warnings)):
                    return result
                # A step whose attention ran torch's math path on meta: again on fake tensors of the CPU, whose
                # attention takes the fused kernel a real step takes (_fake_forward). The model read no values,
                # so it takes the path it took on meta. Should that fail, the meta step stands, saying so.
                try:
                    return analyze(*_fake_forward(model, args, kwargs, options, step), fake_tensors=True)
                except Exception:  # noqa: BLE001
                    return result
            try:
                result = analyze(*_fake_forward(model, args, kwargs, options, step), fake_tensors=True)
            except Exception as e:  # noqa: BLE001  the meta failure is the answer; why fake tensors failed, a note
                if hasattr(on_meta, "add_note"):
                    why = (str(e).strip().splitlines() or [""])[-1]
                    on_meta.add_note("flopscope: on fake tensors (FakeTensorMode) it failed too: "
                                     f"{type(e).__name__}: {why}")
                _note_grouped_mm_dtype(on_meta, str(e))
                raise on_meta from None
            result.core.add_warning(FAKE_TENSORS_WARNING)
            return result
        def call():  # each forward on its own copy of the objects in the inputs (a KV cache): _inputs.py
            a, k = fresh(args, kwargs)
            return model(*a, **k)

        if step:
            def forward():  # the step: forward, loss and backward, all under the capture
                _step_backward(call())
            return analyze(forward, tensors((args, kwargs)))
        return analyze(call, tensors((args, kwargs)))


def _log_warnings(result):
    for line in result.warnings:
        _log.warning(line)


def get_model_complexity_info(model, input_shape=None, inputs=None, show_table=True, show_arch=True):
    """mmengine's get_model_complexity_info, drop-in: the same arguments and the same dict, with numbers, table and
    architecture text equal to mmengine's, from one forward of the live module (no tracing).

    inputs: a tensor (the one argument), a tuple (positional arguments) or, beyond mmengine, a dict of keyword
    arguments (Hugging Face models). input_shape: a tuple of ints, or a tuple of such tuples, each without the
    batch dimension. Flops are multiply-adds, as mmengine counts them. The model is left exactly as it was. The
    forward sees grad mode as the caller set it; in eval mode it builds no autograd graph, and one that needs the
    graph runs again with it.
    """
    if is_exported(model) and input_shape is not None:
        raise InvalidInput("an exported program holds its inputs' shapes: give no input_shape (inputs=, when given, "
                           "set the sizes of its dynamic dimensions)")
    if input_shape is None and inputs is None and not is_exported(model):
        raise InvalidInput('One of "input_shape" and "inputs" should be set.')
    if input_shape is not None and inputs is not None:
        raise InvalidInput('"input_shape" and "inputs" cannot be both set.')
    if inputs is None and input_shape is not None:
        inputs = _inputs_from_shape(model, input_shape)
    args, kwargs = ((), {}) if inputs is None else call_args(inputs)
    result = _run(model, args, kwargs, {"op_set": "mmengine", "show_table": False, "show_arch": show_arch,
                                        "timing": False})
    _log_warnings(result)
    core = result.core
    # mmengine's table is drawn by a rich console, which narrows it to the console's width and, where it renders
    # styles, makes its header bold: so is this one.
    out_table = core.console_table(3, console_width(), styled()) if show_table else ""
    return {
        "flops": float(core.flops) if core.flops_is_float else core.flops,
        "flops_str": core.flops_str,
        "activations": core.activations,
        "activations_str": core.activations_str,
        "params": core.params,
        "params_str": core.params_str,
        "out_table": out_table,
        "out_arch": core.out_arch,
    }


def analyze(model, inputs=None, *, ops="mmengine", device=None, shape_only=False, gpu=True, counters=False,
            max_depth=3, warmup=3, forwards=10, chrome_trace=False, measured_peaks=False, allow_cpu_fallback=False,
            train_step=False, optimizer=None, dims=None, run=False):
    """Analyses model(inputs): per-module parameters, MACs and activations, and on a CUDA device the GPU passes the
    command line runs (kernel time per module, achieved throughput, share of peak; hardware counters with
    counters=True).

    inputs: a tensor, a tuple of positional arguments or a dict of keyword arguments; they may hold objects holding
    tensors (a KV cache for a decode step), which each forward gets a copy of, so the caller's come back unchanged.
    ops: "mmengine", "default" or "all" (flopscope ops lists them). device: where the forward runs; the model must
    already be there (it is never moved), tensor inputs are moved. shape_only: the forward runs on meta tensors of the same shapes, with no
    arithmetic (a model built under torch.device("meta") needs no memory for its weights, and runs shape-only
    unless a device is given); a forward that reads tensor values runs again on fake tensors, taking the path it
    takes when traced, and the result's warnings say so. gpu: run the timing pass on CUDA. train_step: a training
    step instead of a forward (the loss is the model's own scalar output, else the sum of its outputs; ops must be
    "default" or "all"): each module's record
    gains backward_macs, placed by autograd; parameters, buffers and gradients are put back. With shape_only the
    step's backward runs on the meta (or fake) twins too, so a model too large for memory gets its step counted;
    the activations it saves for the backward are then not measured (meta tensors take no memory). optimizer: "sgd" or
    "adamw" adds the optimizer's update (counted per parameter that got a gradient, not run) and each module's
    parameter, gradient and optimizer-state bytes.

    model may also be a torch.export.ExportedProgram, analysed as the command line analyses its .pt2 file: from its
    graph (nothing runs; every op's module from its node's nn_module_stack), with inputs optional (when given, their
    shapes set its dynamic dimensions), dims={"input_ids.1": 512} binding a symbol by name (as --dim); run=True, a
    training step and always on CUDA, runs the graph on the inputs (made ones when none are given). Returns a Result.
    """
    if not is_exported(model):
        if dims is not None or run:
            raise InvalidInput("dims and run are for a torch.export.ExportedProgram: a module runs its forward on the "
                               "inputs given")
        if inputs is None:
            raise InvalidInput("give the forward's inputs: a tensor, a tuple of positional arguments or a dict of "
                               "keyword arguments")
    args, kwargs = ((), {}) if inputs is None else call_args(inputs)
    if device is not None and str(device) == "meta":  # the meta device is what shape_only means
        shape_only, device = True, None
    if shape_only and device is not None:
        raise InvalidInput(f"shape_only runs on the meta device, not on {str(device)!r}: leave device out")
    options = {"op_set": ops, "device": None if device is None else str(device), "shape_only": bool(shape_only),
               "max_depth": max_depth, "timing": bool(gpu), "counters": bool(counters), "warmup": warmup,
               "forwards": forwards, "chrome_trace": bool(chrome_trace), "measured_peaks": bool(measured_peaks),
               "allow_cpu_fallback": bool(allow_cpu_fallback), "train_step": bool(train_step),
               "optimizer": optimizer or ""}
    if is_exported(model):
        options.update(dims=dims, run=bool(run))
    # The library checks the options and probes the device (once per process) before any tensor moves: CUDA asked
    # for where there is none is CudaUnavailable, or with allow_cpu_fallback the CPU.
    with python_words():
        planned, _ = _core.plan_device(options)
    if planned is not None and not shape_only:
        args, kwargs = with_tensors((args, kwargs), lambda t, d=torch.device(planned): t.to(d))
    if train_step and not torch.is_inference_mode_enabled() and any(t.is_inference() for t in tensors((args, kwargs))):
        # An input made under torch.inference_mode() cannot be saved for the backward; outside inference mode
        # nothing can write into it either, so a copy is the same input to the step.
        args, kwargs = with_tensors((args, kwargs), lambda t: t.clone() if t.is_inference() else t)
    if train_step:
        # The step is the model's: an input that requires grad gets its gradient computed (the first layer's input
        # gradient counts) and it stops there. A detached leaf in its place (the same storage and version counter)
        # keeps the backward out of the code that made the input, which is not the model's and whose ops would
        # count on the root, and leaves no gradient on the caller's tensors.
        args, kwargs = with_tensors((args, kwargs), lambda t: t.detach().requires_grad_() if t.requires_grad else t)
    return _run(model, args, kwargs, options)


class profile:
    """Captures every op run inside the block on this thread, placed on the modules of `model`:

        with flopscope.profile(model) as p:
            model.generate(ids, max_new_tokens=8)
        print(p.result.report("table"))

    Nothing is undone: the block's effects on the model (an optimizer step) are its own. A block that runs a
    backward (a training loop) is reported as a training step: each backward op on the module whose forward made
    its autograd node, in the backward columns (with ops="default" or "all"; mmengine's op set has no backward
    formulas, and leaves the backward out with a warning saying so). The loss and any other code outside the
    model's forward count on the root; a torch.optim optimizer's own ops are left out, with a warning naming it.
    """

    def __init__(self, model, *, ops="mmengine", max_depth=3):
        self._compiled = compiled(model)  # a torch.compile'd model runs eagerly in the block (_compiled.py)
        self._model = unwrapped(model)
        self._options = {"op_set": ops, "max_depth": max_depth}
        self._stack = None
        self._recording = None
        self._dynamo_before = True
        self._watch = None
        self.result = None

    def __enter__(self):
        if is_exported(self._model):
            raise InvalidInput("profile places ops on a module's calls, and an ExportedProgram is no module: use "
                               "flopscope.analyze(ep, inputs), which reads or runs its graph")
        check_module(self._model)
        if isinstance(self._model, torch.jit.ScriptModule):
            raise InvalidInput("profile places ops on modules by Python's module calls, which a TorchScript module "
                               "does not make (its submodules run inside the interpreter): use flopscope.analyze "
                               "for one forward of it")
        stack = contextlib.ExitStack()
        try:
            stack.enter_context(exclusive(self._model))
            self._dynamo_before = dynamo_imported()
            stack.enter_context(compile_off())
            description = describe(self._model)
            self._watch = stack.enter_context(hooked(description))
            self._recording = _core.Recording(description, self._options)
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            recording, self._recording = self._recording, None
            self.result = Result(recording.finish())
            if self._compiled:
                self.result.core.add_warning(COMPILED_WARNING)
            if not self._dynamo_before and dynamo_imported():  # a block runs once: it can only be said
                self.result.core.add_warning(COMPILED_IN_BLOCK_WARNING)
            elsewhere_warning(self._watch, self.result)
        finally:
            self._stack.close()
        return False

    def report(self, format="table", max_depth=None):
        if self.result is None:
            raise InvalidInput("the profile has no result until its block has ended")
        return self.result.report(format, max_depth)
