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
}

}  // namespace
}  // namespace flopscope
