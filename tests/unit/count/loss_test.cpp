// Loss functions (src/count/loss.cpp, all only): each the elementwise ops of torch's decomposition of it, one per
// output element, a reduction one per input element. On hand-built records at odd shapes, with each op of the
// decomposition written out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), macs(), V

constexpr int kNone = 0, kMean = 1, kSum = 2;  // at::Reduction

TEST(Loss, OnlyAllCountsThem) {
  for (const char* set : {"mmengine", "default"}) {
    EXPECT_EQ(macs(set, "mse_loss", {V::tensor({3, 5}), V::tensor({3, 5}), V::integer(kMean)}), -1) << set;
    EXPECT_EQ(macs(set, "cross_entropy_loss", {V::tensor({3, 5}), V::tensor({3})}), -1) << set;
  }
}

TEST(Loss, PointwiseLosses) {
  const Count n = 3 * 5 * 7;
  auto loss = [](const char* name, std::vector<Value> extra) {
    std::vector<Value> in = {V::tensor({3, 5, 7}), V::tensor({3, 5, 7})};
    in.insert(in.end(), extra.begin(), extra.end());
    return macs("all", name, in);
  };
  // mse: (x - y) ** 2, then the mean; l1: |x - y|, then the sum; unreduced, no reduction.
  EXPECT_EQ(loss("mse_loss", {V::integer(kMean)}), n + n + n);
  EXPECT_EQ(loss("mse_loss", {V::integer(kNone)}), n + n);
  EXPECT_EQ(loss("l1_loss", {V::integer(kSum)}), n + n + n);
  // smooth L1: x - y, abs, 0.5 * d ** 2 / beta (pow, mul, div), d - 0.5 * beta, then the mean; beta 0 is l1.
  EXPECT_EQ(loss("smooth_l1_loss", {V::integer(kMean), V::real(0.5)}), n + n + (n + n + n) + n + n);
  EXPECT_EQ(loss("smooth_l1_loss", {V::integer(kMean), V::real(0.0)}), n + n + n);
  // huber: |x - y| (2), 0.5 * z * z (2), delta * (z - 0.5 * delta) (2); unreduced.
  EXPECT_EQ(loss("huber_loss", {V::integer(kNone), V::real(1.0)}), 2 * n + 2 * n + 2 * n);
  // kl_div: xlogy(t, t) - t * x, then the sum.
  EXPECT_EQ(loss("kl_div", {V::integer(kSum), V::boolean(false)}), n + n + n + n);
  // soft margin: log1p(exp(-x * y)): -x, * y, exp, log1p, then the mean.
  EXPECT_EQ(loss("soft_margin_loss", {V::integer(kMean)}), 4 * n + n);
  // hinge embedding (x, y, margin, reduction): margin - x, clamped, the two masked cases added; then the sum.
  EXPECT_EQ(loss("hinge_embedding_loss", {V::real(1.0), V::integer(kSum)}), 3 * n + n);
  // margin ranking (x1, x2, y, margin, reduction): -y, x1 - x2, the product, + margin, clamped; unreduced.
  EXPECT_EQ(macs("all", "margin_ranking_loss", {V::tensor({3, 5, 7}), V::tensor({3, 5, 7}), V::tensor({3, 5, 7}),
                                                V::real(0.5), V::integer(kNone)}),
            5 * n);
  // Poisson NLL (x, t, log_input, full, eps, reduction): exp(x) - t * x (3); x - t * log(x + eps) (4); full adds
  // t * log(t) - t + log(2 pi t) * 0.5 and its sum into the loss (8).
  EXPECT_EQ(loss("poisson_nll_loss", {V::boolean(true), V::boolean(false), V::real(1e-8), V::integer(kMean)}),
            3 * n + n);
  EXPECT_EQ(loss("poisson_nll_loss", {V::boolean(false), V::boolean(true), V::real(1e-8), V::integer(kNone)}),
            4 * n + 8 * n);
  // cosine embedding over 3 x 5 rows of 7: x1 * x2, x1 * x1, x2 * x2 and their sums (6n); per row the two eps
  // adds, the product of the squared norms, its root, the division, 1 - cos, cos - margin, its clamp, the two
  // cases' sum (9); the mean over rows.
  EXPECT_EQ(macs("all", "cosine_embedding_loss", {V::tensor({3, 5, 7}), V::tensor({3, 5, 7}), V::tensor({3, 5}),
                                                  V::real(0.0), V::integer(kMean)}),
            6 * n + 9 * 15 + 15);
  // triplet margin (a, p, n, margin, p, eps, swap, reduction): two pairwise distances (3n each: difference, eps,
  // norm), margin + d(a, p) - d(a, n) and its clamp per row; swap adds d(p, n).
  EXPECT_EQ(macs("all", "triplet_margin_loss", {V::tensor({3, 5, 7}), V::tensor({3, 5, 7}), V::tensor({3, 5, 7}),
                                                V::real(1.0), V::real(2.0), V::real(1e-6), V::boolean(false),
                                                V::integer(kSum)}),
            6 * n + 3 * 15 + 15);
  EXPECT_EQ(macs("all", "triplet_margin_loss", {V::tensor({3, 5, 7}), V::tensor({3, 5, 7}), V::tensor({3, 5, 7}),
                                                V::real(1.0), V::real(2.0), V::real(1e-6), V::boolean(true),
                                                V::integer(kNone)}),
            9 * n + 3 * 15);
  // The target broadcast to the input: the larger counts.
  EXPECT_EQ(macs("all", "mse_loss", {V::tensor({3, 5, 7}), V::tensor({7}), V::integer(kNone)}), n + n);
}

TEST(Loss, BinaryCrossEntropy) {
  const Count n = 4 * 9;
  // (t - 1) * max(log1p(-x), -100) - t * max(log(x), -100): t - 1, -x, log1p, max, log, max, two products,
  // the difference; times the weight; the mean.
  EXPECT_EQ(macs("all", "binary_cross_entropy", {V::tensor({4, 9}), V::tensor({4, 9}), V::none(), V::integer(kMean)}),
            9 * n + n);
  EXPECT_EQ(macs("all", "binary_cross_entropy",
                 {V::tensor({4, 9}), V::tensor({4, 9}), V::tensor({4, 9}), V::integer(kNone)}),
            9 * n + n);
  // With logits: (1 - t) * x - logsigmoid(x): 4 ops; pos_weight p[9]: (p - 1) on 9, * t, + 1, then the
  // log weight times logsigmoid: 3 more per element.
  EXPECT_EQ(macs("all", "binary_cross_entropy_with_logits",
                 {V::tensor({4, 9}), V::tensor({4, 9}), V::none(), V::none(), V::integer(kSum)}),
            4 * n + n);
  EXPECT_EQ(macs("all", "binary_cross_entropy_with_logits",
                 {V::tensor({4, 9}), V::tensor({4, 9}), V::tensor({9}), V::tensor({9}), V::integer(kMean)}),
            9 + 7 * n + n + n);
}

TEST(Loss, NllAndCrossEntropyOnClassIndices) {
  // 6 rows of 11 classes, a class index per row.
  const Count n = 6 * 11, t = 6;
  // nll: the picked log probabilities negated (t); reduced: the count of kept targets (t), the sum (t), mean / it.
  EXPECT_EQ(macs("all", "nll_loss_nd", {V::tensor({6, 11}), V::tensor({6}), V::none(), V::integer(kMean),
                                        V::integer(-100)}),
            t + t + t + 1);
  EXPECT_EQ(macs("all", "nll_loss", {V::tensor({6, 11}), V::tensor({6}), V::tensor({11}), V::integer(kNone),
                                     V::integer(-100)}),
            n + t);  // x * weight, then negated
  // An LLM's loss: log_softmax (3 per element) and nll's mean, over batch 2 x 5 tokens x vocabulary 13 as
  // transformers flattens it.
  EXPECT_EQ(macs("all", "cross_entropy_loss", {V::tensor({10, 13}), V::tensor({10}), V::none(), V::integer(kMean),
                                               V::integer(-100), V::real(0.0)}),
            3 * 10 * 13 + (10 + 10 + 10 + 1));
  // Label smoothing 0.1, mean: + the smooth term -(log_softmax).sum(classes) (n, then t negations), its sum
  // and kept count and division (t + t + 1), and (1 - s) * nll + smooth * (s / C) on the two scalars (3).
  EXPECT_EQ(macs("all", "cross_entropy_loss", {V::tensor({6, 11}), V::tensor({6}), V::none(), V::integer(kMean),
                                               V::integer(-100), V::real(0.1)}),
            3 * n + (t + t + t + 1) + (n + t) + (t + t + 1) + 3);
  // Unreduced, weighted, smoothed: nll t + n; smooth (x * weight) n, sum n, negation t; combined per row 3t.
  EXPECT_EQ(macs("all", "cross_entropy_loss", {V::tensor({6, 11}), V::tensor({6}), V::tensor({11}), V::integer(kNone),
                                               V::integer(-100), V::real(0.2)}),
            3 * n + (t + n) + (n + n + t) + 3 * t);
}

TEST(Loss, CrossEntropyOnProbabilities) {
  // Soft targets of the input's shape: log_softmax (3n), x * target (n), the sum (n), its negation and the
  // division by the rows (1 + 1); label smoothing first rescales the target (2n).
  const Count n = 6 * 11;
  EXPECT_EQ(macs("all", "cross_entropy_loss", {V::tensor({6, 11}), V::tensor({6, 11}), V::none(), V::integer(kMean),
                                               V::integer(-100), V::real(0.0)}),
            3 * n + n + n + 1 + 1);
  // Unreduced: summed over the classes, one negation per row.
  EXPECT_EQ(macs("all", "cross_entropy_loss", {V::tensor({6, 11}), V::tensor({6, 11}), V::none(), V::integer(kNone),
                                               V::integer(-100), V::real(0.1)}),
            2 * n + 3 * n + n + n + 6);
}

TEST(Loss, Backwards) {
  const Count n = 6 * 11;
  // nll backward: the scattered -1s times grad (n), grad / total weight for the mean (1), weight per class (11).
  EXPECT_EQ(macs("all", "nll_loss_backward", {V::tensor({}), V::tensor({6, 11}), V::tensor({6}), V::tensor({11}),
                                              V::integer(kMean), V::integer(-100), V::tensor({})}),
            n + 1 + 11);
  EXPECT_EQ(macs("all", "nll_loss_backward", {V::tensor({6}), V::tensor({6, 11}), V::tensor({6}), V::tensor({11}),
                                              V::integer(kNone), V::integer(-100), V::tensor({})}),
            n + n);
  // mse backward: 2 / n * (x - y) * grad: three ops per element.
  EXPECT_EQ(macs("all", "mse_loss_backward",
                 {V::tensor({}), V::tensor({6, 11}), V::tensor({6, 11}), V::integer(kMean)}),
            3 * n);
  // smooth L1 backward: x, |x|, norm * grad (1), x-branch (2), sign and its product (2).
  EXPECT_EQ(macs("all", "smooth_l1_loss_backward",
                 {V::tensor({}), V::tensor({6, 11}), V::tensor({6, 11}), V::integer(kMean), V::real(1.0)}),
            n + n + 1 + 2 * n + 2 * n);
  // huber backward, unreduced (grad has n elements): x, norm * x * grad (2); 4 products of grad and scalars.
  EXPECT_EQ(macs("all", "huber_loss_backward",
                 {V::tensor({6, 11}), V::tensor({6, 11}), V::tensor({6, 11}), V::integer(kNone), V::real(1.0)}),
            3 * n + 4 * n);
  // BCE backward: grad * (x - t) / clamp(x * (1 - x)): six ops, the weight, the mean's division.
  EXPECT_EQ(macs("all", "binary_cross_entropy_backward",
                 {V::tensor({}), V::tensor({6, 11}), V::tensor({6, 11}), V::tensor({6, 11}), V::integer(kMean)}),
            6 * n + n + n);
  // multi-margin backward, 6 rows of 11 (targets [6]): the mean's division (n), the row sums of the margin's
  // gradient (n), negated (6), scattered to the targets' columns (6), the two paths to x added (n); with a weight
  // grad * weight (n), with p = 2 z * z's two products and their sum (3n); the sum's division is one.
  auto multi_margin = [](double p, bool weighted, std::int64_t reduction) {
    return macs("all", "multi_margin_loss_backward",
                {V::tensor({}), V::tensor({6, 11}), V::tensor({6}), V::integer(static_cast<std::int64_t>(p)),
                 V::real(1.0), weighted ? V::tensor({11}) : V::none(), V::integer(reduction)});
  };
  EXPECT_EQ(multi_margin(1, false, kMean), n + n + 6 + 6 + n);
  EXPECT_EQ(multi_margin(1, false, kSum), 1 + n + 6 + 6 + n);
  EXPECT_EQ(multi_margin(2, true, kNone), n + n + 6 + 6 + n + n + 3 * n);
  // multilabel-margin backward, 6 rows of 11: per label slot (11) and class (11) the division by 11 and two sums
  // back; per slot the negation, the scatter back, the add; the mean over 6 rows.
  EXPECT_EQ(macs("all", "multilabel_margin_loss_backward",
                 {V::tensor({}), V::tensor({6, 11}), V::tensor({6, 11}), V::integer(kMean), V::tensor({6, 11})}),
            3 * n * 11 + 3 * n + 6);
  EXPECT_EQ(macs("all", "multilabel_margin_loss_backward",
                 {V::tensor({11}), V::tensor({11}), V::tensor({11}), V::integer(kNone), V::tensor({11})}),
            3 * 11 * 11 + 3 * 11);
}

// _ctc_loss(log_probs[T, N, C], targets, input_lengths, target_lengths, blank, zero_infinity), the lengths as ATen
// gives them, lists of numbers. Per sequence of T inputs and L targets, ATen's alpha recursion: for each input after
// the first, each of the 2L + 1 states takes 3 subtractions of the maximum, 3 exps, 2 adds, a log, the maximum added
// back and the log probability added (11); the end is a 2-term log-sum-exp negated (8), or one negation (L = 0, or
// no inputs at all).
TEST(Loss, CtcLossFromItsLengths) {
  using Lengths = std::vector<std::int64_t>;
  auto ctc = [](const char* set, const char* name, Lengths inputs, Lengths targets) {
    return macs(set, name, {V::tensor({50, 3, 20}), V::tensor({3, 10}), V::int_list(std::move(inputs)),
                            V::int_list(std::move(targets)), V::integer(0), V::boolean(false)});
  };
  const Count full = 11 * 49 * (2 * 10 + 1) + (2 + 2 + 1 + 1 + 1 + 1);  // T = 50, L = 10
  const Count no_targets = 11 * 39 * (2 * 0 + 1) + 1;                   // T = 40, L = 0: the last state negated
  const Count no_inputs = 1;                                            // T = 0: -(0 or -inf)
  EXPECT_EQ(ctc("all", "_ctc_loss", {50, 40, 0}, {10, 0, 5}), full + no_targets + no_inputs);
  EXPECT_EQ(ctc("all", "_cudnn_ctc_loss", {50, 40, 0}, {10, 0, 5}), full + no_targets + no_inputs);
  EXPECT_EQ(ctc("all", "_ctc_loss", {1, 1, 1}, {0, 1, 2}), 1 + 8 + 8);  // one input each: only the ends
  for (const char* set : {"mmengine", "default"}) EXPECT_EQ(ctc(set, "_ctc_loss", {50, 50, 50}, {1, 1, 1}), -1) << set;
  // ctc_loss itself has no formula: `all` counts what it calls (_ctc_loss, then the reduction's ops).
  EXPECT_EQ(named_ops("all").counted_inside.count("aten::ctc_loss"), 1u);
  EXPECT_EQ(named_ops("all").flops.count("aten::ctc_loss"), 0u);
  for (const char* set : {"mmengine", "default"}) EXPECT_TRUE(named_ops(set).counted_inside.empty()) << set;
  // The backward's log-additions depend on which paths are impossible: the targets' values. No formula.
  EXPECT_EQ(named_ops("all").flops.count("aten::_ctc_loss_backward"), 0u);
  // Lengths as tensors (the overload an exported graph holds) have no values; lengths that do not fit log_probs.
  EXPECT_THROW(macs("all", "_ctc_loss", {V::tensor({50, 3, 20}), V::tensor({3, 10}), V::tensor({3}), V::tensor({3})}),
               FormulaError);
  EXPECT_THROW(ctc("all", "_ctc_loss", {50, 50}, {1, 1}), FormulaError);     // two lengths for three sequences
  EXPECT_THROW(ctc("all", "_ctc_loss", {50, 50, 50}, {1, 1}), FormulaError); // three inputs, two targets
  EXPECT_THROW(ctc("all", "_ctc_loss", {50, 51, 50}, {1, 1, 1}), FormulaError);  // past T
  EXPECT_THROW(ctc("all", "_ctc_loss", {50, 50, 50}, {1, -1, 1}), FormulaError);
  EXPECT_THROW(macs("all", "_ctc_loss", {V::tensor({50, 20}), V::tensor({10}), V::int_list({50}), V::int_list({10})}),
               FormulaError);  // log_probs without its batch dimension (ctc_loss adds it before calling)
}

TEST(Loss, MalformedRecordsAreFormulaErrors) {
  EXPECT_THROW(macs("all", "mse_loss", {V::tensor({3})}), FormulaError);  // no target
  EXPECT_THROW(macs("all", "mse_loss", {V::tensor({3}), V::tensor({3}), V::integer(7)}), FormulaError);
  EXPECT_THROW(macs("all", "nll_loss_backward", {V::tensor({})}), FormulaError);
}

TEST(Loss, SpecialAliasesCumulativeSelectionAndInPlaceLogic) {
  EXPECT_EQ(macs("all", "special_logit", {V::tensor({3, 5})}, {V::tensor({3, 5})}), 15);
  EXPECT_EQ(macs("all", "special_log_softmax", {V::tensor({3, 5}), V::integer(1)}, {V::tensor({3, 5})}), 45);
  for (const char* set : {"default", "all"})
    for (const char* name : {"aten::cummax", "aten::cummin", "aten::__ior__", "aten::__iand__"})
      EXPECT_TRUE(named_ops(set).ignored.count(name)) << set << " " << name;
}

}  // namespace
}  // namespace flopscope
