# What each fuzz target links besides its harness: the library sources (relative to the repository root) and the
# packages. One list for the two builds that use it: the libFuzzer build (fuzz/CMakeLists.txt, clang, by hand with
# scripts/fuzz.sh) and the test build, which compiles every harness with the same sources into a program that
# replays the seed corpus and the past crashes (tests/CMakeLists.txt). A source the library splits or moves then
# breaks the test build in CI, not only the fuzz build that nothing runs unasked (it rotted so once).
# FLOPSCOPE_FUZZ_TORCH, set by the includer: the LibTorch to link (the test build takes its CPU half only).

# --input-shape and the other option values that are parsed by hand.
set(FLOPSCOPE_FUZZ_SOURCES_shape_fuzz src/text/shape_text.cpp)
set(FLOPSCOPE_FUZZ_LIBS_shape_fuzz)
# The JSON reports `compare` reads.
set(FLOPSCOPE_FUZZ_SOURCES_report_fuzz src/compare/compare.cpp src/compare/comparison_output.cpp
  src/report/ascii_table.cpp src/report/rich_fit.cpp src/text/printable.cpp)
set(FLOPSCOPE_FUZZ_LIBS_report_fuzz nlohmann_json::nlohmann_json)
# Model files: archive sniffing, then torch::jit::load.
set(FLOPSCOPE_FUZZ_SOURCES_model_fuzz src/model/model_file.cpp src/model/probe_child.cpp src/capture/model_output.cpp
  src/sandbox/memory_limit.cpp)
set(FLOPSCOPE_FUZZ_LIBS_model_fuzz ${FLOPSCOPE_FUZZ_TORCH} OpenSSL::Crypto)
# torch.export programs: the .pt2 archive and its graph JSON, the size expressions, the graph walk.
set(FLOPSCOPE_FUZZ_SOURCES_export_fuzz src/exported/program.cpp src/exported/size_expr.cpp
  src/exported/module_settings.cpp src/exported/trace_builder.cpp src/exported/control_flow.cpp
  src/count/nested.cpp src/api/dtype_names.cpp
  src/model/model_file.cpp src/model/probe_child.cpp src/capture/model_output.cpp src/sandbox/memory_limit.cpp
  src/count/attribute.cpp src/model/extra_repr.cpp src/text/python_text.cpp src/text/printable.cpp)
set(FLOPSCOPE_FUZZ_LIBS_export_fuzz ${FLOPSCOPE_FUZZ_TORCH} OpenSSL::Crypto nlohmann_json::nlohmann_json)

set(FLOPSCOPE_FUZZ_TARGETS shape_fuzz report_fuzz model_fuzz export_fuzz)
