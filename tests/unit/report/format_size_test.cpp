// mmengine's _format_size, on the test vectors of mmengine-behaviour.md §8 and fvcore's tests.
#include <gtest/gtest.h>

#include "flopscope/report.h"
#include "text/python_text.h"

namespace flopscope {
namespace {

TEST(FormatSize, ThresholdsAreStrictlyGreater) {
  EXPECT_EQ(format_size(Count{440}), "0.44K");
  EXPECT_EQ(format_size(Count{400}), "0.4K");
  EXPECT_EQ(format_size(Count{101}), "0.101K");
  EXPECT_EQ(format_size(Count{100}), "100");       // not above 1e2: printed as it is
  EXPECT_EQ(format_size(Count{100000}), "100K");   // not above 1e5
  EXPECT_EQ(format_size(Count{100001}), "0.1M");
  EXPECT_EQ(format_size(Count{999999999}), "1G");  // 0.999999999 rounds to 1.000
}

TEST(FormatSize, DecimalsAreDigitsAfterThePoint) {
  EXPECT_EQ(format_size(Count{123456}, 2), "0.12M");
  EXPECT_EQ(format_size(Count{123456}, 3), "0.123M");
  EXPECT_EQ(format_size(Count{123456}, 4), "0.1235M");
}

TEST(FormatSize, FvcoreVectors) {
  EXPECT_EQ(format_size(Count{4000}), "4K");
  EXPECT_EQ(format_size(Count{600000}), "0.6M");
  EXPECT_EQ(format_size(Count{3000}), "3K");
  EXPECT_EQ(format_size(Count{200}), "0.2K");
  EXPECT_EQ(format_size(Count{20}), "20");
  EXPECT_EQ(format_size(Count{0}), "0");
}

TEST(FormatSize, LargeUnits) {
  EXPECT_EQ(format_size(Count{4144854528LL}), "4.145G");
  EXPECT_EQ(format_size(Count{4144854528LL}, 2), "4.14G");
  EXPECT_EQ(format_size(Count{123456789012LL}), "0.123T");
  EXPECT_EQ(format_size(Count{1500000000000000LL}), "1.5P");
  EXPECT_EQ(format_size(Count{-2500}), "-2.5K");
}

TEST(FormatSize, SmallFloatsPrintLikePythonStr) {
  EXPECT_EQ(format_size(72.0), "72.0");  // mmengine's einsum fallback returns floats
  EXPECT_EQ(format_size(0.5), "0.5");
  EXPECT_EQ(format_size(1234.0), "1.234K");
}

TEST(PythonFormat, FloatRepr) {
  EXPECT_EQ(text::python_float(1e-05), "1e-05");
  EXPECT_EQ(text::python_float(0.1), "0.1");
  EXPECT_EQ(text::python_float(100.0), "100.0");
  EXPECT_EQ(text::python_float(1e16), "1e+16");
  EXPECT_EQ(text::python_float(0.0001), "0.0001");
  EXPECT_EQ(text::python_float(-2.5), "-2.5");
}

TEST(PythonFormat, Tuple) {
  EXPECT_EQ(text::python_tuple({64, 3, 7, 7}), "(64, 3, 7, 7)");
  EXPECT_EQ(text::python_tuple({10}), "(10,)");
  EXPECT_EQ(text::python_tuple({}), "()");
}

}  // namespace
}  // namespace flopscope
