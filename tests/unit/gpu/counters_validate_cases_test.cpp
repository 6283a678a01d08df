// validate-ops's case list: every family with a FLOP formula in the default op set is run, at awkward sizes
// (a dimension of 1, a prime, a size that is not a multiple of 8) and in each requested dtype.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "flopscope/errors.h"

#include "flopscope/op_set.h"
#include "gpu/validate_cases.h"
#include "gpu/validate_options.h"

using namespace flopscope;
using namespace flopscope::gpu;

namespace {

bool is_prime(std::int64_t n) {
  if (n < 2) return false;
  for (std::int64_t d = 2; d * d <= n; ++d)
    if (n % d == 0) return false;
  return true;
}

const std::vector<std::string> kDtypes = {"float32", "bfloat16", "float16"};

}  // namespace

TEST(ValidateCases, EveryDefaultFamilyWithAFormulaIsCovered) {
  OpSet set = op_set_named("default");
  std::vector<std::string> uncovered;
  auto cases = validate_cases(set, kDtypes, &uncovered);
  EXPECT_TRUE(uncovered.empty()) << "no validate-ops case for family " << uncovered.front();
  std::set<std::string> families;
  for (const auto& [op, handler] : set.flops) families.insert(handler.key);
  // The exemptions (validate_cases.cpp says why): the fused attention backward cannot be called alone, and
  // mkldnn's LSTM backward is CPU-only.
  families.erase("scaled_dot_product_attention_backward");
  families.erase("rnn_backward");
  for (const char* k : kSingleDtypeProducts) families.erase(k);  // one dtype each: grouped FP8, int8, int4 weights
  families.erase("_scaled_mm");  // FP8 only, not in the float sweep: FP8ProductsRunInFP8Only
  std::map<std::string, std::set<std::string>> dtypes_of;
  for (const auto& c : cases) dtypes_of[c.family].insert(c.dtype);
  // cuFFT has no bfloat16 transform: the Fourier transforms run in the other two.
  EXPECT_EQ(dtypes_of["fft"], (std::set<std::string>{"float32", "float16"}));
  families.erase("fft");
  // Triangular solves and the dense factorizations take single and double precision only.
  for (const char* f : {"solve_triangular", "lu_factor", "det", "lu_solve", "solve", "inv", "cholesky",
                        "cholesky_solve", "cholesky_inverse"}) {
    EXPECT_EQ(dtypes_of[f], (std::set<std::string>{"float32"})) << f;
    families.erase(f);
  }
  for (const auto& f : families) {
    ASSERT_TRUE(dtypes_of.count(f)) << f;
    EXPECT_EQ(dtypes_of[f], std::set<std::string>(kDtypes.begin(), kDtypes.end())) << f;
  }
  // Known families from the formula files, so a renamed key cannot silently drop out of both lists.
  for (const char* f : {"linear", "addmm", "bmm", "matmul", "conv", "conv_backward", "scaled_dot_product_attention",
                        "lstm", "layer_norm", "einsum", "upsample_bilinear2d"})
    EXPECT_TRUE(families.count(f)) << f;
}

// _scaled_mm's cases run in FP8 (e4m3) only, at sizes cuBLASLt takes (every one a multiple of 16), including the
// 4096^3 product whose ratio checks the FP8 tensor-op convention; no float family gets an FP8 case.
TEST(ValidateCases, FP8ProductsRunInFP8Only) {
  std::vector<std::string> dtypes = kDtypes;
  dtypes.push_back("float8_e4m3fn");
  auto cases = validate_cases(op_set_named("default"), dtypes);
  std::vector<ValidateCase> fp8;
  for (const auto& c : cases) {
    if (c.family == "_scaled_mm") fp8.push_back(c);
    else EXPECT_NE(c.dtype, "float8_e4m3fn") << c.label;
  }
  ASSERT_EQ(fp8.size(), 2u);
  bool cube = false;
  for (const auto& c : fp8) {
    EXPECT_EQ(c.dtype, "float8_e4m3fn");
    EXPECT_EQ(c.call, "scaled_mm");
    ASSERT_EQ(c.shapes.size(), 2u);
    EXPECT_EQ(c.shapes[0][1], c.shapes[1][0]) << c.label;  // A [M,K] @ B [K,N]
    for (const auto& shape : c.shapes)
      for (auto d : shape) EXPECT_EQ(d % 16, 0) << c.label;
    const std::vector<std::int64_t> square{4096, 4096};
    cube |= c.shapes[0] == square && c.shapes[1] == square;
  }
  EXPECT_TRUE(cube);
  // The float sweep alone has no FP8 case, and --dtype float8_e4m3fn alone only FP8 ones.
  for (const auto& c : validate_cases(op_set_named("default"), kDtypes)) EXPECT_NE(c.family, "_scaled_mm");
  for (const auto& c : validate_cases(op_set_named("default"), {"float8_e4m3fn"})) EXPECT_EQ(c.family, "_scaled_mm");
}

// The default sweep covers FP8; a dtype no case runs in is refused by name, never an empty list.
TEST(ValidateOps, DefaultDtypesIncludeFP8AndUnknownDtypesAreRefused) {
  flopscope::ValidateOpsOptions o;
  EXPECT_NE(std::find(o.dtypes.begin(), o.dtypes.end(), "float8_e4m3fn"), o.dtypes.end());
  bool fp8 = false;
  for (const auto& c : flopscope::validate_ops_cases(o, nullptr)) fp8 |= c.family == "_scaled_mm";
  EXPECT_TRUE(fp8);
  o.dtypes = {"bfloat16", "fp8"};
  try {
    flopscope::validate_ops_cases(o, nullptr);
    FAIL() << "an unknown dtype gave a case list";
  } catch (const flopscope::InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("'fp8'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("float8_e4m3fn"), std::string::npos) << e.what();
  }
}

TEST(ValidateCases, ShapesIncludeTheAwkwardSizes) {
  auto cases = validate_cases(op_set_named("default"), {"float32"});
  std::map<std::string, std::set<std::string>> seen;
  for (const auto& c : cases)
    for (const auto& shape : c.shapes)
      for (auto d : shape) {
        if (d == 1) seen[c.family].insert("one");
        if (d > 7 && is_prime(d)) seen[c.family].insert("prime");
        if (d % 8 != 0) seen[c.family].insert("not-8");
      }
  for (const char* f : {"linear", "addmm", "mm", "matmul", "bmm", "baddbmm", "addbmm", "addmv", "mv", "einsum",
                        "conv", "scaled_dot_product_attention", "lstm", "gru", "layer_norm", "batch_norm"}) {
    EXPECT_TRUE(seen[f].count("one")) << f << " has no dimension of 1";
    EXPECT_TRUE(seen[f].count("prime")) << f << " has no prime dimension";
    EXPECT_TRUE(seen[f].count("not-8")) << f << " has no dimension off a multiple of 8";
  }
  // M = 1 specifically for the GEMM-class ops: the first operand's row count.
  for (const auto& c : cases)
    if (c.call == "linear" || c.call == "mm" || c.call == "addmm") {
      if (c.shapes[0][0] == 1) seen[c.call].insert("M=1");
    }
  for (const char* call : {"linear", "mm", "addmm"}) EXPECT_TRUE(seen[call].count("M=1")) << call;
}

TEST(ValidateCases, LabelsNameCallShapesAndDtype) {
  auto cases = validate_cases(op_set_named("default"), {"bfloat16"});
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    EXPECT_EQ(c.label.rfind(c.call, 0), 0u) << c.label;
    EXPECT_NE(c.label.find("bfloat16"), std::string::npos) << c.label;
  }
}

// Each case is counted without a timing pass: ten recorded forwards under CUPTI per case would be thrown away.
TEST(ValidateOps, CasesAreCountedWithoutATimingPass) {
  flopscope::ValidateOpsOptions o;
  o.op_set = "default";
  const flopscope::Options a = flopscope::gpu::case_analysis_options(o, {});
  EXPECT_FALSE(a.gpu.timing);
  EXPECT_FALSE(a.gpu.counters);
  EXPECT_EQ(a.device, "cuda");
  EXPECT_EQ(a.op_set, "default");
  EXPECT_FALSE(a.show_table || a.show_arch);
}
