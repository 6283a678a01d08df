// Elementwise work (src/count/elementwise.cpp, all only): activation functions and arithmetic per output
// element, softmax 3 per input element, reductions per input element. On hand-built records at odd shapes,
// with the arithmetic written out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), macs(), V

TEST(Elementwise, SoftmaxArithmeticActivationsReductions) {
  EXPECT_EQ(macs("all", "softmax", {V::tensor({2, 5}), V::integer(-1)}, {V::tensor({2, 5})}), 30);
  EXPECT_EQ(macs("all", "add_", {V::tensor({3, 4}), V::tensor({4})}, {V::tensor({3, 4})}), 12);
  EXPECT_EQ(macs("all", "relu_", {V::tensor({3, 4})}, {V::tensor({3, 4})}), 12);
  EXPECT_EQ(macs("all", "mean", {V::tensor({3, 4, 5})}, {V::tensor({3})}), 60);
}

TEST(Elementwise, OnlyAllCountsThem) {
  for (const char* set : {"mmengine", "default"}) {
    EXPECT_EQ(macs(set, "softmax", {V::tensor({3, 5}), V::integer(-1)}, {V::tensor({3, 5})}), -1) << set;
    EXPECT_EQ(macs(set, "gelu", {V::tensor({3, 5})}, {V::tensor({3, 5})}), -1) << set;
    EXPECT_EQ(macs(set, "sum", {V::tensor({3, 5})}, {V::tensor({})}), -1) << set;
  }
}

TEST(Elementwise, PerOutputElementWhateverTheFunction) {
  // numel(output): broadcasting inputs do not enter, and a transcendental function costs what an add does.
  EXPECT_EQ(macs("all", "mul", {V::tensor({13}), V::tensor({7, 1, 13})}, {V::tensor({7, 5, 13})}), 7 * 5 * 13);
  EXPECT_EQ(macs("all", "gelu", {V::tensor({2, 7, 13})}, {V::tensor({2, 7, 13})}), 2 * 7 * 13);
  EXPECT_EQ(macs("all", "exp", {V::tensor({3, 11})}, {V::tensor({3, 11})}), 3 * 11);
  EXPECT_EQ(macs("all", "addcmul_", {V::tensor({5, 7}), V::tensor({5, 7}), V::tensor({7})}, {V::tensor({5, 7})}), 5 * 7);
  EXPECT_EQ(macs("all", "clamp_min", {V::tensor({3, 5, 7}), V::real(0)}, {V::tensor({3, 5, 7})}), 3 * 5 * 7);
  EXPECT_EQ(macs("all", "silu_", {V::tensor({13, 3})}, {V::tensor({13, 3})}), 13 * 3);
  // A 0-d result is one element.
  EXPECT_EQ(macs("all", "add", {V::tensor({}), V::tensor({})}, {V::tensor({})}), 1);
  EXPECT_THROW(macs("all", "sigmoid", {V::tensor({3, 5})}), FormulaError);  // no output recorded
}

TEST(Elementwise, SoftmaxIsThreePerInputElement) {
  // 3 * numel(input): exp, sum, divide (or subtract for log_softmax).
  EXPECT_EQ(macs("all", "log_softmax", {V::tensor({3, 5, 7}), V::integer(1)}, {V::tensor({3, 5, 7})}), 3 * 3 * 5 * 7);
  EXPECT_EQ(macs("all", "_softmax", {V::tensor({2, 13}), V::integer(-1), V::boolean(false)}, {V::tensor({2, 13})}),
            3 * 2 * 13);
  EXPECT_EQ(macs("all", "_log_softmax", {V::tensor({11}), V::integer(0), V::boolean(false)}, {V::tensor({11})}), 3 * 11);
}

TEST(Elementwise, ReductionsArePerInputElement) {
  // numel(input), whatever the output's size.
  EXPECT_EQ(macs("all", "sum", {V::tensor({3, 5, 7})}, {V::tensor({})}), 3 * 5 * 7);
  EXPECT_EQ(macs("all", "amax", {V::tensor({3, 5, 7}), V::int_list({1})}, {V::tensor({3, 7})}), 3 * 5 * 7);
  EXPECT_EQ(macs("all", "cumsum", {V::tensor({13, 2}), V::integer(0)}, {V::tensor({13, 2})}), 13 * 2);
  EXPECT_EQ(macs("all", "linalg_vector_norm", {V::tensor({5, 11})}, {V::tensor({5})}), 5 * 11);
}

TEST(Elementwise, TheRestOfTorchsPointwiseMath) {
  // The aliases the dispatcher records under their own names (torch.multiply, subtract), and the functions an
  // LLM's or a time-series model's forward calls besides the common ones: numel(output) each.
  for (const char* op : {"multiply", "subtract", "true_divide", "log1p", "expm1", "lgamma", "erfinv", "atan2",
                         "log_sigmoid", "logaddexp", "xlogy"})
    EXPECT_EQ(macs("all", op, {V::tensor({3, 7}), V::tensor({7})}, {V::tensor({3, 7})}), 3 * 7) << op;
  EXPECT_EQ(macs("default", "multiply", {V::tensor({3, 7}), V::tensor({7})}, {V::tensor({3, 7})}), -1);
  // A window an stft's forward makes: one per sample.
  EXPECT_EQ(macs("all", "hann_window", {V::integer(400)}, {V::tensor({400})}), 400);
}

TEST(Elementwise, VarianceDifferencesAndAddsByIndex) {
  // var and std over [4, 9]: the mean's pass and the squared deviations' pass, 2 * 36.
  EXPECT_EQ(macs("all", "var", {V::tensor({4, 9}), V::int_list({1})}, {V::tensor({4})}), 2 * 4 * 9);
  EXPECT_EQ(macs("all", "std_mean", {V::tensor({4, 9})}, {V::tensor({}), V::tensor({})}), 2 * 4 * 9);
  // weight_norm's v [16, 3, 5] (g [16, 1, 1]): its norms and the scaled copy, 2 * 240; fold's columns [2, 12, 9]
  // each added into the image once; outer(a[6], b[4]): one product per output element.
  EXPECT_EQ(macs("all", "_weight_norm", {V::tensor({16, 3, 5}), V::tensor({16, 1, 1}), V::integer(0)},
                 {V::tensor({16, 3, 5})}),
            2 * 16 * 3 * 5);
  EXPECT_EQ(macs("all", "col2im", {V::tensor({2, 12, 9}), V::int_list({4, 4})}, {V::tensor({2, 3, 4, 4})}), 2 * 12 * 9);
  EXPECT_EQ(macs("all", "outer", {V::tensor({6}), V::tensor({4})}, {V::tensor({6, 4})}), 6 * 4);
  // diff(x[5, 8]) along the last dimension: 7 subtractions per row; n=3: 7 + 6 + 5 per row.
  EXPECT_EQ(macs("all", "diff", {V::tensor({5, 8}), V::integer(1), V::integer(-1), V::none(), V::none()},
                 {V::tensor({5, 7})}),
            5 * 7);
  EXPECT_EQ(macs("all", "diff", {V::tensor({5, 8}), V::integer(3), V::integer(1), V::none(), V::none()},
                 {V::tensor({5, 5})}),
            5 * (7 + 6 + 5));
  // Along dim 0 with one row prepended and two appended: 8 columns of 5 + 1 + 2 = 8 rows, 7 subtractions each.
  EXPECT_EQ(macs("all", "diff", {V::tensor({5, 8}), V::integer(1), V::integer(0), V::tensor({1, 8}), V::tensor({2, 8})},
                 {V::tensor({7, 8})}),
            8 * 7);
  // n at least the length: nothing left to subtract after the last pass.
  EXPECT_EQ(macs("all", "diff", {V::tensor({2, 3}), V::integer(5), V::integer(1), V::none(), V::none()},
                 {V::tensor({2, 0})}),
            2 * (2 + 1));
  EXPECT_THROW(macs("all", "diff", {V::tensor({2, 3}), V::integer(1), V::integer(2), V::none(), V::none()},
                    {V::tensor({2, 2})}),
               FormulaError);
  EXPECT_THROW(macs("all", "diff", {V::tensor({2, 3}), V::integer(1), V::integer(-3), V::none(), V::none()},
                    {V::tensor({2, 2})}),
               FormulaError);  // dims -2 .. 1 only
  EXPECT_THROW(macs("all", "diff", {V::tensor({2, 3}), V::integer(-1), V::integer(1), V::none(), V::none()},
                    {V::tensor({2, 3})}),
               FormulaError);  // torch refuses a negative order
  // dim -2 of a 2-D tensor is dim 0: 3 columns of 1 subtraction.
  EXPECT_EQ(macs("all", "diff", {V::tensor({2, 3}), V::integer(1), V::integer(-2), V::none(), V::none()},
                 {V::tensor({1, 3})}),
            3 * 1);
  // index_add_(self[10, 6], 0, index[4], source[4, 6]): the index picks 4 rows, and each of the source's 24
  // elements is added in. scatter_add's index is per element: one add per index entry (src may be larger).
  EXPECT_EQ(macs("all", "index_add_", {V::tensor({10, 6}), V::integer(0), V::tensor({4}), V::tensor({4, 6})},
                 {V::tensor({10, 6})}),
            4 * 6);
  EXPECT_EQ(macs("all", "scatter_add", {V::tensor({10, 6}), V::integer(0), V::tensor({4, 3}), V::tensor({5, 6})},
                 {V::tensor({10, 6})}),
            4 * 3);
}

// The backward of a selection adds the gradient back where the forward read it: gather's scatter_add (one add per
// index entry), index_select's index_add (one per gradient element), indexing's index_put with accumulate (one per
// value; without accumulate a copy). The backward of a view or a value selection is a copy into zeros: ignored.
TEST(Elementwise, BackwardOfSelections) {
  // gather_backward(grad[6, 4], self[6, 10], dim 1, index[6, 4], sparse_grad)
  EXPECT_EQ(macs("all", "gather_backward",
                 {V::tensor({6, 4}), V::tensor({6, 10}), V::integer(1), V::tensor({6, 4}), V::boolean(false)}),
            6 * 4);
  // index_select_backward(grad[3, 10], self_sizes, dim 0, index[3])
  EXPECT_EQ(macs("all", "index_select_backward", {V::tensor({3, 10}), V::int_list({6, 10}), V::integer(0),
                                                  V::tensor({3})}),
            3 * 10);
  // _index_put_impl_(self[6, 10], indices, values[5, 10], accumulate, unsafe)
  auto index_put = [](std::vector<Value> accumulate) {
    std::vector<Value> in = {V::tensor({6, 10}), V::tensor_list({{5}}), V::tensor({5, 10})};
    in.insert(in.end(), accumulate.begin(), accumulate.end());
    return macs("all", "_index_put_impl_", in);
  };
  EXPECT_EQ(index_put({V::boolean(true), V::boolean(true)}), 5 * 10);
  EXPECT_EQ(index_put({V::boolean(false), V::boolean(false)}), 0);
  EXPECT_THROW(index_put({}), FormulaError);
  // index_put(self, indices, values, accumulate): a masked assignment's backward (zeros put into the gradient, a
  // copy), or an accumulating one called by hand; index_put_ the same in place.
  for (const char* op : {"index_put", "index_put_"}) {
    EXPECT_EQ(macs("all", op, {V::tensor({6, 10}), V::tensor_list({{6, 10}}), V::tensor({}), V::boolean(false)}), 0);
    EXPECT_EQ(macs("all", op, {V::tensor({6, 10}), V::tensor_list({{4}}), V::tensor({4, 10}), V::boolean(true)}),
              4 * 10);
  }
  for (const char* op : {"gather_backward", "index_select_backward", "_index_put_impl_", "index_put"})
    EXPECT_EQ(macs("default", op, {V::tensor({6, 4})}), -1) << op;  // default counts no scatter_add, index_add
  for (const char* set : {"default", "all"})
    for (const char* op : {"aten::slice_backward", "aten::select_backward", "aten::diagonal_backward",
                           "aten::value_selecting_reduction_backward"})
      EXPECT_EQ(named_ops(set).ignored.count(op), 1u) << set << " " << op;
}

// A padding's backward adds each output gradient into the input element it copied (an edge element of a
// reflection or replication is copied several times); weight norm's fused backward, 2 numel(v) as its forward.
TEST(Elementwise, BackwardOfPaddingAndWeightNorm) {
  // reflection_pad2d_backward(grad_output[2, 3, 8 + 2, 8 + 2], self[2, 3, 8, 8], padding [1, 1, 1, 1])
  for (const char* op : {"reflection_pad2d_backward", "replication_pad2d_backward"}) {
    EXPECT_EQ(macs("all", op, {V::tensor({2, 3, 10, 10}), V::tensor({2, 3, 8, 8}), V::int_list({1, 1, 1, 1})}),
              2 * 3 * 10 * 10)
        << op;
    EXPECT_EQ(macs("default", op, {V::tensor({2, 3, 10, 10}), V::tensor({2, 3, 8, 8}), V::int_list({1, 1, 1, 1})}),
              -1)
        << op;
  }
  // reflection_pad1d_backward(grad_output[4, 16 + 3 + 3], self[4, 16], padding [3, 3])
  EXPECT_EQ(macs("all", "reflection_pad1d_backward", {V::tensor({4, 22}), V::tensor({4, 16}), V::int_list({3, 3})}),
            4 * 22);
  // _weight_norm_interface_backward(grad_w[32, 16, 3], v[32, 16, 3], g[1, 1, 3], norms[1, 1, 3], dim 2): a
  // conv's weight normalised along its kernel dim, as wav2vec2's positional convolution is.
  EXPECT_EQ(macs("all", "_weight_norm_interface_backward", {V::tensor({32, 16, 3}), V::tensor({32, 16, 3}),
                                                            V::tensor({1, 1, 3}), V::tensor({1, 1, 3}), V::integer(2)}),
            2 * 32 * 16 * 3);
  // _weight_norm_interface(v[8, 5], g[8, 1], dim 0): the fused forward, counted as _weight_norm.
  EXPECT_EQ(macs("all", "_weight_norm_interface", {V::tensor({8, 5}), V::tensor({8, 1}), V::integer(0)}), 2 * 8 * 5);
}

// A training step's backward, under all: an activation's backward one per gradient element (relu's is
// threshold_backward); softmax's 4 (y*g, row sum, subtract, scale).
TEST(Elementwise, BackwardOfATrainingStep) {
  EXPECT_EQ(macs("default", "threshold_backward", {V::tensor({4, 9}), V::tensor({4, 9}), V::integer(0)},
                 {V::tensor({4, 9})}),
            -1);
  EXPECT_EQ(macs("all", "threshold_backward", {V::tensor({4, 9}), V::tensor({4, 9}), V::integer(0)}, {V::tensor({4, 9})}),
            4 * 9);
  EXPECT_EQ(macs("all", "gelu_backward", {V::tensor({2, 3, 5}), V::tensor({2, 3, 5}), V::string("none")},
                 {V::tensor({2, 3, 5})}),
            2 * 3 * 5);
  EXPECT_EQ(macs("all", "_softmax_backward_data", {V::tensor({3, 7}), V::tensor({3, 7}), V::integer(-1), V::integer(6)},
                 {V::tensor({3, 7})}),
            4 * 3 * 7);
  // log_sigmoid_backward(grad_output, self, buffer): SigLIP's loss; one per gradient element, as the others.
  EXPECT_EQ(macs("all", "log_sigmoid_backward", {V::tensor({4, 4}), V::tensor({4, 4}), V::tensor({0})}), 4 * 4);
  // glu_backward(grad_output[2, 5], self[2, 10], dim): one per element of the input's gradient.
  EXPECT_EQ(macs("all", "glu_backward", {V::tensor({2, 5}), V::tensor({2, 10}), V::integer(-1)}), 2 * 10);
  // _prelu_kernel_backward(grad_output, self[2, 3, 5], weight[3]): the input's gradient, then x * grad and its
  // per-channel sum for the weight's.
  EXPECT_EQ(macs("all", "_prelu_kernel_backward", {V::tensor({2, 3, 5}), V::tensor({2, 3, 5}), V::tensor({3})}),
            3 * 2 * 3 * 5);
  for (const char* set : {"default", "all"})
    EXPECT_EQ(named_ops(set).ignored.count("aten::masked_scatter_backward"), 1u) << set;
}

}  // namespace
}  // namespace flopscope
