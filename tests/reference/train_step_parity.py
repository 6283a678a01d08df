"""A training step on every zoo model: flopscope's Python package (analyze(train_step=True), --ops default)
against torch's FlopCounterMode on the same step (the same loss rule, halved to MACs), family by family.

    python train_step_parity.py [--check] [--markdown FILE] [NAME ...]
    python train_step_parity.py --sweep [--markdown docs/validation-train-step-sweep.md] [NAME ...]
    python train_step_parity.py --exported [--sweep] [--markdown FILE] [NAME ...]

With NAMEs, --markdown rewrites those models' rows and keeps the others'.

--exported: each model exported first (torch.export.export, static shapes, the training IR) and the step analysed
on the ExportedProgram (its graph run with autograd on), against FlopCounterMode on the eager model's step; a model
torch cannot export is listed with torch's reason (run by hand: docs/validation-train-step-exported.md).

--sweep: the transformers architectures, timm models and diffusion models of hf_sweep.py instead of the zoo (run by
hand, not in CI: about twenty-five minutes); a model whose step FlopCounterMode cannot run is listed with torch's
reason.

FlopCounterMode counts convolutions (forward and backward) and the matmul family (mm, addmm, bmm, baddbmm,
whatever op a linear, matmul or einsum decomposes into); flopscope's keys for the same work are summed per family.
A difference must be one of the explained kinds, each computed from the model, not read off the result:
  - grouped convolutions: FlopCounterMode's weight gradient ignores the groups, counting a grouped layer's as a
    dense one's (groups x flopscope's), so its excess must be exactly sum (groups - 1) x the layer's weight
    gradient;
  - attention: FlopCounterMode counts no CPU attention kernel (_scaled_dot_product_flash_attention_for_cpu and
    its backward), so attention is left out of both sides and checked by arithmetic in tests/python;
  - the differences listed in DIFFERENCES, each traced to its op, with its exact size.
--check: exit 1 on any other difference, or a listed one that no longer happens.
"""
import argparse
import json
import math
import os
import sys
import warnings

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoo import MODELS, make_inputs  # noqa: E402

import flopscope  # noqa: E402  (the build tree's, FLOPSCOPE_PACKAGE_DIR on PYTHONPATH, or the installed one)

# Differences traced to an op: model -> family -> (FlopCounterMode minus flopscope, why).
DIFFERENCES = {
    "hf_t5": {"matmul": (327680, "T5's attention mask is a learned position bias that requires grad, so the CPU "
                                 "runs scaled_dot_product_attention's math path, whose forward bmm (Q K^T and P V: "
                                 "262,144 in the encoder, 65,536 in the decoder's self-attention) FlopCounterMode "
                                 "counts as matmul; flopscope counts the op itself, as attention")},
    # The sweep's (--sweep). mT5 is T5 at the same sizes: 2 layers x 4 heads x (32 x 32 encoder + 16 x 16 decoder
    # self-attention pairs) x (16 + 16), Q K^T and P V.
    "mt5": {"matmul": (2 * 4 * (32 * 32 + 16 * 16) * (16 + 16), "as T5: its learned relative position bias sends "
                                                                  "scaled_dot_product_attention to its math path, "
                                                                  "whose bmm FlopCounterMode counts as matmul")},
    # Wav2Vec2-Conformer and Wav2Vec2-BERT add relative position scores computed from the queries (so requiring
    # grad) to the attention's mask: 1 layer x 2 heads of 16 x (79 x 79 frames: 1600 samples through convolutions
    # of stride 5 and 4; 20 x 20 feature frames) x (16 + 16).
    "wav2vec2_conformer": {"matmul": (1 * 2 * 79 * 79 * (16 + 16), "its relative position scores, computed from "
                                                                   "the queries, send scaled_dot_product_attention "
                                                                   "to its math path, whose bmm FlopCounterMode "
                                                                   "counts as matmul")},
    "wav2vec2_bert": {"matmul": (1 * 2 * 20 * 20 * (16 + 16), "its relative_key position scores, computed from the "
                                                              "queries, send scaled_dot_product_attention to its "
                                                              "math path, whose bmm FlopCounterMode counts as "
                                                              "matmul")},
    # Swin's relative position bias too, in windows of 4 x 4 patches: the first stage 4 windows x 2 heads x 16 x 16
    # pairs x (8 + 8), the second (after the patch merging) 1 window x 2 heads x 16 x 16 x (16 + 16).
    "swin": {"matmul": (4 * 2 * 16 * 16 * (8 + 8) + 1 * 2 * 16 * 16 * (16 + 16),
                        "Swin's relative position bias, a parameter, sends scaled_dot_product_attention to its math "
                        "path, whose bmm FlopCounterMode counts as matmul")},
    # Falcon's multi-query attention passes 4 query heads and 1 key/value head without enable_gqa: the CPU's fused
    # kernel takes no such broadcast and the math path runs: 2 layers x 4 heads x 32 x 32 pairs (its mask is
    # explicit) x (16 + 16).
    "falcon": {"matmul": (2 * 4 * 32 * 32 * (16 + 16), "Falcon's multi-query attention (4 query heads, 1 key/value "
                                                       "head, no enable_gqa) runs scaled_dot_product_attention's "
                                                       "math path, whose bmm FlopCounterMode counts as matmul")},
    # BEiT's relative position bias requires grad the same way: 2 layers x 4 heads x 17 x 17 pairs (16 patches and
    # the class token) x (16 + 16).
    "beit": {"matmul": (2 * 4 * 17 * 17 * (16 + 16), "BEiT's relative position bias, a parameter, sends "
                                                       "scaled_dot_product_attention to its math path, whose bmm "
                                                       "FlopCounterMode counts as matmul")},
    # timm's NesT and Hiera attend within blocks or mask units given as a fifth dimension ([B, heads, units,
    # tokens, 32 or 96]): the CPU's fused kernel takes four, so the math path runs. NesT at 64 x 64 (16 x 16
    # patches, head width 32): level 0 has 2 layers x 3 heads x 16 blocks, level 1 2 x 6 x 4, level 2 8 x 12 x 1,
    # each block 16 x 16 pairs x (32 + 32).
    "timm_nest_tiny": {"matmul": ((2 * 3 * 16 + 2 * 6 * 4 + 8 * 12 * 1) * 16 * 16 * (32 + 32),
                                  "NesT's blocked attention has five dimensions, which sends "
                                  "scaled_dot_product_attention to its math path, whose bmm FlopCounterMode counts as "
                                  "matmul")},
    # Hiera's mask-unit attention (head width 96, 4 units), in its first two stages and the pooling block after:
    # 1 head x 64 x 64 pairs, 2 heads x 16 x 16, 2 heads x 16 queries x 64 keys (pooled), 4 heads x 4 x 16.
    "timm_hiera_tiny_224": {"matmul": (4 * (1 * 64 * 64 + 2 * 16 * 16 + 2 * 16 * 64 + 4 * 4 * 16) * (96 + 96),
                                       "Hiera's mask-unit attention has five dimensions, which sends "
                                       "scaled_dot_product_attention to its math path, whose bmm FlopCounterMode "
                                       "counts as matmul")},
    # Pix2Struct's text decoder is T5's, with its learned position bias: 2 layers x 4 heads x 8 x 8 self-attention
    # pairs x (16 + 16) (its encoder places patches by row and column embeddings and takes the fused kernel).
    "pix2struct": {"matmul": (2 * 4 * 8 * 8 * (16 + 16), "as T5: its decoder's learned relative position bias sends "
                                                         "scaled_dot_product_attention to its math path, whose bmm "
                                                         "FlopCounterMode counts as matmul")},
    # Parakeet's FastConformer adds relative position scores computed from the queries: 2 layers x 2 heads of 16 x
    # 8 x 8 frames (64 mel frames subsampled 8 times) x (16 + 16).
    "parakeet": {"matmul": (2 * 2 * 8 * 8 * (16 + 16), "its relative position scores, computed from the queries, "
                                                       "send scaled_dot_product_attention to its math path, whose "
                                                       "bmm FlopCounterMode counts as matmul")},
    # ZoeDepth's BEiT backbone has BEiT's relative position bias: 4 layers x 2 heads x 17 x 17 pairs (16 patches and
    # the class token) x (16 + 16).
    "zoedepth": {"matmul": (4 * 2 * 17 * 17 * (16 + 16), "its BEiT backbone's relative position bias, a parameter, "
                                                         "sends scaled_dot_product_attention to its math path, whose "
                                                         "bmm FlopCounterMode counts as matmul")},
    # Grounding DINO's Swin backbone, in windows of 2 x 2 patches (4 pairs per query), one layer per stage: 64
    # windows x 1 head of 16, 16 x 1 of 32, 4 x 2 of 32, 1 x 2 of 64; each 4 x 4 pairs x (Q K^T and P V).
    "grounding_dino": {"matmul": ((64 * 1 * 16 + 16 * 1 * 32 + 4 * 2 * 32 + 1 * 2 * 64) * 4 * 4 * 2,
                                  "its Swin backbone's relative position bias, a parameter, sends "
                                  "scaled_dot_product_attention to its math path, whose bmm FlopCounterMode counts as "
                                  "matmul")},
    # Florence-2's DaViT attends channel to channel in groups of 16 channels over the tokens, its queries a permuted
    # view (the tokens, SDPA's last dimension, not contiguous), which the CPU's fused kernel does not take: stage 1
    # one group over 8 x 8 tokens, stage 2 two groups over 4 x 4; each 16 x 16 pairs x (Q K^T and P V).
    "florence2": {"matmul": ((1 * 64 + 2 * 16) * 16 * 16 * 2, "DaViT's channel attention, its queries' last dimension "
                                                              "not contiguous, runs scaled_dot_product_attention's "
                                                              "math path, whose bmm FlopCounterMode counts as "
                                                              "matmul")},
    # Ling's hybrid's full-attention layer is multi-head latent attention with transformers' default widths:
    # queries and keys of 128 + 64 (nope and rope), values of 128. The CPU's fused kernel takes one width for all
    # three, so the math path runs: 1 layer x 4 heads x 32 x 32 pairs x (192 + 128).
    "bailing_hybrid": {"matmul": (1 * 4 * 32 * 32 * (192 + 128), "its latent attention's query and key width "
                                                                 "(192) differs from its value width (128), which "
                                                                 "sends scaled_dot_product_attention to its math "
                                                                 "path, whose bmm FlopCounterMode counts as matmul")},
    # dots3's latent attention keeps transformers' default MLA widths (queries and keys 128 + 64, values 128), and
    # its indexer's mask: the math path, 2 layers x 4 heads x 32 x 32 pairs x (192 + 128).
    "dots3_note_text": {"matmul": (2 * 4 * 32 * 32 * (192 + 128), "its latent attention's query and key width (192) "
                                                                  "differs from its value width (128), which sends "
                                                                  "scaled_dot_product_attention to its math path, "
                                                                  "whose bmm FlopCounterMode counts as matmul")},
    # Inkling adds relative logits computed from the queries to its attention's mask: 2 layers x 64 heads of 128 x
    # 32 x 32 pairs x (128 + 128).
    "inkling_text": {"matmul": (2 * 64 * 32 * 32 * (128 + 128), "its relative logits, computed from the queries, "
                                                                "send scaled_dot_product_attention to its math path, "
                                                                "whose bmm FlopCounterMode counts as matmul")},
}
DIFFERENCES["umt5"] = DIFFERENCES["mt5"]  # UMT5 is mT5 with a position bias in every layer: same sizes, same path
CONV, CONV_BACKWARD = {"conv"}, {"conv_backward"}
MATMUL = {"linear", "matmul", "mm", "addmm", "bmm", "baddbmm", "einsum"}
FCM = {"conv": {"aten.convolution", "aten._convolution"}, "conv_backward": {"aten.convolution_backward"},
       "matmul": {"aten.mm", "aten.addmm", "aten.bmm", "aten.baddbmm"}}


def build(name):
    torch.manual_seed(0)
    factory, described = MODELS[name]
    model = factory().eval()
    inputs = make_inputs(name)
    if "forward" in vars(model):  # hf_zoo.bind's positional forward: keyword arguments, as users call them
        del model.forward
        inputs = dict(zip([arg for arg, _, _ in described], inputs))
    return model, inputs


def build_sweep(name):
    """A model of hf_sweep.py: a transformers or diffusers one called with keyword arguments, a timm one with its
    image."""
    import hf_sweep

    described = hf_sweep.SWEEP[name][2]
    torch.manual_seed(0)
    model = hf_sweep.factory_of(name)().eval()
    if hf_sweep.SWEEP[name][0] == hf_sweep.TIMM:
        return model, hf_sweep.tensors(described)
    del model.forward
    return model, dict(zip([arg for arg, *_ in described], hf_sweep.tensors(described)))


def call(model, inputs):
    return model(**inputs) if isinstance(inputs, dict) else model(*inputs)


class GroupedConvolutions(TorchDispatchMode):
    """Sums (groups - 1) x the weight gradient's MACs of every grouped convolution with a trainable weight, from
    the op itself (aten.convolution, where FlopCounterMode counts it), so a functional call with a module's weight
    (Mamba's F.conv1d) counts as a module's call does."""

    def __init__(self):
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if func is torch.ops.aten.convolution.default:
            weight, transposed, groups = args[1], args[6], args[8]
            # Trainable by its parameters: a weight-normed layer's weight is computed from them, and requires grad.
            if groups > 1 and not transposed and weight.requires_grad:
                self.total += (groups - 1) * out.shape[0] * weight.numel() * math.prod(out.shape[2:])
        return out


def grouped_excess(model, inputs):
    """sum over grouped convolutions with a trainable weight of (groups - 1) x the weight gradient's MACs."""
    with GroupedConvolutions() as convolutions:
        call(model, inputs)  # with autograd on, so that a weight computed from parameters requires grad
    return convolutions.total


def ours(model, inputs):
    report = json.loads(flopscope.analyze(model, inputs, ops="default", train_step=True).to_json())
    ops = report["operators"]["macs"] + report["train_step"]["operators"]
    fam = {"conv": 0, "conv_backward": 0, "matmul": 0}
    for o in ops:
        key = "conv" if o["op"] in CONV else "conv_backward" if o["op"] in CONV_BACKWARD else \
            "matmul" if o["op"] in MATMUL else None
        if key:
            fam[key] += o["macs"]
    return fam, report


def exported(model, inputs):
    """The model as torch.export.export makes it from these inputs (the graph flopscope's .pt2 step runs)."""
    args, kwargs = ((), inputs) if isinstance(inputs, dict) else (tuple(inputs), {})
    return torch.export.export(model, args, kwargs)


def theirs(model, inputs):
    with FlopCounterMode(display=False) as counter:
        out = call(model, inputs)
        tensors = [t for t in torch.utils._pytree.tree_leaves(out)
                   if isinstance(t, torch.Tensor) and t.is_floating_point() and t.requires_grad]
        scalars = [t for t in tensors if t.dim() == 0]
        (scalars[0] if scalars else sum(t.sum() for t in tensors)).backward()
    model.zero_grad(set_to_none=True)
    by_op = {str(k): v // 2 for k, v in counter.get_flop_counts().get("Global", {}).items()}
    fam = {f: sum(v for k, v in by_op.items() if k in ops) for f, ops in FCM.items()}
    return fam, by_op


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--markdown")
    parser.add_argument("--sweep", action="store_true", help="hf_sweep.py's architectures instead of the zoo")
    parser.add_argument("--exported", action="store_true", help="the step of each model's torch.export program")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.sweep:
        import hf_sweep
    rows, failed = [], False
    for name in args.names or list(hf_sweep.SWEEP if args.sweep else MODELS):
        if args.sweep and not hf_sweep.available(name):
            continue
        builder = build_sweep if args.sweep else build
        if args.exported:
            model, inputs = builder(name)
            try:
                program = exported(model, inputs)
            except Exception as e:  # noqa: BLE001  (torch's reason, in the table: no step to compare)
                why = (str(e).strip().splitlines() or [""])[0][:120]
                rows.append((name, None, None, None, None, [f"torch.export failed: {type(e).__name__}: {why}"], []))
                print(f"{name}: torch.export failed ({type(e).__name__})", flush=True)
                continue
            try:
                mine, report = ours(program, inputs)
            except flopscope.InvalidInput as e:  # torch's serializer refuses some programs: its reason, listed
                why = str(e).splitlines()[0][:160]
                torch_s = "torch cannot serialize" in why
                rows.append((name, None, None, None, None, [why] if torch_s else [], [] if torch_s else [why]))
                print(f"{name}: {why}", flush=True)
                failed |= not torch_s
                continue
        else:
            mine, report = ours(*builder(name))
        # FlopCounterMode's step on a model of its own: a step can leave state outside the parameters behind (LeViT
        # caches its attention biases, graph and all, in eval mode), and each side must see the model as built.
        model, inputs = builder(name)
        try:
            fcm, by_op = theirs(model, inputs)
        except Exception as e:  # noqa: BLE001  (torch's reason, in the table: not flopscope's numbers)
            why = (str(e).strip().splitlines() or [""])[0][:120]
            rows.append((name, report["totals"]["macs"], report["train_step"]["backward_macs"], None, None,
                         [f"FlopCounterMode's step failed: {type(e).__name__}: {why}"], []))
            print(f"{name}: FlopCounterMode's step failed ({type(e).__name__})", flush=True)
            continue
        excess = grouped_excess(model, inputs)
        notes, problems = [], []
        listed = DIFFERENCES.get(name, {})
        for fam in ("conv", "conv_backward", "matmul"):
            diff = fcm[fam] - mine[fam]
            if fam in listed:
                expected, why = listed[fam]
                if diff == expected:
                    notes.append(f"{fam}: FlopCounterMode {diff:+,}: {why}")
                else:
                    problems.append(f"{fam}: listed difference {expected:+,} but found {diff:+,}")
                continue
            if diff == 0:
                continue
            if fam == "conv_backward" and diff == excess:
                notes.append(f"conv backward: FlopCounterMode {diff:+,} = (groups - 1) x each grouped layer's "
                             "weight gradient")
            else:
                problems.append(f"{fam}: flopscope {mine[fam]:,} vs FlopCounterMode {fcm[fam]:,}")
        if any("attention" in op for op in by_op):
            problems.append("FlopCounterMode counted attention: compare it too")
        forward, backward = report["totals"]["macs"], report["train_step"]["backward_macs"]
        rows.append((name, forward, backward, sum(mine.values()), sum(fcm.values()), notes, problems))
        status = "; ".join(problems) if problems else "equal" if not notes else "; ".join(notes)
        print(f"{name}: {status}", flush=True)
        failed |= bool(problems)
    if args.markdown:
        write_markdown(args.markdown, rows, args.sweep, args.exported)
    return 1 if failed and args.check else 0


def write_markdown(path, rows, sweep=False, exported_=False):
    what = ("the transformers architectures, timm models and diffusion models of `tests/reference/hf_sweep.py` "
            "(eval mode, its tiny configurations and inputs, called with keyword arguments; timm's with their image)"
            if sweep else
            "every zoo model (eval mode, the inputs of `tests/reference/zoo.py`, Hugging Face models with keyword "
            "arguments)")
    command = ("--exported " if exported_ else "") + ("--sweep " if sweep else "") + "--markdown " + path
    by_hand = sweep or exported_
    lines = [
        "# A training step against FlopCounterMode" + (": the sweep's architectures" if sweep else "")
        + (", through torch.export" if exported_ else ""),
        "",
        f"Generated by `tests/reference/train_step_parity.py {command}` "
        f"(with the package on `PYTHONPATH`{'; run by hand, not in CI' if by_hand else ''}): {what}, one training "
        "step, `analyze(train_step=True)` with `--ops default` against "
        "`FlopCounterMode` on the same step (the loss: the model's own scalar output, else the sum of its outputs), "
        "halved to MACs. Counts are MACs." + ("" if sweep or exported_ else " The sweep's architectures (MoE, "
                                                "state-space, vision-language, speech): "
                                                "[validation-train-step-sweep.md](validation-train-step-sweep.md); "
                                                "the step of each model's torch.export program: "
                                                "[validation-train-step-exported.md]"
                                                "(validation-train-step-exported.md).")
        + (" Here flopscope analyses each model's `torch.export.export` program (static shapes, the training IR: "
           "what a `.pt2` file holds), whose step runs the graph with autograd on, and FlopCounterMode the eager "
           "model's step, so that a difference is one the export brings. A model torch cannot export is listed "
           "with torch's reason. The forward column counts the exported graph: where the model builds its causal "
           "mask under export as a tensor rather than passing `is_causal`, its attention counts every pair of "
           "query and key." if exported_ else ""),
        "",
        "Compared: the families FlopCounterMode counts, convolutions forward and backward and the matmul family "
        "(mm, addmm, bmm, baddbmm: what linear layers, matmul and einsum run), whichever module they are in. The "
        "differences have these causes:",
        "",
        "- *grouped convolutions*: FlopCounterMode counts a grouped layer's weight gradient as a dense layer's, "
        "`groups` times flopscope's (its `conv_backward_flop` builds the weight-gradient shapes without the "
        "groups); the excess is checked to equal the sum of `(groups - 1)` x each grouped layer's weight gradient;",
        ("- attention that runs scaled_dot_product_attention's math path, whose bmm FlopCounterMode counts as "
         "matrix products where flopscope counts the op, as attention: mT5's, UMT5's, Swin's and BEiT's, whose "
         "learned position bias requires grad (as T5's in the zoo), Wav2Vec2-Conformer's and Wav2Vec2-BERT's, whose "
         "relative position scores are computed from the queries (Parakeet's and Inkling's too), Falcon's "
         "multi-query attention, latent attention whose query and value widths differ (Ling's hybrid, dots3), and "
         "timm's NesT and Hiera, which attend in blocks given as a fifth dimension, neither of which the CPU's fused "
         "kernel takes; "
         "each listed in the script with its exact size." if sweep else
         "- one difference traced to its op, listed in the script with its exact size (T5's math-path attention)."),
        "",
        "Attention is out of the comparison: FlopCounterMode counts no CPU attention kernel "
        "(`_scaled_dot_product_flash_attention_for_cpu` and its backward); `tests/python/test_train_step.py` checks "
        "flopscope's attention by arithmetic, causal and not. So are MoE experts that run `_grouped_mm`, for which "
        "FlopCounterMode has no formula (checked by arithmetic in validation.md's `grouped-mm`). Norms, pooling, "
        "embeddings, RNNs and elementwise "
        "backward ops are not in FlopCounterMode either: flopscope counts the LSTM's backward (mkldnn's layer "
        "backward, twice the layer's forward), the embedding's (one add per gradient element) and the norms' (per "
        "element by the gradients asked for), adaptive average pooling, upsampling and the grid sampler (and, with "
        "`--ops all`, max and average pooling, activations and softmax), checked by arithmetic; it names every "
        "backward op it does not count, with its calls, in the report's `train_step.unsupported`.",
        "",
        "| model | forward | backward | step ÷ forward | compared: flopscope | FlopCounterMode / 2 | differences |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    import hf_sweep  # here, not at the top: the zoo's --check (CI) needs none of the sweep

    # A run of some models leaves the other models' rows as they were.
    order = list(hf_sweep.SWEEP if sweep else MODELS)
    table = hf_sweep.kept_rows(path, order)
    for name, forward, backward, mine, theirs_, notes, problems in rows:
        ratio = f"{(forward + backward) / forward:.2f}" if forward else "-"
        what = "; ".join(problems) if problems else "; ".join(notes) if notes else "equal"
        compared = f"{mine:,} | {theirs_:,}" if mine is not None else "- | -"
        counts = f"{forward:,} | {backward:,}" if forward is not None else "- | -"
        table[name] = f"| {name} | {counts} | {ratio} | {compared} | {what} |"
    lines += [table[name] for name in order if name in table]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
