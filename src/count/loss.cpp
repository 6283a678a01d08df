// Loss functions (all only; mmengine and default name them unsupported). A fused loss costs what `all` counts for
// the elementwise ops of torch's own decomposition of it (torch/_decomp/decompositions.py, torch/_refs, ATen's
// composite cross_entropy), each op one per output element and a reduction one per input element: the same loss
// written out by hand in Python costs the same. n = elements compared (input or target, the larger), R = n when
// the loss is reduced (mean or sum), 0 with reduction='none'; T = elements of the class-index target.
//   mse_loss, l1_loss:                     2n + R        (difference, square or magnitude)
//   smooth_l1_loss (beta > 0), huber_loss: 6n + R        (difference, magnitude, both branches: smooth L1's
//                                                         3 ops and 1, Huber's 2 and 2)
//   smooth_l1_loss with beta = 0:          2n + R        (torch runs l1_loss)
//   binary_cross_entropy:                  9n (+n weight) + R
//   binary_cross_entropy_with_logits:      4n (+3n + numel(pos_weight) with pos_weight, +n weight) + R
//   kl_div:                                3n + R
//   soft_margin_loss:                      4n + R        (log1p(exp(-x * y)))
//   margin_ranking_loss:                   5n + R        ((-y * (x1 - x2) + margin).clamp_min(0))
//   hinge_embedding_loss:                  3n + R        (margin - x, clamped, the two cases' sum)
//   poisson_nll_loss:                      3n (log_input) or 4n, + 8n with the Stirling term (full), + R
//   cosine_embedding_loss:                 6n + 9 rows (+ rows reduced)   (the dot product and both squared norms,
//                                          per row eps twice, product, root, division, the two cases, their sum)
//   triplet_margin_loss:                   6n (9n with swap) + 3 rows (+ rows reduced)   (pairwise distances, then
//                                          margin + d(a, p) - d(a, n), clamped; the swap's minimum is a selection)
//   multi_margin_loss, N rows of C classes: N + 3NC (+NC for p = 2, +NC weight) (+1 sum)   (margin - x[target] per
//                                          row, + x, clamped, squared, weighted; the mean (per row unreduced) or the
//                                          sum / C; selecting the target's column is no arithmetic)
//   multilabel_margin_loss, N rows of C:   2NC + 4NC^2 (+N mean)   (the end of each row's labels found (a min), 1 - x
//                                          at each label, + x against every class, clamped, / C, summed)
//   nll_loss (every form):                 T (+numel(input) weight); reduced: + 2T (total weight, sum); mean: + 1
//   cross_entropy_loss, class indices:     3 numel(input) (log_softmax) + nll_loss's; label smoothing adds the
//                                          smoothed term: numel(input) (+numel(input) weight), T, its reduction
//                                          (mean 2T + 1, sum T), and 3 per element of the result to combine
//   cross_entropy_loss, probabilities:     3n (log_softmax) + 2n (x target, sum) (+n weight) (+2n smoothing)
//                                          + the negation (1, or n / classes unreduced) (+1 mean)
//   ctc_loss: its own alpha recursion, as ATen's CPU kernel runs it (torch has no decomposition of it), in _ctc_loss,
//   which it calls with the lengths as numbers; the op set counts ctc_loss by what it calls (counted_inside), so
//   the reduction it does after (a division by the clamped target lengths and a mean, or a sum) counts as those
//   ops. Per sequence of T inputs and L targets:
//                                          11 (T - 1)(2L + 1) + 8   (per input after the first and per state of the
//                                          extended target: the log-sum-exp of up to three predecessors, 3
//                                          subtractions of their maximum, 3 exps, 2 adds, the log, the maximum
//                                          added back, plus the log probability; a missing predecessor is -inf and
//                                          goes through the same arithmetic; picking the maximum is a selection.
//                                          Then the last two states' log-sum-exp, negated: 8; with L = 0 the last
//                                          state negated: 1; with T = 0 a constant negated: 1)
//   Its backward (_ctc_loss_backward) stays unsupported: how many log-additions collect alpha * beta per label
//   depends on which paths are impossible (-inf), which depends on the targets' values, not only their lengths.
// Their backward ops, by the same rule (g = elements of grad_output):
//   nll_loss_backward, nll_loss2d_backward: numel(input) (+1 mean) (+numel(input) unreduced weight, classes else)
//   mse_loss_backward: 3n;  smooth_l1_loss_backward: 6n + g;  huber_loss_backward: 3n + 4g
//   binary_cross_entropy_backward: 6n (+n weight, +n mean)
// The margin losses' backward ops have no decomposition in torch: each costs what `all` counts for the backward
// autograd runs through the forward's decomposition (the same loss written out by hand, trained, costs the same):
//   multi_margin_loss_backward, N rows of C:  2NC + 2N + R (+NC weight) (+3NC p = 2), R = NC (mean, none) or 1 (sum)
//                                          (the reduction's division; the gradient of margin - x[target] summed over
//                                          the row, negated, scattered back to the target's column; the two paths
//                                          to x added; grad * weight; z * z's two products and their sum)
//   multilabel_margin_loss_backward:       3NC^2 + 3NC (+N mean)   (per label and class: the division by C, the sums
//                                          back to x and to 1 - x[label]; per label slot: the negation, gather's
//                                          scatter back, the two paths to x added)
#include <algorithm>

#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

enum Reduction { kNone = 0, kMean = 1, kSum = 2 };  // at::Reduction's values, as the records hold them

// The reduction argument at i; mean (every loss's default) when the record has none.
Reduction reduction_at(const OpRecord& r, std::size_t i) {
  if (i >= r.inputs.size() || r.inputs[i].kind != Value::Kind::Int) return kMean;
  const auto value = static_cast<int>(r.inputs[i].number);
  require(value >= kNone && value <= kSum, r, "has a reduction that is none of none, mean and sum");
  return static_cast<Reduction>(value);
}

bool has_tensor(const OpRecord& r, std::size_t i) { return i < r.inputs.size() && r.inputs[i].is_tensor(); }

double number_at(const OpRecord& r, std::size_t i, double otherwise) {
  if (i >= r.inputs.size()) return otherwise;
  const Value& v = r.inputs[i];
  const bool numeric = v.kind == Value::Kind::Int || v.kind == Value::Kind::Double || v.kind == Value::Kind::Bool;
  return numeric ? v.number : otherwise;
}

// Elements of input i and i + 1 compared elementwise (the larger: one broadcasts to the other).
Count compared(const OpRecord& r, std::size_t i) {
  return std::max(product(input_shape(r, i)), product(input_shape(r, i + 1)));
}

// Cost per compared element plus the reduction over them: loss(self, target, ...), its reduction argument at
// reduction_index.
Count pointwise_loss(const OpRecord& r, Count per_element, std::size_t reduction_index) {
  const Count n = compared(r, 0);
  return add(mul(per_element, n), reduction_at(r, reduction_index) == kNone ? 0 : n);
}

Count two_per_element(const OpRecord& r) { return pointwise_loss(r, 2, 2); }  // mse_loss, l1_loss
Count huber(const OpRecord& r) { return pointwise_loss(r, 6, 2); }

// smooth_l1_loss(self, target, reduction, beta): l1_loss's cost when beta is 0 (torch calls it).
Count smooth_l1(const OpRecord& r) { return pointwise_loss(r, number_at(r, 3, 1.0) == 0 ? 2 : 6, 2); }

// binary_cross_entropy(self, target, weight, reduction).
Count binary_cross_entropy(const OpRecord& r) { return pointwise_loss(r, has_tensor(r, 2) ? 10 : 9, 3); }

// binary_cross_entropy_with_logits(self, target, weight, pos_weight, reduction).
Count binary_cross_entropy_with_logits(const OpRecord& r) {
  const bool weighted = has_tensor(r, 2), positive = has_tensor(r, 3);
  Count cost = pointwise_loss(r, (positive ? 7 : 4) + (weighted ? 1 : 0), 4);
  return positive ? add(cost, product(input_shape(r, 3))) : cost;
}

// kl_div(self, target, reduction, log_target): xlogy(t, t) - t * x, or exp(t) * (t - x).
Count kl_div(const OpRecord& r) { return pointwise_loss(r, 3, 2); }

// poisson_nll_loss(input, target, log_input, full, eps, reduction): exp(x) - t * x, or x - t * log(x + eps); full
// adds t * log(t) - t + log(2 pi t) * 0.5 (masked where t <= 1) to it.
Count poisson_nll(const OpRecord& r) {
  const bool log_input = number_at(r, 2, 1) != 0, full = number_at(r, 3, 0) != 0;
  return pointwise_loss(r, (log_input ? 3 : 4) + (full ? 8 : 0), 5);
}

// Rows of a loss over vectors (the last dimension): the larger input's elements over that dimension's size.
Count rows_of(const OpRecord& r, std::size_t i) {
  const auto& x = input_shape(r, i);
  return x.empty() || x.back() == 0 ? 1 : compared(r, i) / x.back();
}

// cosine_embedding_loss(input1, input2, target, margin, reduction).
Count cosine_embedding(const OpRecord& r) {
  const Count rows = rows_of(r, 0);
  const Count cost = add(mul(6, compared(r, 0)), mul(9, rows));
  return reduction_at(r, 4) == kNone ? cost : add(cost, rows);
}

// triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction).
Count triplet_margin(const OpRecord& r) {
  const Count rows = rows_of(r, 0);
  const Count cost = add(mul(number_at(r, 6, 0) != 0 ? 9 : 6, compared(r, 0)), mul(3, rows));
  return reduction_at(r, 7) == kNone ? cost : add(cost, rows);
}

// multi_margin_loss(self[N,C] or [C], target, p, margin, weight, reduction).
Count multi_margin(const OpRecord& r) {
  const Count n = product(input_shape(r, 0)), rows = product(input_shape(r, 1));
  const Count per_element = 3 + (number_at(r, 2, 1) == 2 ? 1 : 0) + (has_tensor(r, 4) ? 1 : 0);
  return add(add(rows, mul(per_element, n)), reduction_at(r, 5) == kSum ? 1 : 0);
}

// multilabel_margin_loss and multilabel_margin_loss_forward(self[N,C] or [C], target, reduction).
Count multilabel_margin(const OpRecord& r) {
  const auto& x = input_shape(r, 0);
  const Count n = product(x), classes = x.empty() ? 1 : x.back();
  return add(add(mul(2, n), mul(4, n, classes)), reduction_at(r, 2) == kMean ? (classes == 0 ? 0 : n / classes) : 0);
}

// The class-index negative log likelihood: nll(self, target, weight, reduction) at those positions.
Count nll(const std::vector<std::int64_t>& self, const std::vector<std::int64_t>& target, bool weighted,
          Reduction reduction) {
  const Count t = product(target);
  Count cost = add(t, weighted ? product(self) : 0);  // the picked log probabilities negated; self * weight
  if (reduction != kNone) cost = add(cost, mul(2, t));  // the total weight, the sum
  return reduction == kMean ? add(cost, 1) : cost;     // divided by the total weight
}

// nll_loss and its forms (nll_loss_nd, nll_loss2d, nll_loss_forward, ...): (self, target, weight, reduction, ...).
Count nll_loss(const OpRecord& r) {
  return nll(input_shape(r, 0), input_shape(r, 1), has_tensor(r, 2), reduction_at(r, 3));
}

// cross_entropy_loss(self, target, weight, reduction, ignore_index, label_smoothing): ATen's composite, by target.
Count cross_entropy(const OpRecord& r) {
  const auto& self = input_shape(r, 0);
  const auto& target = input_shape(r, 1);
  const bool weighted = has_tensor(r, 2);
  const Reduction reduction = reduction_at(r, 3);
  const bool smoothing = number_at(r, 5, 0.0) > 0;
  const Count n = product(self);
  const Count log_softmax = mul(3, n);
  if (self == target) {  // class probabilities: -(log_softmax(x) * target [* weight]).sum() [/ (n / classes)]
    Count cost = add(log_softmax, mul(weighted ? 3 : 2, n));  // product(s), then the sum
    if (smoothing) cost = add(cost, mul(2, n));               // target * (1 - s) + s / classes
    const std::int64_t classes = self.size() < 2 ? (self.empty() ? 1 : self[0]) : self[1];
    cost = add(cost, reduction == kNone && classes > 0 ? n / classes : 1);  // the negation
    return reduction == kMean ? add(cost, 1) : cost;
  }
  Count cost = add(log_softmax, nll(self, target, weighted, reduction));
  if (!smoothing) return cost;
  const Count t = product(target);
  cost = add(cost, add(weighted ? mul(2, n) : n, t));  // -(log_softmax [* weight]).sum(class dim)
  if (reduction == kMean) cost = add(cost, add(mul(2, t), 1));  // its sum over the kept count (of T at most)
  if (reduction == kSum) cost = add(cost, t);
  return add(cost, mul(3, reduction == kNone ? t : 1));  // (1 - s) * nll + smooth * (s / classes)
}

// nll_loss_backward / nll_loss2d_backward(grad_output, self, target, weight, reduction, ignore_index, total_weight).
Count nll_loss_backward(const OpRecord& r) {
  const auto& self = input_shape(r, 1);
  const Count n = product(self);
  const Reduction reduction = reduction_at(r, 4);
  Count cost = reduction == kMean ? add(n, 1) : n;  // grad / total weight; the scattered -1s times it
  if (has_tensor(r, 3)) cost = add(cost, reduction == kNone ? n : product(input_shape(r, 3)));  // grad * weight
  return cost;
}

// The backward ops take (grad_output, self, target, ...): compared elements are self's and target's.
Count mse_loss_backward(const OpRecord& r) { return mul(3, compared(r, 1)); }
Count smooth_l1_loss_backward(const OpRecord& r) {
  return add(mul(6, compared(r, 1)), product(input_shape(r, 0)));
}
Count huber_loss_backward(const OpRecord& r) { return add(mul(3, compared(r, 1)), mul(4, product(input_shape(r, 0)))); }

// binary_cross_entropy_backward(grad_output, self, target, weight, reduction).
Count binary_cross_entropy_backward(const OpRecord& r) {
  const Count per = 6 + (has_tensor(r, 3) ? 1 : 0) + (reduction_at(r, 4) == kMean ? 1 : 0);
  return mul(per, compared(r, 1));
}

// multi_margin_loss_backward(grad_output, self[N,C] or [C], target, p, margin, weight, reduction).
Count multi_margin_backward(const OpRecord& r) {
  const Count n = product(input_shape(r, 1)), rows = product(input_shape(r, 2));
  const Count per_element = 2 + (number_at(r, 3, 1) == 2 ? 3 : 0) + (has_tensor(r, 5) ? 1 : 0);
  return add(add(mul(per_element, n), mul(2, rows)), reduction_at(r, 6) == kSum ? 1 : n);
}

// multilabel_margin_loss_backward(grad_output, self[N,C] or [C], target, reduction, is_target).
Count multilabel_margin_backward(const OpRecord& r) {
  const auto& x = input_shape(r, 1);
  const Count n = product(x), classes = x.empty() ? 1 : x.back();
  return add(add(mul(3, n, classes), mul(3, n)), reduction_at(r, 3) == kMean ? (classes == 0 ? 0 : n / classes) : 0);
}

// _ctc_loss and _cudnn_ctc_loss(log_probs[T, N, C], targets, input_lengths, target_lengths, blank, ...), the lengths
// as lists of numbers (the overload that takes them as tensors, in an exported graph, has only their shapes).
Count ctc_loss(const OpRecord& r) {
  const auto& log_probs = input_shape(r, 0);
  const Value& inputs = input(r, 2);
  const Value& targets = input(r, 3);
  require(inputs.kind == Value::Kind::IntList && targets.kind == Value::Kind::IntList, r,
          "has its lengths as tensors, whose values the record does not hold (a CTC loss's work depends on them)");
  require(log_probs.size() == 3 && inputs.sizes.size() == static_cast<std::size_t>(log_probs[1]) &&
              targets.sizes.size() == inputs.sizes.size(),
          r, "does not have one input and one target length per sequence of log_probs[T, N, C]");
  Count cost = 0;
  for (std::size_t b = 0; b < inputs.sizes.size(); ++b) {
    const std::int64_t t = inputs.sizes[b], l = targets.sizes[b];
    require(t >= 0 && t <= log_probs[0] && l >= 0, r, "has a length below 0, or an input length past log_probs");
    if (t == 0) {
      cost = add(cost, 1);
      continue;
    }
    cost = add(cost, mul(11, t - 1, add(mul(2, l), 1)), l == 0 ? 1 : 8);
  }
  return cost;
}

}  // namespace

void add_loss_handlers(OpSet& set, Tier tier) {
  if (tier < Tier::all) return;
  auto put = [&](const char* op, Formula fn, const char* formula) {
    set.flops[std::string("aten::") + op] = {op, fn, formula};
  };
  put("mse_loss", two_per_element, "2n + (n if reduced)");
  put("l1_loss", two_per_element, "2n + (n if reduced)");
  put("smooth_l1_loss", smooth_l1, "6n + (n if reduced); 2n + (n if reduced) when beta = 0");
  put("huber_loss", huber, "6n + (n if reduced)");
  put("binary_cross_entropy", binary_cross_entropy, "9n (+n weight) + (n if reduced)");
  put("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits,
      "4n (+3n + numel(pos_weight) with pos_weight, +n weight) + (n if reduced)");
  put("kl_div", kl_div, "3n + (n if reduced)");
  put("soft_margin_loss", [](const OpRecord& r) { return pointwise_loss(r, 4, 2); }, "4n + (n if reduced)");
  put("margin_ranking_loss", [](const OpRecord& r) { return pointwise_loss(r, 5, 4); }, "5n + (n if reduced)");
  put("hinge_embedding_loss", [](const OpRecord& r) { return pointwise_loss(r, 3, 3); }, "3n + (n if reduced)");
  put("poisson_nll_loss", poisson_nll, "3n (log_input) or 4n, +8n full, + (n if reduced)");
  put("cosine_embedding_loss", cosine_embedding, "6n + 9 rows + (rows if reduced)");
  put("triplet_margin_loss", triplet_margin, "6n (9n with swap) + 3 rows + (rows if reduced)");
  put("multi_margin_loss", multi_margin, "N + 3NC (+NC p=2, +NC weight) (+1 sum) over self[N,C]");
  for (const char* op : {"multilabel_margin_loss", "multilabel_margin_loss_forward"})
    put(op, multilabel_margin, "2NC + 4NC^2 (+N mean) over self[N,C]");
  for (const char* op : {"nll_loss", "nll_loss_nd", "nll_loss2d", "nll_loss_forward", "nll_loss2d_forward"})
    put(op, nll_loss, "numel(target) (+numel(input) weight) + (2 numel(target) if reduced) (+1 mean)");
  put("cross_entropy_loss", cross_entropy,
      "3 numel(input) (log_softmax) + nll_loss's; label smoothing and probability targets: see src/count/loss.cpp");
  for (const char* op : {"nll_loss_backward", "nll_loss2d_backward"})
    put(op, nll_loss_backward, "numel(input) (+1 mean) (+ numel(input) or classes with weight)");
  put("mse_loss_backward", mse_loss_backward, "3n");
  put("smooth_l1_loss_backward", smooth_l1_loss_backward, "6n + numel(grad_output)");
  put("huber_loss_backward", huber_loss_backward, "3n + 4 numel(grad_output)");
  put("binary_cross_entropy_backward", binary_cross_entropy_backward, "6n (+n weight) (+n mean)");
  put("multi_margin_loss_backward", multi_margin_backward,
      "2NC + 2N (+NC weight) (+3NC p=2) + NC (mean, none) or 1 (sum) over self[N,C]");
  put("multilabel_margin_loss_backward", multilabel_margin_backward, "3NC^2 + 3NC (+N mean) over self[N,C]");
  for (const char* op : {"_ctc_loss", "_cudnn_ctc_loss"})
    put(op, ctc_loss, "11 (T - 1)(2L + 1) + 8 per sequence of T inputs and L targets (1 with L = 0 or T = 0)");
  set.counted_inside.insert("aten::ctc_loss");
}

}  // namespace flopscope::count
