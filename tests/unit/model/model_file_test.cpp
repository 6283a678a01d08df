// Loading a model file survives a corrupt archive in the calling process itself, without the probe's child
// (src/model/model_file.h): a host that embeds the library, or a process that skips the probe, is not taken down.
#include "flopscope/model_file.h"

#include <gtest/gtest.h>

#include <string>

#include "flopscope/errors.h"
#include "test_support.h"

namespace {

// The load's error line, or "" when it loaded.
std::string load_error(const std::string& path) {
  try {
    (void)flopscope::load_model_file(path, c10::nullopt, nullptr, /*probe_first=*/false);
  } catch (const flopscope::InvalidInput& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// Code that does not parse, and a debug record whose string-table index points past the table: LibTorch reads
// the record to highlight the parse error and segfaults (torch.jit.load in plain Python does, every run). The
// records are not loaded, so the parse error is the error.
TEST(ModelFile, ACorruptDebugRecordIsAParseErrorNotACrash) {
  const std::string error = load_error(flopscope::test::fixture("bad/corrupt_debug_info.pt"));
  EXPECT_NE(error.find("its code does not parse"), std::string::npos) << error;
}

// model_fuzz's archive of the same kind (deflated records with broken CRCs; its crash depended on the process).
TEST(ModelFile, TheFuzzersLibTorchSegfaultIsAParseErrorNotACrash) {
  const std::string error = load_error(flopscope::test::tests_dir() + "/fuzz/regressions/model_libtorch_segfault.pt");
  EXPECT_NE(error.find("its code does not parse"), std::string::npos) << error;
}

// Skipping the debug records changes nothing a sound archive gives: it loads, and its forward runs.
TEST(ModelFile, ASoundArchiveStillLoadsAndRuns) {
  auto module = flopscope::load_model_file(flopscope::test::fixture("testnet_scripted.pt"), c10::nullopt, nullptr,
                                           /*probe_first=*/false);
  const at::Tensor out = module.forward({torch::ones({1, 10})}).toTensor();
  EXPECT_EQ(out.sizes(), at::IntArrayRef({1, 10}));
}
