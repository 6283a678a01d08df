// Target-side sequence (cupti-notes §2): profiler initialise, chip name, counter availability, host config,
// range profiler enable, SetConfig(auto range, kernel replay), Start / forward / Stop, DecodeData, evaluate per
// range, Disable, deinitialise. Every CUPTI failure becomes a skipped report with its reason; target APIs are
// called only after the driver probe found a device (cuptiDeviceGetChipName crashes without a driver).
#include "gpu/cuda_backend.h"

#include <cuda.h>
#include <cupti_callbacks.h>

#include <algorithm>
#include <map>
#include <optional>

#include "call_check.h"
#include "cupti_library.h"
#include "driver_library.h"
#include "gpu/cupti_reasons.h"
#include "gpu/counter_math.h"
#include "gpu/metric_plan.h"
#include "gpu/peak_table.h"
#include "gpu/range_chunks.h"
#include "launch_log.h"
#include "profiler_host.h"

namespace flopscope::cuda {

// The counter pass's logic (metric plans, counter arithmetic, reasons) is the GPU wing's.
using namespace flopscope::gpu;

namespace {

struct Skip {
  std::string reason;
};

// Everything that must be undone, undone in reverse on every path.
struct Session {
  const CuptiLibrary& lib;
  std::optional<bool> admin_only = read_profiling_admin_only();
  bool initialized = false;
  CUpti_RangeProfiler_Object* object = nullptr;
  CUpti_SubscriberHandle subscriber = nullptr;
  LaunchLog log;  // names and grids of the launches, for the ranges

  explicit Session(const CuptiLibrary& l) : lib(l) {}
  ~Session() {
    if (subscriber) lib.cuptiUnsubscribe(subscriber);
    if (object) {
      CUpti_RangeProfiler_Disable_Params p{};
      p.structSize = CUpti_RangeProfiler_Disable_Params_STRUCT_SIZE;
      p.pRangeProfilerObject = object;
      lib.cuptiRangeProfilerDisable(&p);
    }
    if (initialized) {
      CUpti_Profiler_DeInitialize_Params p{};
      p.structSize = CUpti_Profiler_DeInitialize_Params_STRUCT_SIZE;
      lib.cuptiProfilerDeInitialize(&p);
    }
  }
};

std::string unsupported_reason(const CUpti_Profiler_DeviceSupported_Params& s) {
  auto bad = [](CUpti_Profiler_Support_Level l) { return l != CUPTI_PROFILER_CONFIGURATION_SUPPORTED; };
  std::string why;
  if (bad(s.architecture)) why = "the GPU's architecture is not supported (needs compute capability 7.0+)";
  else if (s.vGpu == CUPTI_PROFILER_CONFIGURATION_DISABLED) why = "profiling is disabled for this vGPU";
  else if (bad(s.vGpu)) why = "this vGPU does not support profiling";
  else if (bad(s.confidentialCompute)) why = "confidential computing is on";
  else if (bad(s.cmp)) why = "crypto-mining processors do not support profiling";
  else if (bad(s.sli)) why = "SLI is enabled";
  else if (bad(s.wsl)) why = "WSL does not support profiling here";
  else why = "the device does not support CUPTI's range profiler";
  return "hardware counters unavailable: " + why + " [cuptiProfilerDeviceSupported]";
}

// One configuration's counter data: sized for `ranges` ranges, initialised, ready for SetConfig.
struct CounterData {
  std::vector<std::uint8_t> image;
};

CounterData make_counter_data(Session& s, const std::vector<std::string>& metrics, std::size_t ranges) {
  std::vector<const char*> names;
  for (const auto& m : metrics) names.push_back(m.c_str());
  CUpti_RangeProfiler_GetCounterDataSize_Params size{};
  size.structSize = CUpti_RangeProfiler_GetCounterDataSize_Params_STRUCT_SIZE;
  size.pRangeProfilerObject = s.object;
  size.pMetricNames = names.data();
  size.numMetrics = names.size();
  size.maxNumOfRanges = ranges;
  size.maxNumRangeTreeNodes = static_cast<std::uint32_t>(ranges);
  FLOPSCOPE_CUPTI_CALL(s.lib, cuptiRangeProfilerGetCounterDataSize, &size);
  CounterData data;
  data.image.resize(size.counterDataSize);
  CUpti_RangeProfiler_CounterDataImage_Initialize_Params init{};
  init.structSize = CUpti_RangeProfiler_CounterDataImage_Initialize_Params_STRUCT_SIZE;
  init.pRangeProfilerObject = s.object;
  init.counterDataSize = data.image.size();
  init.pCounterData = data.image.data();
  FLOPSCOPE_CUPTI_CALL(s.lib, cuptiRangeProfilerCounterDataImageInitialize, &init);
  return data;
}

void set_config(Session& s, const ConfigImage& config, CounterData& data, std::size_t ranges) {
  CUpti_RangeProfiler_SetConfig_Params p{};
  p.structSize = CUpti_RangeProfiler_SetConfig_Params_STRUCT_SIZE;
  p.pRangeProfilerObject = s.object;
  p.configSize = config.image.size();
  p.pConfig = config.image.data();
  p.counterDataImageSize = data.image.size();
  p.pCounterDataImage = data.image.data();
  p.range = CUPTI_AutoRange;
  p.replayMode = CUPTI_KernelReplay;
  p.maxRangesPerPass = ranges;
  p.numNestingLevels = 1;
  p.minNestingLevel = 1;
  p.passIndex = 0;
  p.targetNestingLevel = 1;
  FLOPSCOPE_CUPTI_CALL(s.lib, cuptiRangeProfilerSetConfig, &p);
}

void start_collection(Session& s) {
  CUpti_RangeProfiler_Start_Params p{};
  p.structSize = CUpti_RangeProfiler_Start_Params_STRUCT_SIZE;
  p.pRangeProfilerObject = s.object;
  FLOPSCOPE_CUPTI_CALL(s.lib, cuptiRangeProfilerStart, &p);
}

void enable(Session& s, CUcontext ctx) {
  CUpti_RangeProfiler_Enable_Params enable{};
  enable.structSize = CUpti_RangeProfiler_Enable_Params_STRUCT_SIZE;
  enable.ctx = ctx;
  FLOPSCOPE_CUPTI_CALL(s.lib, cuptiRangeProfilerEnable, &enable);
  s.object = enable.pRangeProfilerObject;
}

void disable(Session& s) {
  CUpti_RangeProfiler_Disable_Params p{};
  p.structSize = CUpti_RangeProfiler_Disable_Params_STRUCT_SIZE;
  p.pRangeProfilerObject = s.object;
  s.object = nullptr;
  FLOPSCOPE_CUPTI_CALL(s.lib, cuptiRangeProfilerDisable, &p);
}

/// One configuration's collection on the range profiler (src/gpu/range_chunks.h drives it in chunks).
class CuptiRangeSession final : public RangeSession {
 public:
  CuptiRangeSession(Session& s, const ProfilerHost& host, const ConfigImage& config, std::size_t ranges)
      : m_s(s), m_host(host), m_config(config), m_ranges(ranges) {}

  void start() override {
    m_data = make_counter_data(m_s, m_config.metrics, m_ranges);
    set_config(m_s, m_config, m_data, m_ranges);
    start_collection(m_s);
  }

  std::vector<RangeValues> stop_and_decode(std::size_t& dropped) override {
    CUpti_RangeProfiler_Stop_Params stop{};
    stop.structSize = CUpti_RangeProfiler_Stop_Params_STRUCT_SIZE;
    stop.pRangeProfilerObject = m_s.object;
    FLOPSCOPE_CUPTI_CALL(m_s.lib, cuptiRangeProfilerStop, &stop);
    CUpti_RangeProfiler_DecodeData_Params decode{};
    decode.structSize = CUpti_RangeProfiler_DecodeData_Params_STRUCT_SIZE;
    decode.pRangeProfilerObject = m_s.object;
    FLOPSCOPE_CUPTI_CALL(m_s.lib, cuptiRangeProfilerDecodeData, &decode);
    dropped = decode.numOfRangeDropped;
    CUpti_RangeProfiler_GetCounterDataInfo_Params info{};
    info.structSize = CUpti_RangeProfiler_GetCounterDataInfo_Params_STRUCT_SIZE;
    info.pCounterDataImage = m_data.image.data();
    info.counterDataImageSize = m_data.image.size();
    FLOPSCOPE_CUPTI_CALL(m_s.lib, cuptiRangeProfilerGetCounterDataInfo, &info);
    std::vector<RangeValues> out;
    for (std::size_t r = 0; r < info.numTotalRanges; ++r) {
      const std::vector<double> values = m_host.evaluate(m_config, m_data.image, r);
      RangeValues row;
      for (std::size_t m = 0; m < values.size(); ++m) row[m_config.metrics[m]] = values[m];
      out.push_back(std::move(row));
    }
    return out;
  }

  std::size_t launched() const override {
    return m_s.subscriber != nullptr ? m_s.log.size() : static_cast<std::size_t>(-1);
  }

 private:
  Session& m_s;
  const ProfilerHost& m_host;
  const ConfigImage& m_config;
  std::size_t m_ranges;
  CounterData m_data;
};

void run(Session& s, CounterReport& report, const CudaStatus& cuda,
         const std::function<void(const std::function<void()>&)>& forward, const RangeProfilerOptions& options) {
  // The context LibTorch made current (its primary context).
  const DriverLibrary& driver = driver_library();
  if (!driver.reason.empty()) throw Skip{"hardware counters unavailable: " + driver.reason};
  CUcontext ctx = nullptr;
  CUdevice device = 0;
  if (driver.cuCtxGetCurrent(&ctx) != CUDA_SUCCESS || ctx == nullptr || driver.cuCtxGetDevice(&device) != CUDA_SUCCESS)
    throw Skip{"hardware counters unavailable: no current CUDA context (run a CUDA op before the counter pass)"};

  CUpti_Profiler_Initialize_Params init{};

  init.structSize = CUpti_Profiler_Initialize_Params_STRUCT_SIZE;
  FLOPSCOPE_CUPTI_CALL(s.lib, cuptiProfilerInitialize, &init);
  s.initialized = true;

  CUpti_Profiler_DeviceSupported_Params supported{};

  supported.structSize = CUpti_Profiler_DeviceSupported_Params_STRUCT_SIZE;
  supported.cuDevice = device;
  supported.api = CUPTI_PROFILER_RANGE_PROFILING;
  FLOPSCOPE_CUPTI_CALL(s.lib, cuptiProfilerDeviceSupported, &supported);
  if (supported.isSupported != CUPTI_PROFILER_CONFIGURATION_SUPPORTED) throw Skip{unsupported_reason(supported)};

  CUpti_Device_GetChipName_Params chip{};

  chip.structSize = CUpti_Device_GetChipName_Params_STRUCT_SIZE;
  chip.deviceIndex = static_cast<std::size_t>(device);
  FLOPSCOPE_CUPTI_CALL(s.lib, cuptiDeviceGetChipName, &chip);
  report.chip = chip.pChipName ? chip.pChipName : "";

  CUpti_Profiler_GetCounterAvailability_Params avail{};

  avail.structSize = CUpti_Profiler_GetCounterAvailability_Params_STRUCT_SIZE;
  avail.ctx = ctx;
  FLOPSCOPE_CUPTI_CALL(s.lib, cuptiProfilerGetCounterAvailability, &avail);
  std::vector<std::uint8_t> availability(avail.counterAvailabilityImageSize);
  avail.pCounterAvailabilityImage = availability.data();
  FLOPSCOPE_CUPTI_CALL(s.lib, cuptiProfilerGetCounterAvailability, &avail);

  ProfilerHost host(report.chip, availability);  // throws CounterUnavailable
  MetricPlan plan = plan_metrics(options.tensor_dtypes, [&](const std::string& m) { return host.has_metric(m); });
  std::vector<ConfigImage> configs;
  if (!plan.single_pass.empty()) {
    // With the metrics that settle FLOPs per tensor op, if the chip takes them in the same single pass.
    ConfigImage first;
    std::vector<std::string> with_factor = plan.single_pass;
    with_factor.insert(with_factor.end(), plan.factor_metrics.begin(), plan.factor_metrics.end());
    try {
      first = host.configure(with_factor);
    } catch (const CounterUnavailable& e) {
      if (plan.factor_metrics.empty()) throw;
      plan.notes.push_back(std::string("the tensor-factor metrics were refused (") + e.what() + ")");
      plan.factor_metrics.clear();
      first = host.configure(plan.single_pass);
    }
    if (first.passes > 1) {  // keep configuration 1 replay-free
      demote_tensor_metrics(plan);
      first = host.configure(plan.single_pass);
    }
    configs.push_back(std::move(first));
  }
  if (!plan.multi_pass.empty()) configs.push_back(host.configure(plan.multi_pass));
  for (const auto& c : configs) {
    report.configs.push_back(c.metrics);
    report.passes.push_back(static_cast<int>(c.passes));
  }

  // Launch names and grids for the join. Without them (another subscriber) the join checks counts only.
  std::vector<std::string> notes = plan.notes;
  if (s.lib.cuptiSubscribe(&s.subscriber, LaunchLog::on_callback, &s.log) == CUPTI_SUCCESS) {
    for (auto cbid : runtime_launch_ids()) s.lib.cuptiEnableCallback(1, s.subscriber, CUPTI_CB_DOMAIN_RUNTIME_API, cbid);
    for (auto cbid : driver_launch_ids()) s.lib.cuptiEnableCallback(1, s.subscriber, CUPTI_CB_DOMAIN_DRIVER_API, cbid);
  } else {
    s.subscriber = nullptr;
    notes.push_back("launch names not recorded (another CUPTI subscriber): the join checks order only");
  }

  // NVIDIA's sample, per configuration: Enable, SetConfig, Start / Stop / Decode (in chunks for long forwards),
  // Disable.
  // One size for the counter-data image and the chunking that fills it.
  const std::size_t chunk = std::max<std::size_t>(options.ranges_per_chunk, 16);
  std::vector<std::vector<RangeValues>> values(configs.size());
  std::vector<KernelCounters> launches_of_first;
  for (std::size_t c = 0; c < configs.size(); ++c) {
    s.log.clear();
    enable(s, ctx);
    CuptiRangeSession session(s, host, configs[c], chunk);
    ChunkedRanges got = collect_in_chunks(session, chunk, forward);
    disable(s);
    if (got.dropped > 0)
      notes.push_back(std::to_string(got.dropped) + " range(s) dropped by CUPTI in configuration " + std::to_string(c + 1) +
                      " (an op launched more kernels than a chunk's headroom)");
    if (got.images > 1)
      notes.push_back("configuration " + std::to_string(c + 1) + " collected in " + std::to_string(got.images) +
                      " chunks of up to " + std::to_string(chunk) + " ranges");
    values[c] = std::move(got.ranges);
    if (c == 0) launches_of_first = s.log.launches();
    else if (s.log.size() != launches_of_first.size())
      notes.push_back("configuration " + std::to_string(c + 1) + " saw " + std::to_string(s.log.size()) +
                      " launches, configuration 1 saw " + std::to_string(launches_of_first.size()));
  }

  // Merge the configurations range by range (the same forward each time), names and grids from the first
  // configuration's launch log when it saw as many launches as there are ranges.
  std::size_t n = values.empty() ? 0 : values[0].size();
  for (const auto& v : values) n = std::min(n, v.size());
  for (const auto& v : values)
    if (v.size() != n) notes.push_back("configurations returned different range counts; kept the first " + std::to_string(n));
  for (std::size_t r = 0; r < n; ++r) {
    std::map<std::string, double> merged;
    for (const auto& v : values) merged.insert(v[r].begin(), v[r].end());
    report.kernels.push_back(kernel_counters_from_values(r, merged, plan));
  }
  attach_launches(report.kernels, launches_of_first, notes);

  // FLOPs per tensor math op, from the bf16 counter's peak read in configuration 1 (the same in every range).
  double peak = 0;
  if (!plan.factor_metrics.empty() && !values.empty() && !values[0].empty())
    if (auto it = values[0][0].find(plan.factor_metrics[0]); it != values[0][0].end()) peak = it->second;
  int sms = 0;
  double table = 0;
  for (const auto& d : cuda.devices)
    if (d.index == static_cast<int>(device)) {
      sms = d.multiprocessors;
      const auto rates = per_sm_per_clock(d.sm_major, d.sm_minor);
      if (auto it = rates.find("bf16_tc"); it != rates.end()) table = it->second;
    }
  report.tensor_factor = settle_tensor_factor(peak, sms, table);
  for (auto& k : report.kernels) k.flops_per_tensor_op = report.tensor_factor.flops_per_op;
  report.notes = notes;
  report.ran = true;
}

}  // namespace

CounterReport run_range_profiler(const CudaStatus& cuda,
                                 const std::function<void(const std::function<void()>& checkpoint)>& forward,
                                 const RangeProfilerOptions& options) {
  CounterReport report;
  if (!cuda.available) {
    report.skipped_reason = "hardware counters unavailable: no CUDA device (" + cuda.reason + ")";
    return report;
  }
  const CuptiLoad& load = process_cupti();
  const std::string& missing = load.reason.empty() ? load.library.profiler_reason : load.reason;
  if (!missing.empty()) {
    report.skipped_reason = "hardware counters unavailable: " + missing;
    return report;
  }
  std::optional<bool> admin_only;
  try {
    Session session(load.library);
    admin_only = session.admin_only;
    run(session, report, cuda, forward, options);
  } catch (const CallFailed& f) {
    report.ran = false;
    report.kernels.clear();
    report.skipped_reason = counter_error_reason(f.code, f.call, admin_only);
  } catch (const Skip& skip) {
    report.ran = false;
    report.kernels.clear();
    report.skipped_reason = skip.reason;
  } catch (const CounterUnavailable& e) {
    report.ran = false;
    report.kernels.clear();
    report.skipped_reason = std::string("hardware counters unavailable: ") + e.what();
  }
  return report;
}

}  // namespace flopscope::cuda
