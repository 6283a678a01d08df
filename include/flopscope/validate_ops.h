#pragma once
/// validate-ops: every op family with a FLOP formula run alone on a GPU, at awkward shapes and several dtypes,
/// under CUPTI's range profiler, with the analytic FLOPs beside the ones the hardware counters measured. The
/// library runs the cases; a caller (the CLI) prints them.
#include <cstddef>
#include <string>
#include <vector>

namespace flopscope {

struct ValidateOpsOptions {
  std::string op_set = "default";
  std::vector<std::string> dtypes = {"float32", "bfloat16", "float16", "float8_e4m3fn"};
  std::string family;      ///< only this formula key ("" = all); a key with no case is an InvalidInput
  double tolerance = 0.1;  ///< measured / analytic further than this from 1 is flagged
};

struct ValidateOpsCase {
  std::string family;  ///< the formula key, e.g. "linear"
  std::string label;   ///< the call, shapes and dtype
};

/// The cases, without a GPU; the families of the op set no case covers go to `uncovered`.
std::vector<ValidateOpsCase> validate_ops_cases(const ValidateOpsOptions& options, std::vector<std::string>* uncovered);

struct ValidateOpsRow {
  ValidateOpsCase op;
  double analytic_flops = 0;  ///< flopscope's, 2 per multiply-add
  double measured_flops = 0;  ///< the counters', every class
  double tensor_flops = 0;    ///< of which on tensor cores
  std::size_t kernels = 0;
  std::string not_run;        ///< why the case could not run ("" when it ran)
  bool outside = false;       ///< ran, and the ratio is further than the tolerance from 1 (or there is none)
  double ratio() const { return analytic_flops > 0 ? measured_flops / analytic_flops : -1; }
};

/// Runs every case on the GPU. Throws CudaUnavailable when there is no device or the counter pass cannot run
/// at all (the same reason would hold for every case); a case that fails alone is a row with `not_run`.
std::vector<ValidateOpsRow> validate_ops(const ValidateOpsOptions& options);

}  // namespace flopscope
