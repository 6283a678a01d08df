"""Runs flopscope on the zoo's TorchScript files and compares it with the recorded reference tools.

    python parity.py FLOPSCOPE ZOO_DIR [--check] [--markdown FILE] [NAME ...]

--check: exit 1 unless, with --ops mmengine, every module of every model matches mmengine exactly in flops,
activations and parameters, and the unsupported ops match in names and counts; and unless every difference
of --ops default from mmengine comes from an op mmengine does not count, and every difference from
FlopCounterMode per op family is one a rule of FCM_RULES explains (or predicts, with its size).
--markdown FILE: write the validation table (docs/validation.md).
"""
import difflib
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_zoo import HF_ZOO  # noqa: E402
from zoo import MODELS  # noqa: E402


def shape_args(ref):
    """One --full-shape per forward argument, in order; a non-float32 input carries its dtype (1,16:int64)."""
    args = []
    for x in ref.get("inputs") or [ref["input"]]:
        shape = ",".join(str(d) for d in x["shape"])
        args += ["--full-shape", shape if x["dtype"] == "float32" else f"{shape}:{x['dtype']}"]
    return args


def flopscope_report(cli, pt, ref, ops):
    p = subprocess.run([cli, "analyze", pt, *shape_args(ref), "--ops", ops, "--format", "json", "--quiet"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"flopscope failed on {pt} ({ops}): {p.stderr.strip()}")
    return json.loads(p.stdout)


def flopscope_arch(cli, pt, ref):
    p = subprocess.run([cli, "analyze", pt, *shape_args(ref), "--format", "arch", "--quiet", "--output", "/dev/stdout"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"flopscope failed on {pt} (arch): {p.stderr.strip()}")
    return p.stdout[:-1] if p.stdout.endswith("\n") else p.stdout  # a file gets mmengine's string and a newline


def mmengine_mismatches(report, ref):
    """Every per-module difference between flopscope (--ops mmengine) and mmengine."""
    mm = ref["mmengine"]
    ours = {m["path"]: m for m in report["modules"]}
    problems = []
    for name, value in mm["flops"].items():
        if name not in ours:
            problems.append(f"module '{name}' missing")
            continue
        m = ours[name]
        for key, theirs, mine in (("flops", value, m["macs"]), ("activations", mm["activations"].get(name, 0),
                                                                 m["activations"]),
                                  ("parameters", mm["parameters"].get(name, 0), m["parameters"])):
            if theirs != mine:
                problems.append(f"{name or 'model'} {key}: mmengine {theirs}, flopscope {mine}")
    for name in ours:
        if name not in mm["flops"]:
            problems.append(f"module '{name}' unknown to mmengine")
    for stat, key in (("unsupported_flops", "macs"), ("unsupported_activations", "activations")):
        theirs = dict(mm[stat])
        mine = {u["op"]: u["count"] for u in report["unsupported"][key]}
        if theirs != mine:
            problems.append(f"{stat}: mmengine {theirs}, flopscope {mine}")
    return problems


HEADER = re.compile(r"^(\s*)\((\S+)\): \w")


def module_of_lines(text):
    """The module path each line of an arch tree belongs to. A header "(name): Class(" at indent k opens a
    module; its lines are indented further and its closing ")" sits at k; the root's lines belong to ""."""
    stack, out = [], []

    def path():
        return ".".join(name for _, name in stack)

    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        m = HEADER.match(line)
        if m:
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, m.group(2)))
            out.append(path())
            continue
        while stack and stack[-1][0] > indent:
            stack.pop()
        out.append(path())
        if stack and stack[-1][0] == indent:  # the closing ")" of the module opened at this indent
            stack.pop()
    return out


SPELLING = re.compile(r"output_size=\((\d+)(?:, \1)*\)")


def arch_differences(ours, theirs, uncalled):
    """The arch tree against mmengine's, line by line. Two kinds of difference are explained, and counted:
    - 'never called': the settings of a module no op ran in (a Dropout whose p is only passed to SDPA, timm's
      DropPath, a tied embedding the trace reaches through another name). A traced file keeps a module's
      settings only as the constants of the ops it ran, so these are not in the file; flopscope leaves them
      out rather than print a default.
    - 'spelling': output_size=(1, 1) or output_size=1 for an adaptive pool: both trace to the same list, so the
      file cannot say which the Python code wrote; flopscope writes the int when the values are equal.
    Any other difference is a problem."""
    a, b = theirs.splitlines(), ours.splitlines()
    where_a, where_b = module_of_lines(theirs), module_of_lines(ours)
    explained = {"never called": 0, "spelling": 0}
    problems = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old, new = a[i1:i2], b[j1:j2]
        if len(old) == len(new) and all(SPELLING.sub(r"output_size=\1", x) == y for x, y in zip(old, new)):
            explained["spelling"] += len(old)
            continue
        modules = set(where_a[i1:i2]) | set(where_b[j1:j2])
        if modules and all(m in uncalled for m in modules):
            explained["never called"] += max(len(old), len(new))
            continue
        problems += [f"arch: mmengine {x!r}" for x in old[:3]] + [f"arch: flopscope {y!r}" for y in new[:3]]
    return problems, explained


def analytic_checks(name, default):
    """Formulas written out by hand for zoo models whose ops mmengine cannot count."""
    ops = {e["op"]: e["macs"] for e in default["operators"]["macs"]}
    expected = {}
    if name == "vit_b_16":
        # 12 encoder layers, 12 heads, 197 tokens (196 patches + class token), head dim 64:
        # Q @ K^T and softmax @ V each cost heads * L * S * 64.
        expected["scaled_dot_product_attention"] = 12 * 12 * 197 * 197 * (64 + 64)
    if name == "tiny_gpt":
        # 4 blocks, batch 2, 4 heads, 64 causal tokens: 64 * 65 / 2 (query, key) pairs, head dim 32.
        expected["scaled_dot_product_attention"] = 4 * 2 * 4 * (64 * 65 // 2) * (32 + 32)
    if name == "bilstm":
        # 20 steps x 3 sequences; per direction layer 0: w_ih (512, 64) + w_hh (512, 128); layer 1: w_ih
        # (512, 256) + w_hh (512, 128); two directions.
        expected["lstm"] = 20 * 3 * 2 * (512 * 64 + 512 * 128 + 512 * 256 + 512 * 128)
    if name == "hf_mixtral":
        # 2 layers, 32 tokens each routed to 2 of 4 experts; an expert is gate_up [64 -> 2*128] and down
        # [128 -> 64]: 64 token-expert pairs per layer, 64*256 + 128*64 MACs each.
        expected["_grouped_mm"] = 2 * 32 * 2 * (64 * 256 + 128 * 64)
    return [f"{op}: formula {v}, flopscope {ops.get(op)}" for op, v in expected.items() if ops.get(op) != v]


# --ops default counts einsum as torch contracts it (its batched products, in torch's order); mmengine counts half
# of numpy's optimized FLOP count for numpy's optimal order, printed with 4 significant digits. model -> (default
# minus mmengine, why), written out from the model. einsum_mixer's four two-operand einsums count the same on both
# sides (their products print exactly); bi,bj,ij->b (b = 2, i = j = 16) is, to mmengine, numpy's path ij,bi->bj
# then bj,bj->b, 1089 FLOPs, 544 MACs rounded down; torch multiplies bi,bj->bij elementwise (no MACs) and then
# runs one bmm, bij,ij->b, of 2 x 16 x 16.
EINSUM_ORDER = {"einsum_mixer": (2 * 16 * 16 - 1089 // 2, "bi,bj,ij->b: torch's order and products (512 MACs) for "
                                                          "numpy's optimal order as mmengine rounds it (544)")}


def default_differences(default, ref, name):
    """Differences of --ops default from mmengine, by op: each must be an op mmengine reports unsupported, or
    einsum's order (EINSUM_ORDER)."""
    unsupported = set(op.split("::")[-1] for op in ref["mmengine"]["unsupported_flops"])
    extra = {}
    for entry in default["operators"]["macs"]:
        if entry["op"] in unsupported:
            extra[entry["op"]] = entry["macs"]
    delta = default["totals"]["macs"] - ref["mmengine"]["total_flops"]
    unexplained = delta - sum(extra.values()) - EINSUM_ORDER.get(name, (0, None))[0]
    return extra, unexplained


def fmt(x):
    return f"{x / 1e9:.3f}G" if x >= 1e8 else f"{x / 1e6:.3f}M" if x >= 1e5 else str(x)


def command_line():
    """FLOPSCOPE ZOO_DIR [NAME ...] [--check] [--markdown FILE]: (cli, zoo_dir, names, check, markdown file)."""
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    markdown = sys.argv[sys.argv.index("--markdown") + 1] if "--markdown" in sys.argv else None
    if markdown:
        args.remove(markdown)
    return args[0], args[1], args[2:] or list(MODELS), "--check" in sys.argv, markdown


def main():
    cli, zoo_dir, names, check, markdown = command_line()
    failed = False
    rows = []
    for name in names:
        with open(os.path.join(zoo_dir, name + ".json")) as f:
            ref = json.load(f)
        pt = os.path.join(zoo_dir, name + ".pt")
        try:
            reports = {ops: flopscope_report(cli, pt, ref, ops) for ops in ("mmengine", "default", "all")}
        except RuntimeError as e:  # one model's failure is reported, the others still run
            print(f"{name}: {e}")
            failed = True
            continue
        problems = mmengine_mismatches(reports["mmengine"], ref)
        uncalled = {m["path"] for m in reports["mmengine"]["modules"] if not m["called"]}
        arch_problems, arch_explained = arch_differences(flopscope_arch(cli, pt, ref), ref["mmengine"]["arch"],
                                                         uncalled)
        problems += arch_problems
        extra, unexplained = default_differences(reports["default"], ref, name)
        problems += analytic_checks(name, reports["default"])
        if unexplained != 0:
            problems.append(f"default differs from mmengine by {unexplained} MACs not explained by an op mmengine "
                            f"does not count")
        status = "ok" if not problems else f"{len(problems)} mismatches"
        notes = ", ".join(f"{n} arch lines {why}" for why, n in arch_explained.items() if n)
        print(f"{name}: mmengine parity {status}; default adds {extra or 'nothing'}" + (f"; {notes}" if notes else ""))
        for p in problems[:20]:
            print("   ", p)
        failed |= bool(problems)
        reason = ", ".join([f"{op} +{fmt(n)}" for op, n in extra.items()] +
                           [f"einsum {n:+} ({why})" for n, why in [EINSUM_ORDER.get(name, (0, None))] if why]) \
            or "no op mmengine misses"
        rows.append((name, reports, ref, reason, len(reports["mmengine"]["modules"]), problems, arch_explained))
    fcm_lines, unexplained, unmapped = fcm_section(rows)
    for u in sorted(unmapped):
        print(f"FlopCounterMode comparison: {u} is in no op family")
    for u in unexplained:
        print(f"FlopCounterMode comparison: unexplained difference: {u}")
    failed |= bool(unmapped or unexplained)
    if markdown:
        write_markdown(markdown, rows, fcm_lines)
    if check and failed:
        sys.exit(1)


# --- --ops default against FlopCounterMode, per op family (the second table of docs/validation.md) ---

# family -> (flopscope's op keys, FlopCounterMode's ops). FlopCounterMode (torch 2.11) has formulas for mm, addmm,
# bmm, baddbmm, _scaled_mm, the convolution ops and the GPU attention kernels only; families with an empty set
# have no formula there. Every key of either side that is in no family is printed, not dropped.
FCM_FAMILIES = {
    "matrix products": (
        {"linear", "addmm", "mm", "matmul", "bmm", "baddbmm", "addbmm", "addmv", "mv", "dot", "vdot", "einsum",
         "tensordot", "inner", "linalg_multi_dot", "bilinear", "cdist"},
        {"aten.mm", "aten.addmm", "aten.bmm", "aten.baddbmm", "aten._scaled_mm"}),
    "convolution": (
        {"conv"},
        {"aten.convolution", "aten._convolution", "aten.convolution_overrideable", "aten.cudnn_convolution",
         "aten._slow_conv2d_forward"}),
    "attention": (
        {"scaled_dot_product_attention", "_native_multi_head_attention"},
        {"aten._scaled_dot_product_flash_attention", "aten._scaled_dot_product_efficient_attention",
         "aten._scaled_dot_product_cudnn_attention", "aten._flash_attention_forward",
         "aten._efficient_attention_forward"}),
    "MoE experts": ({"_grouped_mm"}, set()),
    "recurrent": ({"lstm", "gru", "rnn_tanh", "rnn_relu"}, set()),
    "norms, pooling, upsampling, embeddings": (
        {"batch_norm", "layer_norm", "group_norm", "instance_norm", "adaptive_avg_pool2d", "grid_sampler",
         "embedding", "embedding_bag", "upsample_nearest1d", "upsample_nearest2d", "upsample_nearest3d",
         "_upsample_nearest_exact1d", "_upsample_nearest_exact2d", "_upsample_nearest_exact3d",
         "upsample_linear1d", "upsample_bilinear2d", "upsample_trilinear3d", "upsample_bicubic2d"}, set()),
}


def attention_macs(layers, batch, heads, pairs, head_dim):
    """B*heads*P*(E+Ev), E = Ev = head_dim, P the (query, key) pairs: L*S, or L(L+1)/2 with is_causal=True."""
    return layers * batch * heads * pairs * 2 * head_dim


def causal(n):
    return n * (n + 1) // 2


# flopscope's attention MACs, written out from each model's configuration (zoo.py, hf_zoo.py). Encoder-decoder
# models: encoder self-attention, decoder self-attention, cross-attention. The Hugging Face decoders pass their
# causal mask as a tensor (attn_mask), so every (query, key) pair is counted; tiny_gpt and CLIP's text encoder
# call SDPA with is_causal=True, so only the triangle is. LLaMA and Mixtral: 4 query heads (K, V shared by 2).
ATTENTION = {
    "vit_b_16": attention_macs(12, 1, 12, 197 * 197, 64),  # 196 patches + class token
    "transformer_encoder": attention_macs(6, 2, 8, 32 * 32, 64),
    "tiny_gpt": attention_macs(4, 2, 4, causal(64), 32),
    "hf_bert": attention_macs(2, 1, 4, 32 * 32, 16),
    "hf_albert": attention_macs(2, 1, 4, 32 * 32, 16),  # one shared layer, called twice
    "hf_gpt2": attention_macs(2, 1, 4, 32 * 32, 16),
    "hf_llama_sdpa": attention_macs(2, 1, 4, 32 * 32, 16),
    "hf_mixtral": attention_macs(2, 1, 4, 32 * 32, 16),
    "hf_t5": attention_macs(2, 1, 4, 32 * 32 + 16 * 16 + 16 * 32, 16),
    "hf_bart": attention_macs(2, 1, 4, 32 * 32 + 16 * 16 + 16 * 32, 16),
    "hf_whisper": attention_macs(2, 1, 4, 32 * 32 + 16 * 16 + 16 * 32, 16),  # 64 frames, conv stride 2: 32
    "hf_clip": attention_macs(2, 1, 4, causal(16) + 17 * 17, 16),  # text (causal) + vision (16 patches + class)
    "hf_wav2vec2": attention_macs(2, 1, 4, 39 * 39, 16),  # 1600 samples, conv strides 5, 4, 2: 39 frames
    "hf_vit": attention_macs(2, 1, 4, 17 * 17, 16),
    "timm_vit_tiny": attention_macs(12, 1, 3, 17 * 17, 64),
}

# The rules that explain a difference (flopscope minus FlopCounterMode / 2), by id; docs/validation.md prints them.
FCM_RULES = {
    "no-formula": "FlopCounterMode has no formula for batch norm, layer norm, group norm, pooling or "
                  "upsampling, so it counts 0 where flopscope counts what mmengine counts (the per-module parity "
                  "of the first table checks those numbers; embeddings are 0 MACs on every side). Verified: "
                  "FlopCounterMode's count for the family is 0.",
    "cpu-attention": "On the CPU, SDPA runs `aten._scaled_dot_product_flash_attention_for_cpu`, for which "
                     "FlopCounterMode has no formula (its attention formulas are for the CUDA kernels), so it "
                     "counts no attention; flopscope counts B·heads·P·(E+Ev), P = L·S pairs of query and key, or "
                     "L(L+1)/2 with `is_causal=True` (tiny_gpt, CLIP's text encoder; the Hugging Face decoders "
                     "traced here pass their causal mask as an `attn_mask` tensor, so all L·S pairs count). "
                     "Verified: the difference equals that formula, written out from the model's configuration "
                     "in `ATTENTION` (parity.py). On a GPU FlopCounterMode would count SDPA, always as L·S: its "
                     "formula ignores `is_causal`.",
    "t5-math-path": "T5's self-attention adds a relative position bias that requires grad (it comes from an "
                    "embedding), and the CPU's fused kernel cannot take such a mask, so SDPA falls back to its "
                    "math path, whose two `aten.bmm` FlopCounterMode counts as matrix products; flopscope counts "
                    "them under attention. Cross-attention (its bias is constant zeros) takes the fused kernel, "
                    "which FlopCounterMode does not count (`cpu-attention`). Verified: FlopCounterMode's matrix "
                    "products exceed flopscope's by the self-attention, 2·4·(32·32 + 16·16)·(16+16).",
    "grouped-mm": "FlopCounterMode has no formula for `aten._grouped_mm`, which runs Mixtral's experts. "
                  "Verified: the difference is 2 layers × 32 tokens × 2 experts per token × (64·256 gate/up + "
                  "128·64 down).",
    "lstm": "FlopCounterMode has no formula for `aten.lstm`. Verified: the difference is the LSTM formula of "
            "`analytic_checks` (parity.py).",
}

# (model, family) -> (flopscope minus FlopCounterMode / 2, rule id), for the differences a formula predicts.
FCM_EXPECTED = {
    **{(name, "attention"): (macs, "cpu-attention") for name, macs in ATTENTION.items()},
    ("hf_t5", "matrix products"): (-attention_macs(2, 1, 4, 32 * 32 + 16 * 16, 16), "t5-math-path"),
    ("hf_mixtral", "MoE experts"): (2 * 32 * 2 * (64 * 256 + 128 * 64), "grouped-mm"),
    ("bilstm", "recurrent"): (20 * 3 * 2 * (512 * 64 + 512 * 128 + 512 * 256 + 512 * 128), "lstm"),
}


def fcm_by_family(default, ref):
    """Per family: (flopscope --ops default MACs, FlopCounterMode's FLOPs / 2); and the op keys of either side
    that no family maps."""
    ours = {f: 0 for f in FCM_FAMILIES}
    theirs = {f: 0 for f in FCM_FAMILIES}
    unmapped = []
    for entry in default["operators"]["macs"]:
        family = next((f for f, (mine, _) in FCM_FAMILIES.items() if entry["op"] in mine), None)
        if family is None:
            unmapped.append(f"flopscope {entry['op']}")
        else:
            ours[family] += entry["macs"]
    for op, flops in ref["flop_counter_mode"]["by_op"].items():
        family = next((f for f, (_, fcm) in FCM_FAMILIES.items() if op in fcm), None)
        if family is None:
            unmapped.append(f"FlopCounterMode {op}")
        else:
            theirs[family] += flops // 2
    return {f: (ours[f], theirs[f]) for f in FCM_FAMILIES}, unmapped


def fcm_explain(name, family, ours, theirs):
    """The rule that explains ours - theirs, or None when no rule's numbers hold."""
    diff = ours - theirs
    expected = FCM_EXPECTED.get((name, family))
    if expected is not None:
        return expected[1] if diff == expected[0] else None
    if diff == 0:
        return ""
    if family == "norms, pooling, upsampling, embeddings" and theirs == 0:
        return "no-formula"
    return None


def fcm_section(rows):
    """The markdown of the per-family comparison with FlopCounterMode, and the differences no rule explains."""
    table = {}
    unmapped = set()
    for name, reports, ref, *_ in rows:
        table[name], missing = fcm_by_family(reports["default"], ref)
        unmapped.update(missing)
    families = [f for f in FCM_FAMILIES if any(t[f] != (0, 0) for t in table.values())]
    lines = [
        "## `--ops default` against FlopCounterMode, per op family",
        "",
        "flopscope's `--ops default` MACs per op family next to FlopCounterMode's FLOPs / 2 (its counts by op, "
        "`Global`). A cell shows one number when both agree, else flopscope vs FlopCounterMode and the "
        "difference (flopscope minus FlopCounterMode). The families, and the ops of each side in them, are "
        "`FCM_FAMILIES` in `tests/reference/parity.py`: matrix products (flopscope's linear, addmm, matmul, "
        "bmm, einsum…; FlopCounterMode's `aten.mm`, `aten.addmm`, `aten.bmm`, `aten.baddbmm`), convolution, "
        "attention (SDPA, `_native_multi_head_attention`), MoE experts (`_grouped_mm`), recurrent (LSTM, GRU, "
        "RNN) and norms, pooling, upsampling and embeddings. Every difference is explained by one of the rules "
        "below, whose numbers `parity.py` checks; the last column names them.",
        "",
        "| model | " + " | ".join(families) + " | explained by |",
        "| --- | " + " | ".join("---" for _ in families) + " | --- |",
    ]
    unexplained = []
    for name, fams in table.items():
        cells, rules = [], []
        for f in families:
            ours, theirs = fams[f]
            if ours == theirs:
                cells.append(fmt(ours) if ours else "0")
                continue
            diff = ours - theirs
            cells.append(f"{fmt(ours)} vs {fmt(theirs)} ({'+' if diff > 0 else '−'}{fmt(abs(diff))})")
            rule = fcm_explain(name, f, ours, theirs)
            if rule is None:
                unexplained.append(f"{name}, {f}: flopscope {ours}, FlopCounterMode {theirs}")
                rule = "**unexplained**"
            if rule not in rules:
                rules.append(rule)
        for (model, f), (diff, rule) in FCM_EXPECTED.items():  # a predicted difference that did not happen
            if model == name and fams[f][0] == fams[f][1]:
                unexplained.append(f"{name}, {f}: {rule} predicts {diff}, but both count {fams[f][0]}")
                rules += [] if "**unexplained**" in rules else ["**unexplained**"]
        lines.append(f"| {name} | " + " | ".join(cells) + " | " + (", ".join(f"`{r}`" if not r.startswith("*")
                                                                            else r for r in rules) or "equal") + " |")
    lines += ["", "The rules:", ""]
    lines += [f"- `{rule}`: {text}" for rule, text in FCM_RULES.items()]
    fcm_keys = sorted({op for _, _, ref, *_ in rows for op in ref["flop_counter_mode"]["by_op"]})
    lines += [
        "",
        "FlopCounterMode's ops across the zoo: " + ", ".join(f"`{op}`" for op in fcm_keys) + "; "
        + ("every op of either side is in a family." if not unmapped else
           "in no family: " + ", ".join(f"`{u}`" for u in sorted(unmapped)) + "."),
        "",
        "Where FlopCounterMode does count attention, it sees `aten.bmm`: eager attention (LLaMA with "
        "`attn_implementation=\"eager\"`, the window attention of both Swins, einsum_mixer's score products), "
        "which flopscope also counts as `matmul` / `einsum`, so the matrix products are equal; and T5's "
        "self-attention (`t5-math-path`).",
    ]
    if unexplained:
        lines += ["", "Unexplained differences:", ""] + [f"- {u}" for u in unexplained]
    return lines, unexplained, sorted(unmapped)


def arch_note(explained):
    return ", ".join(f"{n} {why}" for why, n in explained.items() if n) or "equal"


def write_markdown(path, rows, fcm_lines):
    lines = [
        "# Validation against mmengine, fvcore and FlopCounterMode",
        "",
        "Generated by `tests/reference/parity.py` from the zoo in `tests/reference/zoo.py` (eval mode, batch as "
        "listed there). Counts are MACs (mmengine's \"flops\"); FlopCounterMode counts 2 per MAC and is halved "
        "here. Regenerate with:",
        "",
        "```",
        "python tests/reference/make_reference.py build/fixtures/zoo",
        "python tests/reference/parity.py build/flopscope build/fixtures/zoo --markdown docs/validation.md",
        "```",
        "",
        "The same zoo exported with `torch.export` and analysed from its graph (`.pt2`, static and dynamic "
        "shapes, both IRs) is compared with mmengine in [validation-export.md](validation-export.md).",
        "",
        "A training step on the same zoo (`--train-step`) is compared with FlopCounterMode in "
        "[validation-train-step.md](validation-train-step.md), every difference explained.",
        "",
        "More transformers architectures (Qwen, Gemma, Phi, Falcon, OPT, BLOOM, DeepSeek-V2 and V3, OLMoE, "
        "gpt-oss, Llama 4, Qwen3-Next, Mamba-2, Jamba, Falcon-H1, RecurrentGemma, DeBERTa, ModernBERT, mT5, "
        "Pegasus, LongT5, T5Gemma, SwitchTransformers, Swin, SegFormer; the vision-language models LLaVA, "
        "PaliGemma, Gemma 3, Qwen2-VL, Qwen2.5-VL, Idefics3, BLIP-2; DINOv2, BEiT, DPT, MobileViT; HuBERT, "
        "Encodec, SpeechT5, MusicGen; FNet, XLNet…), 71 timm models beyond the zoo's four (ResNet to RegNet, "
        "DenseNet, HRNet, NFNet, MobileNetV4, FastViT, EfficientViT, LeViT, CaiT, XCiT, PVT, Swin V2, CrossViT, "
        "VOLO, NesT, FocalNet, MViT V2, Hiera, EVA-02, MLP-Mixer, PoolFormer…), and diffusers' UNet, VAE, DiT, SD3 "
        "and Flux, are compared with mmengine by a sweep run by hand, outside CI: "
        "[validation-sweep.md](validation-sweep.md).",
        "",
        "The Python package (`import flopscope`) analyses the same zoo's live modules, with no trace, and "
        "`tests/python/test_zoo_parity.py` requires every module's flops, activations and parameters, the never "
        "called modules and the whole architecture text to equal mmengine's on every model, the Hugging Face "
        "ones called with keyword arguments. The architecture text there has no explained difference: the "
        "package reads each module's own `extra_repr()`, which a traced file does not keep. The same test runs "
        "every model shape-only (`shape_only=True`) against the same references: on meta tensors, or, for the "
        "models whose forward reads tensor values (GPT-2, both LLaMAs, BART and Whisper: transformers' mask "
        "checks), on fake tensors, where they take the traced path mmengine's references were made on. Mixtral "
        "alone cannot run shape-only in fp32: torch's meta kernel for `_grouped_mm` takes bf16 only (in bf16, as MoE models ship, it runs).",
        "",
        f"The zoo has {len(rows)} models: torchvision and hand-written models, and {len(HF_ZOO)} Hugging Face "
        "(transformers) and timm models built from tiny configurations with random weights "
        "(`tests/reference/hf_zoo.py`; nothing is downloaded). Each is traced to TorchScript, and every tool "
        "sees the same call, `model(*tensors)`: mmengine and fvcore trace with positional tensors only, and "
        "flopscope passes one tensor per `--full-shape`, in order. timm models take their image positionally; "
        "a transformers model's forward is bound on the instance (`bind` in hf_zoo.py) so that the tensors, in "
        "order, become the keyword arguments named in the zoo (`input_ids`, `decoder_input_ids`, "
        "`pixel_values`…) with `return_dict=False`; the module and its submodules are unchanged. Integer "
        "inputs (token ids) are zeros, as flopscope makes them.",
        "",
        "\"mmengine parity\" compares, with `--ops mmengine`, every module's flops, activations and parameters "
        "and the unsupported ops with mmengine's, and the architecture tree (`--format arch`, mmengine's "
        "`show_arch` string) line by line. The tree has two kinds of explained difference, counted in the "
        "\"arch lines explained\" column: *never called*, the settings of a module no op ran in (a Dropout whose "
        "p only reaches SDPA, timm's DropPath, a tied embedding the trace reaches under another name), which a "
        "traced file does not keep, so flopscope leaves them out rather than print a default; and *spelling*, "
        "`output_size=(1, 1)` against `output_size=1` for an adaptive pool, which trace to the same list, so "
        "flopscope writes the int when the values are equal. Any other line that differs counts as a "
        "difference.",
        "",
        "## Totals",
        "",
        "| model | modules | mmengine parity | arch lines explained | flopscope mmengine | flopscope default "
        "| flopscope all | mmengine | fvcore | FlopCounterMode / 2 | parameters | default vs mmengine |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, reports, ref, reason, modules, problems, arch_explained in rows:
        parity = "all modules equal" if not problems else f"{len(problems)} differences"
        lines.append(
            f"| {name} | {modules} | {parity} | {arch_note(arch_explained)} | "
            f"{fmt(reports['mmengine']['totals']['macs'])} | "
            f"{fmt(reports['default']['totals']['macs'])} | {fmt(reports['all']['totals']['macs'])} | "
            f"{fmt(ref['mmengine']['total_flops'])} | {fmt(ref['fvcore']['total_flops'])} | "
            f"{fmt(ref['flop_counter_mode']['total_flops'] // 2)} | "
            f"{fmt(reports['mmengine']['totals']['parameters'])} | {reason} |")
    lines += [
        "",
        "Why the columns differ:",
        "",
        "- **default vs mmengine**: the ops listed in the last column, which mmengine reports as unsupported and "
        "counts as 0 (attention, RNNs, MoE experts' `_grouped_mm`, baddbmm and friends), and einsum, which default "
        "counts as torch contracts it (its batched products, in torch's order) where mmengine takes numpy's "
        "optimal order, rounded to 4 significant digits (`EINSUM_ORDER`). Formulas: `flopscope ops --ops default`.",
        "- **all vs default**: pooling, softmax, activation functions and elementwise arithmetic, one operation per "
        "element (`flopscope ops --ops all`).",
        "- **fvcore vs mmengine**: identical handlers; they differ only where mmengine promotes 1-D matmul operands.",
        "- **FlopCounterMode / 2 vs default**: FlopCounterMode counts matrix products and convolutions but no "
        "norms, pooling, upsampling, LSTM or `_grouped_mm`, and on the CPU none of SDPA's fused attention, so it "
        "is lower on CNNs and on every model with SDPA; it does count eager attention (`matmul` / `bmm`). The "
        "next section takes this apart per op family.",
        "",
    ]
    lines += fcm_lines + [""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
