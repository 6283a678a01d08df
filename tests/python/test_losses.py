"""Loss functions, distances and similarities under the `all` op set (src/count/loss.cpp, distance.cpp): a fused op
costs what `all` counts for the same computation written out by hand as torch decomposes it, so a model costs the
same whether it calls F.mse_loss or spells it out.
Each hand-written form below follows torch's decomposition (torch/_decomp/decompositions.py, torch/_refs, ATen's
composite cross_entropy); the expected counts are also written out as arithmetic."""
import json

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import flopscope

MEAN, SUM, NONE = "mean", "sum", "none"


def reduce(loss, reduction):
    return loss.mean() if reduction == MEAN else loss.sum() if reduction == SUM else loss


class Loss(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


def flops(fn, *args):
    result = flopscope.analyze(Loss(fn), args, ops="all")
    assert not any("Unsupported" in w for w in result.warnings), result.warnings
    return result.flops


def hand_written_nll(logp, target, weight, reduction, ignore_index=-100):
    if weight is not None:
        logp = logp * weight.view(1, -1)
    result = -torch.gather(logp, 1, torch.where(target != ignore_index, target, 0).unsqueeze(1)).squeeze(1)
    result = torch.where(target != ignore_index, result, 0)
    if reduction == NONE:
        return result
    if weight is not None:
        total = torch.where(target != ignore_index, weight[target], 0).sum()
    else:
        total = (target != ignore_index).sum().to(logp)
    return result.sum() if reduction == SUM else result.sum() / total


X, Y = torch.randn(6, 11), torch.rand(6, 11)
P = torch.rand(6, 11) * 0.98 + 0.01  # probabilities for binary cross entropy
T = torch.tensor([0, 3, 10, 2, 2, 7])  # class indices
W = torch.rand(11)
N = 6 * 11


@pytest.mark.parametrize("reduction", [MEAN, SUM, NONE])
def test_pointwise_losses_cost_their_hand_written_forms(reduction):
    r = 0 if reduction == NONE else N  # the reduction, one per element
    cases = [
        # (fused, hand-written, arithmetic)
        (lambda x, y: F.mse_loss(x, y, reduction=reduction), lambda x, y: reduce((x - y) ** 2, reduction), 2 * N + r),
        (lambda x, y: F.l1_loss(x, y, reduction=reduction), lambda x, y: reduce(torch.abs(x - y), reduction),
         2 * N + r),
        (lambda x, y: F.smooth_l1_loss(x, y, reduction=reduction, beta=0.5),
         lambda x, y: reduce(torch.where((x - y).abs() < 0.5, 0.5 * (x - y).abs() ** 2 / 0.5, (x - y).abs() - 0.25),
                             reduction),
         None),  # the hand-written one computes x - y and its magnitude twice: compared by arithmetic below
        (lambda x, y: F.huber_loss(x, y, reduction=reduction, delta=0.7),
         lambda x, y: (lambda z: reduce(torch.where(z < 0.7, 0.5 * z * z, 0.7 * (z - 0.5 * 0.7)), reduction))(
             (x - y).abs()), 6 * N + r),
        (lambda x, y: F.kl_div(x, y, reduction="sum" if reduction == MEAN else reduction),
         lambda x, y: reduce(torch.xlogy(y, y) - y * x, SUM if reduction == MEAN else reduction), 3 * N + r),
    ]
    for fused, hand_written, expected in cases:
        if expected is not None:
            assert flops(fused, X, Y) == flops(hand_written, X, Y) == expected
    # smooth L1: x - y, |.|, 0.5 * d ** 2 / beta (3), d - 0.5 * beta (1).
    assert flops(lambda x, y: F.smooth_l1_loss(x, y, reduction=reduction, beta=0.5), X, Y) == 6 * N + r


@pytest.mark.parametrize("reduction", [MEAN, NONE])
def test_margin_and_poisson_losses_cost_their_hand_written_forms(reduction):
    r = 0 if reduction == NONE else N
    sign = torch.sign(Y - 0.5)
    cases = [
        (lambda x, y: F.soft_margin_loss(x, y, reduction=reduction),
         lambda x, y: reduce(torch.log1p(torch.exp(-x * y)), reduction), 4 * N + r),
        (lambda x, y: F.hinge_embedding_loss(x, y, margin=0.5, reduction=reduction),
         lambda x, y: reduce(torch.where(y != 1, (0.5 - x).clamp_min(0), torch.zeros_like(x))
                             + torch.where(y != -1, x, torch.zeros_like(x)), reduction), 3 * N + r),
        (lambda x, y: F.margin_ranking_loss(x, y, torch.sign(x - y), margin=0.2, reduction=reduction),
         lambda x, y: reduce((-torch.sign(x - y) * (x - y) + 0.2).clamp_min(0), reduction), None),
        (lambda x, y: F.poisson_nll_loss(x, y.abs(), reduction=reduction),
         lambda x, y: reduce(torch.exp(x) - y.abs() * x, reduction), None),
    ]
    for fused, hand_written, expected in cases[:2]:
        assert flops(fused, X, sign) == flops(hand_written, X, sign) == expected
    # margin ranking: -y, x1 - x2, the product, + margin, the clamp (the sign itself is the test's own op, on both
    # sides); Poisson: exp(x) - t * x (abs(t) is the test's, on both sides).
    for fused, hand_written, _ in cases[2:]:
        assert flops(fused, X, Y) == flops(hand_written, X, Y)
    assert flops(lambda x, y: F.poisson_nll_loss(x, y, reduction=reduction), X, Y) == 3 * N + r
    assert flops(lambda x, y: F.margin_ranking_loss(x, y, y, reduction=reduction), X, Y) == 5 * N + r


def test_embedding_losses_cost_their_hand_written_forms():
    # ATen's cosine_embedding_loss and triplet_margin_loss written out; 6 rows of 11, targets +1 / -1 per row.
    target = torch.tensor([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])

    def cosine_embedding(x, y):
        cos = (x * y).sum(1) / ((x * x).sum(1) + 1e-12).mul((y * y).sum(1) + 1e-12).sqrt()
        zeros = torch.zeros_like(cos)
        return (torch.where(target == 1, 1 - cos, zeros) + torch.where(target == -1, (cos - 0.1).clamp_min(0), zeros)
                ).mean()

    assert (flops(lambda x, y: F.cosine_embedding_loss(x, y, target, margin=0.1), X, Y)
            == flops(cosine_embedding, X, Y) == 6 * N + 9 * 6 + 6)

    def triplet(a, p, n):
        d = lambda u, v: torch.linalg.vector_norm(u - v + 1e-6, 2, dim=-1)  # noqa: E731  (pairwise_distance)
        return (1.0 + d(a, p) - d(a, n)).clamp_min(0).mean()

    negative = X.flip(0)
    assert (flops(lambda a, p, n: F.triplet_margin_loss(a, p, n), X, Y, negative)
            == flops(triplet, X, Y, negative) == 6 * N + 3 * 6 + 6)


def hand_written_multi_margin(p, weighted, reduction):
    # torch's decomposition (torch/_decomp): margin - x[target] per row, + x, clamped, squared for p = 2, weighted,
    # the target's own column zeroed (a selection), then the mean, the sum / C, or the per-row mean.
    def loss(x):
        z = (1.0 - torch.gather(x, 1, T.unsqueeze(1)) + x).clamp_min(0)
        z = z * z if p == 2 else z
        z = z * W[T.unsqueeze(1)] if weighted else z
        z = torch.where(torch.arange(11) != T.unsqueeze(1), z, 0)
        return z.mean() if reduction == MEAN else z.sum() / 11 if reduction == SUM else z.mean(dim=1)
    return loss


@pytest.mark.parametrize("reduction", [MEAN, SUM, NONE])
@pytest.mark.parametrize("p, weighted", [(1, False), (2, True)], ids=["p1", "p2-weighted"])
def test_multi_margin_loss_costs_its_hand_written_form(reduction, p, weighted):
    expected = 6 + (3 + (p == 2) + weighted) * N + (reduction == SUM)  # margin - u per row; 3-5 per element; / C
    fused = lambda x: F.multi_margin_loss(x, T, p=p, weight=W if weighted else None, reduction=reduction)
    assert flops(fused, X) == flops(hand_written_multi_margin(p, weighted, reduction), X) == expected


# Multilabel targets: each row's labels end at its first -1 (none; a repeated label; all 11 classes).
LABELS = torch.tensor([[3, 0, -1] + [1] * 8, [10] + [-1] * 10, [2, 5, 7, 1] + [-1] * 7,
                       [-1] * 11, list(range(11)), [4, 4, -1] + [0] * 8])


def hand_written_multilabel(reduction):
    # torch's decomposition: each row's labels end at its first -1 (found with amin over the row), then for every
    # label j and class i: 1 - x[j] + x[i], clamped, / C, zeroed where i is a label; summed over labels and classes.
    idx = torch.arange(11)

    def loss(x):
        end = torch.amin(torch.where(LABELS == -1, idx, 11), dim=-1, keepdim=True)
        mask = idx < end
        u = torch.gather(x, -1, torch.where(mask, LABELS, 0))
        is_target = torch.any(idx == torch.where(mask, LABELS, -1).unsqueeze(-1), dim=1)
        z = ((1.0 - u.T.unsqueeze(-1) + x).clamp_min(0) / 11)
        z = torch.where(is_target, 0, z)
        return z.sum(dim=(0, -1)).mean() if reduction == MEAN else z.sum() if reduction == SUM else z.sum(dim=(0, -1))
    return loss


@pytest.mark.parametrize("reduction", [MEAN, SUM, NONE])
def test_multilabel_margin_loss_costs_its_hand_written_form(reduction):
    expected = 2 * N + 4 * N * 11 + (6 if reduction == MEAN else 0)  # amin, 1 - u; 4 per label-class pair; mean
    fused = lambda x: F.multilabel_margin_loss(x, LABELS, reduction=reduction)
    assert flops(fused, X) == flops(hand_written_multilabel(reduction), X) == expected


class Trained(nn.Module):
    """A loss of a parameter: the training step's backward reaches the loss's input."""

    def __init__(self, fn):
        super().__init__()
        self.x = nn.Parameter(X.clone())
        self.fn = fn

    def forward(self):
        return self.fn(self.x)


def backward_macs(fn):
    step = json.loads(flopscope.analyze(Trained(fn), (), ops="all", train_step=True).to_json())["train_step"]
    assert not step["unsupported"], step["unsupported"]
    return step["backward_macs"]


@pytest.mark.parametrize("reduction", [MEAN, SUM, NONE])
@pytest.mark.parametrize("p, weighted", [(1, False), (2, True)], ids=["p1", "p2-weighted"])
def test_multi_margin_loss_backward_costs_its_hand_written_forms(reduction, p, weighted):
    # The hand-written form's backward, as autograd runs it: the reduction's division (N elements; the sum's / C: 1),
    # with a weight grad * weight (N), with p = 2 z * z's two products and their sum (3N), the margin's gradient
    # summed per row (N), negated and scattered back to the targets' columns (6 + 6), the two paths to x added (N).
    expected = (N if reduction != SUM else 1) + weighted * N + (p == 2) * 3 * N + N + 6 + 6 + N
    fused = lambda x: F.multi_margin_loss(x, T, p=p, weight=W if weighted else None, reduction=reduction)
    assert backward_macs(fused) == backward_macs(hand_written_multi_margin(p, weighted, reduction)) == expected


@pytest.mark.parametrize("reduction", [MEAN, SUM, NONE])
def test_multilabel_margin_loss_backward_costs_its_hand_written_form(reduction):
    # Per label slot (11) and class (11) of each row: the division by C and the two sums back (to x, to 1 - x[j]);
    # per slot the negation, gather's scatter back and the two paths to x added; the mean's division over 6 rows.
    expected = 3 * N * 11 + 3 * N + (6 if reduction == MEAN else 0)
    fused = lambda x: F.multilabel_margin_loss(x, LABELS, reduction=reduction)
    assert backward_macs(fused) == backward_macs(hand_written_multilabel(reduction)) == expected


def test_distances_and_similarities_cost_their_hand_written_forms():
    # ATen's cosine_similarity: each side divided by its norm clamped to eps, their product summed; 6 rows of 11.
    def cosine(x, y):
        xn = torch.linalg.vector_norm(x, 2, dim=1, keepdim=True).clamp_min(1e-8)
        yn = torch.linalg.vector_norm(y, 2, dim=1, keepdim=True).clamp_min(1e-8)
        return ((x / xn) * (y / yn)).sum(1)

    assert flops(lambda x, y: F.cosine_similarity(x, y), X, Y) == flops(cosine, X, Y) == 6 * N + 2 * 6
    assert (flops(lambda x, y: F.pairwise_distance(x, y), X, Y)
            == flops(lambda x, y: torch.linalg.vector_norm(x - y + 1e-6, 2, dim=-1), X, Y) == 3 * N)
    assert flops(lambda x, y: torch.dist(x, y), X, Y) == flops(lambda x, y: torch.linalg.vector_norm(x - y), X, Y)
    # pdist of 6 rows of 11: 15 pairs, each 11 differences, squares and sums, then the root.
    assert flops(lambda x: F.pdist(x), X) == 15 * 3 * 11 + 15


def test_affine_grid_counts_the_batched_product_torch_runs():
    # F.affine_grid makes a base grid of (x, y, 1) per point and multiplies it by theta^T (bmm): 2 x 5 x 7 points,
    # each 2 coordinates of 3 multiply-adds. Counted from default on, with the grid sampler.
    theta = torch.randn(2, 2, 3)
    result = flopscope.analyze(Loss(lambda t: F.affine_grid(t, [2, 4, 5, 7], align_corners=False)), (theta,),
                               ops="default")
    assert result.flops == 2 * 5 * 7 * 2 * 3 and not any("Unsupported" in w for w in result.warnings)


@pytest.mark.parametrize("weighted", [False, True], ids=["plain", "weighted"])
def test_binary_cross_entropy(weighted):
    w = torch.rand(6, 11) if weighted else None

    def hand_written(p, y):
        loss = (y - 1) * torch.maximum(torch.log1p(-p), p.new_full((), -100)) - y * torch.maximum(
            torch.log(p), p.new_full((), -100))
        return (loss * w if weighted else loss).mean()

    expected = (10 if weighted else 9) * N + N
    assert flops(lambda p, y: F.binary_cross_entropy(p, y, weight=w), P, Y) == flops(hand_written, P, Y) == expected


@pytest.mark.parametrize("pos_weight", [False, True], ids=["plain", "pos_weight"])
def test_binary_cross_entropy_with_logits(pos_weight):
    pw = torch.rand(11) if pos_weight else None

    def hand_written(x, y):
        if pos_weight:
            log_weight = (pw - 1) * y + 1
            return ((1 - y) * x - log_weight * F.logsigmoid(x)).sum()
        return ((1 - y) * x - F.logsigmoid(x)).sum()

    expected = (11 + 7 * N if pos_weight else 4 * N) + N
    assert (flops(lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=pw, reduction="sum"), X, Y)
            == flops(hand_written, X, Y) == expected)


@pytest.mark.parametrize("reduction", [MEAN, SUM, NONE])
@pytest.mark.parametrize("weighted", [False, True], ids=["plain", "weighted"])
def test_cross_entropy_on_class_indices(reduction, weighted):
    w = W if weighted else None
    t = 6
    nll = t + (N if weighted else 0) + (0 if reduction == NONE else 2 * t) + (1 if reduction == MEAN else 0)
    fused = flops(lambda x, y: F.cross_entropy(x, y, weight=w, reduction=reduction), X, T)
    assert fused == flops(lambda x, y: hand_written_nll(F.log_softmax(x, 1), y, w, reduction), X, T)
    assert fused == 3 * N + nll
    assert flops(lambda x, y: F.nll_loss(x, y, weight=w, reduction=reduction), X, T) == nll


@pytest.mark.parametrize("reduction", [MEAN, SUM, NONE])
def test_cross_entropy_with_label_smoothing(reduction):
    # ATen's cross_entropy_loss_label_smoothing, written out.
    def hand_written(x, y):
        logp = F.log_softmax(x, 1)
        nll = hand_written_nll(logp, y, None, reduction)
        smooth = -logp.sum(1)
        ignore = y == -100
        smooth = smooth.masked_fill(ignore, 0.0)
        if reduction == MEAN:
            ret = smooth.sum() / (~ignore).sum()
        else:
            ret = smooth.sum() if reduction == SUM else smooth
        return (1 - 0.1) * nll + ret * (0.1 / 11)

    fused = flops(lambda x, y: F.cross_entropy(x, y, reduction=reduction, label_smoothing=0.1), X, T)
    assert fused == flops(hand_written, X, T)


def test_cross_entropy_on_probabilities():
    def hand_written(x, y):
        y = y * (1 - 0.2) + 0.2 / 11
        return -(F.log_softmax(x, 1) * y).sum() / (N // 11)

    fused = flops(lambda x, y: F.cross_entropy(x, y, label_smoothing=0.2), X, Y)
    assert fused == flops(hand_written, X, Y) == 2 * N + 3 * N + N + N + 1 + 1


def test_other_op_sets_name_losses_unsupported():
    for ops in ("mmengine", "default"):
        result = flopscope.analyze(Loss(lambda x, y: F.mse_loss(x, y)), (X, Y), ops=ops)
        assert result.flops == 0 and any("aten::mse_loss" in w for w in result.warnings)


def test_a_language_models_own_loss_and_its_backward():
    # GPT-2 given labels returns the mean cross-entropy over its 8 positions (transformers pads the shifted labels
    # with -100, so the last position is ignored but still computed) and a vocabulary of 97: under `all` the loss
    # is counted in the forward (log_softmax 3 per logit, nll 8 + 8 + 8 + 1) and in the backward
    # (_log_softmax_backward_data 4 per logit, nll_loss_backward 1 per logit + 1), and nothing is left unsupported.
    transformers = pytest.importorskip("transformers")
    transformers.logging.set_verbosity_error()
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(transformers.GPT2Config(vocab_size=97, n_embd=32, n_layer=1, n_head=2,
                                                                 n_positions=16))
    ids = torch.zeros(1, 8, dtype=torch.long)
    step = json.loads(flopscope.analyze(model, {"input_ids": ids, "labels": ids}, ops="all",
                                        train_step=True).to_json())
    assert not step["unsupported"]["macs"] and not step["train_step"]["unsupported"]
    root = step["modules"][0]
    forward = {o["op"]: o["macs"] for o in root["macs_by_op"]}
    backward = {o["op"]: o["macs"] for o in root["backward_macs_by_op"]}
    logits = 8 * 97
    assert forward["cross_entropy_loss"] == 3 * logits + 8 + 8 + 8 + 1
    assert backward["nll_loss_backward"] == logits + 1
    # the root's per-op figures hold its modules' too: the attention's softmax over 2 heads x 8 x 8 scores
    assert backward["softmax_backward"] == 4 * logits + 4 * 2 * 8 * 8


# CTC loss: ATen's CPU kernel (LossCTC.cpp) per sequence, its loop over the extended target's states written as tensor
# ops. Per input after the first, each state's log-sum-exp of up to three predecessors (a missing one is -inf and goes
# through the same arithmetic; the maximum is picked, a selection), plus the log probability: 11 per state. The end: the
# last two states' log-sum-exp negated (8), or one negation.
LP = torch.randn(12, 4, 6).log_softmax(2)  # T = 12 inputs, N = 4 sequences, C = 6 labels (0 the blank)
CTC_TARGETS = torch.tensor([[1, 2, 2, 5, 3], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [4, 1, 4, 0, 0]])
CTC_INPUTS, CTC_LENGTHS = [12, 9, 0, 7], [5, 0, 0, 3]  # a repeated label (2, 2); no targets; no inputs at all
# 11 (T - 1)(2L + 1) + the end, per sequence
CTC_RECURSION = (11 * 11 * 11 + 8) + (11 * 8 * 1 + 1) + 1 + (11 * 6 * 7 + 8)


def hand_written_ctc(lp, targets, input_lengths, target_lengths, blank=0):
    inf = float("inf")
    losses = []
    for b, (t_len, l_len) in enumerate(zip(input_lengths, target_lengths)):
        ext = [blank]
        for label in targets[b][:l_len].tolist():
            ext += [label, blank]
        states = len(ext)
        if t_len == 0:
            losses.append(-torch.tensor(0.0 if l_len == 0 else -inf))
            continue
        skip = torch.tensor([s > 1 and ext[s - 2] != ext[s] for s in range(states)])
        alpha = torch.full((states,), -inf)
        alpha[:2] = lp[0, b, ext[:2]]
        for t in range(1, t_len):
            a1 = alpha
            a2 = torch.cat([torch.full((1,), -inf), alpha])[:states]
            a3 = torch.where(skip, torch.cat([torch.full((2,), -inf), alpha])[:states], -inf)
            top = torch.stack([a1, a2, a3]).max(0).values
            top = torch.where(top == -inf, 0.0, top)
            alpha = ((a1 - top).exp() + (a2 - top).exp() + (a3 - top).exp()).log() + top + lp[t, b, ext]
        if l_len == 0:
            losses.append(-alpha[0])
            continue
        l1, l2 = alpha[2 * l_len], alpha[2 * l_len - 1]
        top = torch.stack([l1, l2]).max()
        top = torch.where(top == -inf, 0.0, top)
        losses.append(-(((l1 - top).exp() + (l2 - top).exp()).log() + top))
    return torch.stack(losses)


def ctc_reduce(loss, reduction):  # ATen's: each loss over its clamped target length, then the mean; or the sum
    if reduction == MEAN:
        return (loss / torch.tensor(CTC_LENGTHS, dtype=loss.dtype).clamp_min(1)).mean()
    return loss.sum() if reduction == SUM else loss


@pytest.mark.parametrize("reduction, r", [(MEAN, 3 * 4), (SUM, 4), (NONE, 0)])
@pytest.mark.parametrize("zero_infinity", [False, True])  # its == inf and where do no arithmetic
def test_ctc_loss_costs_its_hand_written_form(reduction, r, zero_infinity):
    lengths = torch.tensor(CTC_INPUTS), torch.tensor(CTC_LENGTHS)  # as tensors, as Hugging Face's CTC heads pass them
    fused = lambda lp: F.ctc_loss(lp, CTC_TARGETS, *lengths, reduction=reduction,  # noqa: E731
                                  zero_infinity=zero_infinity)
    written = lambda lp: ctc_reduce(hand_written_ctc(lp, CTC_TARGETS, CTC_INPUTS, CTC_LENGTHS), reduction)  # noqa
    assert torch.allclose(fused(LP), written(LP), equal_nan=True)
    assert flops(fused, LP) == flops(written, LP) == CTC_RECURSION + r


def test_ctc_loss_with_listed_lengths_concatenated_targets_and_no_batch():
    # The overload taking the lengths as tuples, the targets one after another; then one unbatched sequence
    # (T = 12, L = 5): ctc_loss adds the batch dimension before calling _ctc_loss.
    flat = torch.cat([CTC_TARGETS[b, :n] for b, n in enumerate(CTC_LENGTHS)])
    listed = lambda lp: F.ctc_loss(lp, flat, tuple(CTC_INPUTS), tuple(CTC_LENGTHS), reduction="sum")  # noqa: E731
    assert flops(listed, LP) == CTC_RECURSION + 4
    one = lambda lp: F.ctc_loss(lp[:, 0], CTC_TARGETS[0], torch.tensor(12), torch.tensor(5), reduction="sum")  # noqa
    assert flops(one, LP) == 11 * 11 * 11 + 8 + 1


def test_other_op_sets_name_ctc_loss_unsupported():
    for ops in ("mmengine", "default"):
        result = flopscope.analyze(Loss(lambda lp: F.ctc_loss(lp, CTC_TARGETS, CTC_INPUTS, CTC_LENGTHS)), (LP,),
                                   ops=ops)
        assert result.flops == 0 and any("aten::ctc_loss" in w for w in result.warnings), result.warnings


def test_a_speech_models_ctc_head():
    # wav2vec2 given labels computes the CTC loss over its frames (the feature extractor's output length: 1600 samples
    # through kernel 10 stride 5, kernel 3 stride 2, kernel 2 stride 2: (1600 - 10) / 5 + 1 = 319,
    # (319 - 3) / 2 + 1 = 159, (159 - 2) // 2 + 1 = 79 frames) against each row's labels up to its -100s:
    # 78 steps after the first frame, each over 2L + 1 states, and the sum (transformers reduces with "sum").
    transformers = pytest.importorskip("transformers")
    transformers.logging.set_verbosity_error()
    torch.manual_seed(0)
    config = transformers.Wav2Vec2Config(vocab_size=12, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                         intermediate_size=32, conv_dim=(8, 8, 8), conv_stride=(5, 2, 2),
                                         conv_kernel=(10, 3, 2), num_conv_pos_embeddings=4,
                                         num_conv_pos_embedding_groups=2, ctc_loss_reduction="sum")
    model = transformers.Wav2Vec2ForCTC(config).eval()
    labels = torch.tensor([[3, 4, 4, 5, -100], [6, 7, 8, 9, 10]])
    result = json.loads(flopscope.analyze(model, {"input_values": torch.randn(2, 1600), "labels": labels},
                                          ops="all").to_json())
    assert not result["unsupported"]["macs"], result["unsupported"]
    forward = {o["op"]: o["macs"] for o in result["modules"][0]["macs_by_op"]}
    assert forward["_ctc_loss"] == (11 * 78 * 9 + 8) + (11 * 78 * 11 + 8)
