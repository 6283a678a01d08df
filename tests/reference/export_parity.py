"""Runs flopscope on the zoo's torch.export archives (graph mode) and compares them with mmengine run on the
original modules.

    python export_parity.py FLOPSCOPE ZOO_DIR [--check] [--markdown FILE] [NAME ...]

For every model, ZOO_DIR holds NAME.json (make_reference.py: mmengine on the module) and NAME.pt2,
NAME.dynamic.pt2, NAME.core.pt2 (export_zoo.py). Running the graph (--run) must give the same report as
reading it, for the static and the dynamic export. With --ops mmengine, the static and the dynamic training-IR
exports must equal mmengine in every module's flops, activations and parameters, and in the unsupported ops,
except for the differences listed in export_differences.py, each traced to the op and the code that makes it
(and a listed difference that no longer happens is an error too, so the list stays true). The core-ATen export
(after run_decompositions) is analysed with --ops default and its differences from the training IR are
tabulated by op: decompositions change the ops, by design.
--check: exit 1 on any unlisted difference, or a model that fails.
--markdown FILE: write docs/validation-export.md.
"""
import difflib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_differences import DYNAMIC_DIFFERENCES, EXPORT_DIFFERENCES, CAUSES  # noqa: E402
from parity import command_line, mmengine_mismatches  # noqa: E402


def report(cli, path, ops, *extra):
    p = subprocess.run([cli, "analyze", path, "--ops", ops, "--format", "json", "--quiet", *extra],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"flopscope failed on {path} ({ops}): {p.stderr.strip()}")
    return json.loads(p.stdout)


def unsupported_differences(ours, ref):
    """{op: (mmengine, flopscope)} for each unsupported op whose count differs (flops and activations alike)."""
    out = {}
    for stat, key in (("unsupported_flops", "macs"), ("unsupported_activations", "activations")):
        theirs = ref["mmengine"][stat]
        mine = {u["op"]: u["count"] for u in ours["unsupported"][key]}
        for op in set(theirs) | set(mine):
            if theirs.get(op, 0) != mine.get(op, 0):
                out[op] = (theirs.get(op, 0), mine.get(op, 0))
    return out


def check_one(ours, ref, listed):
    """Problems beyond the listed unsupported-op differences, and the listed ones that did not happen."""
    problems = [p for p in mmengine_mismatches(ours, ref) if not p.startswith("unsupported_")]
    found = unsupported_differences(ours, ref)
    for op, counts in found.items():
        if tuple(listed.get(op, (None, None))[:2]) != counts:
            problems.append(f"unsupported {op}: mmengine {counts[0]}, flopscope {counts[1]} (not in export_differences.py)")
    for op, entry in listed.items():
        if op not in found:
            problems.append(f"export_differences.py lists {op} {entry[:2]}, but the counts agree now")
    return problems, found


def arch_lines_differing(cli, path, ref):
    """Lines of the arch tree (--format arch) that differ from mmengine's show_arch string."""
    p = subprocess.run([cli, "analyze", path, "--format", "arch", "--quiet", "--output", "/dev/stdout"],
                       capture_output=True, text=True)
    ours = p.stdout.rstrip("\n").splitlines()
    theirs = ref["mmengine"]["arch"].splitlines()
    matcher = difflib.SequenceMatcher(a=theirs, b=ours, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


def by_op(report_):
    return {e["op"]: e["macs"] for e in report_["operators"]["macs"]}


def main():
    cli, zoo_dir, names, check, markdown = command_line()
    failed = False
    rows = []
    for name in names:
        base = os.path.join(zoo_dir, name)
        if os.path.exists(base + ".export-failed"):
            with open(base + ".export-failed") as f:
                print(f"{name}: torch.export failed: {f.read().strip()}")
            failed = True
            continue
        with open(base + ".json") as f:
            ref = json.load(f)
        try:
            static = report(cli, base + ".pt2", "mmengine")
            has_dynamic = os.path.exists(base + ".dynamic.pt2")  # export_zoo.py's STATIC_ONLY have none
            dynamic = report(cli, base + ".dynamic.pt2", "mmengine") if has_dynamic else None
            training = report(cli, base + ".pt2", "default")
            core = report(cli, base + ".core.pt2", "default")
            ran = {tail: report(cli, base + tail, "mmengine", "--run")
                   for tail in ((".pt2", ".dynamic.pt2") if has_dynamic else (".pt2",))}
        except RuntimeError as e:
            print(f"{name}: {e}")
            failed = True
            continue
        listed = EXPORT_DIFFERENCES.get(name, {})
        problems, found = check_one(static, ref, listed)
        if dynamic is not None:
            dyn_problems, _ = check_one(dynamic, ref, {**listed, **DYNAMIC_DIFFERENCES.get(name, {})})
            problems += [f"dynamic: {p}" for p in dyn_problems]
        # Running the graph (--run) must give the report reading it gives.
        for tail, graph in ((".pt2", static), (".dynamic.pt2", dynamic)):
            if graph is None:
                continue
            executed = dict(ran[tail], export={k: v for k, v in ran[tail]["export"].items() if k != "executed"})
            if executed != dict(graph, export={k: v for k, v in graph["export"].items() if k != "executed"}):
                problems.append(f"{name}{tail}: --run differs from graph mode")
        symbols = dynamic.get("export", {}).get("dims", {}) if dynamic is not None else None
        ops_t, ops_c = by_op(training), by_op(core)
        core_diff = {op: ops_c.get(op, 0) - ops_t.get(op, 0) for op in set(ops_t) | set(ops_c)
                     if ops_c.get(op, 0) != ops_t.get(op, 0)}
        print(f"{name}: mmengine parity {'ok' if not problems else f'{len(problems)} mismatches'}"
              f" ({len(found)} listed export difference(s)); dynamic dims {symbols or 'none'}")
        for p in problems[:20]:
            print("   ", p)
        failed |= bool(problems)
        arch = arch_lines_differing(cli, base + ".pt2", ref)
        rows.append((name, found, symbols, training, core, core_diff, problems, arch))
    if markdown:
        write_markdown(markdown, rows)
    if check and failed:
        sys.exit(1)


def fmt(x):
    sign = "−" if x < 0 else "+"
    x = abs(x)
    return sign + (f"{x / 1e9:.3f}G" if x >= 1e8 else f"{x / 1e6:.3f}M" if x >= 1e5 else str(x))


def write_markdown(path, rows):
    lines = [
        "# Validation of torch.export archives (graph mode) against mmengine",
        "",
        "Generated by `tests/reference/export_parity.py`. Each zoo model (`tests/reference/zoo.py`, the same seed, "
        "eval mode and inputs as `docs/validation.md`) is exported by `tests/reference/export_zoo.py` three ways: "
        "`torch.export.export` with static shapes (`NAME.pt2`), with every input dimension `Dim.AUTO` "
        "(`NAME.dynamic.pt2`: export keeps symbolic what the model allows and specializes the rest), and the "
        "static export after `run_decompositions()` (`NAME.core.pt2`, core ATen). flopscope analyses each from "
        "its graph, running nothing. Regenerate with:",
        "",
        "```",
        "python tests/reference/make_reference.py build/fixtures/zoo",
        "python tests/reference/export_zoo.py build/fixtures/zoo",
        "python tests/reference/export_parity.py build/flopscope build/fixtures/zoo --markdown docs/validation-export.md",
        "```",
        "",
        "## Reading the graph and running it",
        "",
        "`--run` executes the graph op by op through the dispatcher, with the weights read from the archive, under "
        "the capture a TorchScript forward runs under. For every model, static and dynamic, its JSON report is "
        "identical to graph mode's (but for `export.executed`): the two modes agree.",
        "",
        "## The training IR against mmengine",
        "",
        "With `--ops mmengine`, the static and the dynamic exports are compared with mmengine on the original "
        "module: every module's flops, activations and parameters, and the unsupported ops and their counts. "
        "The numbers are equal for every module of every model. The unsupported-op counts differ in some models, "
        "because the export graph and mmengine's `torch.jit` trace do not record the same calls; each difference "
        "is listed below with its cause (`tests/reference/export_differences.py`, which the check reads: an "
        "unlisted difference fails it, and so does a listed one that no longer happens).",
        "",
        "| model | modules | flops, activations, parameters | unsupported ops that differ (mmengine → export) | dynamic dimensions | arch lines that differ |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, found, symbols, training, core, core_diff, problems, arch in rows:
        diffs = ", ".join(f"`{op}` {a} → {b}" for op, (a, b) in sorted(found.items())) or "none"
        dims = ("not exported dynamic (`STATIC_ONLY` in export_zoo.py)" if symbols is None else
                ", ".join(f"`{s}`" for s in symbols) or "none (all specialized)")
        status = "equal" if not [p for p in problems if "unsupported" not in p] else "**differ**"
        lines.append(f"| {name} | {len(training['modules'])} | {status} | {diffs} | {dims} | {arch} |")
    lines += [
        "",
        "The arch tree (`--format arch`) prints each module's settings from its parameters' shapes and the arguments "
        "of the ops it ran, as for a traced file. The graph has no type for a module none of its nodes ran in: an "
        "`Identity`, a `Dropout` or `StochasticDepth` in eval mode (export drops them), an empty `Sequential`, a "
        "projection whose weight another module's functional call reads (`out_proj` of `nn.MultiheadAttention`, "
        "swin's `qkv`). Such a module's line prints no class and no settings; a never-called container with "
        "numbered children is a `ModuleList`. The last column counts the lines that differ from mmengine's "
        "`show_arch` string. Besides those modules, one kind remains: `output_size=1` against "
        "`output_size=(1, 1)` for an adaptive pool (the graph holds the list either way, as a traced file does).",
        "",
        "The causes:",
        "",
    ]
    for cause, text in CAUSES.items():
        models = [name for name, *_ in rows if any(e[2] == cause for e in EXPORT_DIFFERENCES.get(name, {}).values())]
        lines.append(f"- `{cause}` ({', '.join(models) or 'no model'}): {text}")
    lines += [
        "",
        "## Core ATen (after `run_decompositions()`)",
        "",
        "Decomposition replaces ops by others (`linear` by `addmm`/`mm`/`bmm` on views, `batch_norm` by "
        "`_native_batch_norm_legit_no_training`, `layer_norm` by `native_layer_norm`, `adaptive_avg_pool2d` by "
        "`mean`, and on the CPU `scaled_dot_product_attention` by its math form: `bmm`, `_softmax`, `mul`). "
        "mmengine's op set knows only some of these, so the core IR is compared under `--ops default`, op key by "
        "op key, against the training IR of the same model: the table lists each op key whose MACs change "
        "(core minus training IR). A change under one key that another key takes back is a renaming; what is "
        "left is work the decomposed graph counts differently (the math form of attention counts every "
        "(query, key) pair, a causal mask included, where `scaled_dot_product_attention` with `is_causal=True` "
        "counts the triangle; `mean` has no formula).",
        "",
        "| model | training IR MACs | core IR MACs | op keys that change (core − training) |",
        "| --- | --- | --- | --- |",
    ]
    for name, found, symbols, training, core, core_diff, problems, arch in rows:
        changes = ", ".join(f"`{op}` {fmt(d)}" for op, d in sorted(core_diff.items())) or "none"
        lines.append(f"| {name} | {training['totals']['macs']} | {core['totals']['macs']} | {changes} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
