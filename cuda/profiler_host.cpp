#include "profiler_host.h"

#include "call_check.h"
#include "cupti_library.h"
#include "flopscope/counters.h"
#include "gpu/cupti_reasons.h"

namespace flopscope::cuda {

using gpu::CounterUnavailable;
namespace {

const CuptiLibrary& library_or_throw() {
  const CuptiLoad& load = process_cupti();
  if (!load.reason.empty()) throw CounterUnavailable(load.reason);
  if (!load.library.profiler_reason.empty()) throw CounterUnavailable(load.library.profiler_reason);
  return load.library;
}

/// A failed host call as one line: what was being done, then the call and its result.
[[noreturn]] void unavailable(const std::string& doing, const CallFailed& f) {
  throw CounterUnavailable(doing + ": " + f.call + " returned " + gpu::cupti_result_name(f.code) + " (" +
                           std::to_string(f.code) + ")");
}

std::string base_name(const std::string& metric) { return metric.substr(0, metric.find('.')); }

}  // namespace

struct HostObject {
  CUpti_Profiler_Host_Object* handle = nullptr;
  ~HostObject() {
    if (handle == nullptr) return;
    CUpti_Profiler_Host_Deinitialize_Params p{};
    p.structSize = CUpti_Profiler_Host_Deinitialize_Params_STRUCT_SIZE;
    p.pHostObject = handle;
    process_cupti().library.cuptiProfilerHostDeinitialize(&p);
  }
};

std::unique_ptr<HostObject> ProfilerHost::open_object() const {
  const auto& lib = library_or_throw();
  CUpti_Profiler_Host_Initialize_Params p{};
  p.structSize = CUpti_Profiler_Host_Initialize_Params_STRUCT_SIZE;
  p.profilerType = CUPTI_PROFILER_TYPE_RANGE_PROFILER;
  p.pChipName = m_chip.c_str();
  p.pCounterAvailabilityImage = m_availability.empty() ? nullptr : m_availability.data();
  const std::string doing = "CUPTI's profiler host does not accept chip '" + m_chip + "'";
  try {
    FLOPSCOPE_CUPTI_CALL(lib, cuptiProfilerHostInitialize, &p);
  } catch (const CallFailed& f) {
    unavailable(doing, f);
  }
  if (p.pHostObject == nullptr) throw CounterUnavailable(doing + ": no host object");
  auto object = std::make_unique<HostObject>();
  object->handle = p.pHostObject;
  return object;
}

ProfilerHost::ProfilerHost(std::string chip, std::vector<std::uint8_t> availability)
    : m_chip(std::move(chip)), m_availability(std::move(availability)) {
  m_object = open_object();
  const auto& lib = library_or_throw();
  for (auto type : {CUPTI_METRIC_TYPE_COUNTER, CUPTI_METRIC_TYPE_RATIO, CUPTI_METRIC_TYPE_THROUGHPUT}) {
    CUpti_Profiler_Host_GetBaseMetrics_Params p{};
    p.structSize = CUpti_Profiler_Host_GetBaseMetrics_Params_STRUCT_SIZE;
    p.pHostObject = m_object->handle;
    p.metricType = type;
    try {
      FLOPSCOPE_CUPTI_CALL(lib, cuptiProfilerHostGetBaseMetrics, &p);
    } catch (const CallFailed& f) {
      unavailable("cannot list the metrics of " + m_chip, f);
    }
    for (std::size_t i = 0; i < p.numMetrics; ++i) m_base.insert(p.ppMetricNames[i]);
  }
}

ProfilerHost::~ProfilerHost() = default;

std::vector<std::string> ProfilerHost::supported_chips() {
  const auto& lib = library_or_throw();
  CUpti_Profiler_Host_GetSupportedChips_Params p{};
  p.structSize = CUpti_Profiler_Host_GetSupportedChips_Params_STRUCT_SIZE;
  try {
    FLOPSCOPE_CUPTI_CALL(lib, cuptiProfilerHostGetSupportedChips, &p);
  } catch (const CallFailed& f) {
    unavailable("cannot list CUPTI's chips", f);
  }
  return std::vector<std::string>(p.ppChipNames, p.ppChipNames + p.numChips);
}

bool ProfilerHost::has_metric(const std::string& metric) const { return m_base.count(base_name(metric)) > 0; }

ConfigImage ProfilerHost::configure(const std::vector<std::string>& metrics) const {
  const auto& lib = library_or_throw();
  // Name the culprit before CUPTI answers a bare INVALID_PARAMETER for the whole list.
  for (const auto& m : metrics)
    if (!has_metric(m)) throw CounterUnavailable("metric " + m + " does not exist on " + m_chip);
  // A host object accumulates every metric added to it: one fresh object per configuration.
  auto object = open_object();
  std::vector<const char*> names;
  for (const auto& m : metrics) names.push_back(m.c_str());
  CUpti_Profiler_Host_ConfigAddMetrics_Params add{};
  add.structSize = CUpti_Profiler_Host_ConfigAddMetrics_Params_STRUCT_SIZE;
  add.pHostObject = object->handle;
  add.ppMetricNames = names.data();
  add.numMetrics = names.size();
  try {
    FLOPSCOPE_CUPTI_CALL(lib, cuptiProfilerHostConfigAddMetrics, &add);
  } catch (const CallFailed& whole) {
    // The base name exists but a rollup or submetric does not: find which, one at a time.
    for (const auto& m : metrics) {
      auto probe = open_object();
      const char* one = m.c_str();
      CUpti_Profiler_Host_ConfigAddMetrics_Params p{};
      p.structSize = CUpti_Profiler_Host_ConfigAddMetrics_Params_STRUCT_SIZE;
      p.pHostObject = probe->handle;
      p.ppMetricNames = &one;
      p.numMetrics = 1;
      try {
        FLOPSCOPE_CUPTI_CALL(lib, cuptiProfilerHostConfigAddMetrics, &p);
      } catch (const CallFailed& f) {
        unavailable("metric " + m + " is not valid on " + m_chip, f);
      }
    }
    unavailable("CUPTI rejects this metric set on " + m_chip, whole);
  }
  ConfigImage config;
  config.metrics = metrics;
  try {
    CUpti_Profiler_Host_GetConfigImageSize_Params size{};
    size.structSize = CUpti_Profiler_Host_GetConfigImageSize_Params_STRUCT_SIZE;
    size.pHostObject = object->handle;
    FLOPSCOPE_CUPTI_CALL(lib, cuptiProfilerHostGetConfigImageSize, &size);
    config.image.resize(size.configImageSize);
    CUpti_Profiler_Host_GetConfigImage_Params get{};
    get.structSize = CUpti_Profiler_Host_GetConfigImage_Params_STRUCT_SIZE;
    get.pHostObject = object->handle;
    get.configImageSize = config.image.size();
    get.pConfigImage = config.image.data();
    FLOPSCOPE_CUPTI_CALL(lib, cuptiProfilerHostGetConfigImage, &get);
    CUpti_Profiler_Host_GetNumOfPasses_Params passes{};
    passes.structSize = CUpti_Profiler_Host_GetNumOfPasses_Params_STRUCT_SIZE;
    passes.configImageSize = config.image.size();
    passes.pConfigImage = config.image.data();
    FLOPSCOPE_CUPTI_CALL(lib, cuptiProfilerHostGetNumOfPasses, &passes);
    config.passes = passes.numOfPasses;
  } catch (const CallFailed& f) {
    unavailable("cannot build the counter configuration", f);
  }
  config.host_object = std::move(object);
  return config;
}

std::vector<double> ProfilerHost::evaluate(const ConfigImage& config, const std::vector<std::uint8_t>& counter_data,
                                           std::size_t range) const {
  if (!config.host_object) throw CounterUnavailable("the configuration has no host object to evaluate with");
  const std::vector<std::string>& metrics = config.metrics;
  const auto& lib = library_or_throw();
  std::vector<const char*> names;
  for (const auto& m : metrics) names.push_back(m.c_str());
  std::vector<double> values(metrics.size(), 0.0);
  CUpti_Profiler_Host_EvaluateToGpuValues_Params p{};
  p.structSize = CUpti_Profiler_Host_EvaluateToGpuValues_Params_STRUCT_SIZE;
  p.pHostObject = config.host_object->handle;
  p.pCounterDataImage = counter_data.data();
  p.counterDataImageSize = counter_data.size();
  p.rangeIndex = range;
  p.ppMetricNames = names.data();
  p.numMetrics = names.size();
  p.pMetricValues = values.data();
  try {
    FLOPSCOPE_CUPTI_CALL(lib, cuptiProfilerHostEvaluateToGpuValues, &p);
  } catch (const CallFailed& f) {
    unavailable("cannot evaluate range " + std::to_string(range), f);
  }
  return values;
}

}  // namespace flopscope::cuda
