#include "profiler_host.h"

#include "counters_cupti_loader.h"
#include "flopscope/counters.h"

namespace flopscope::gpu {
namespace {

const cupti::CounterLibrary& library_or_throw() {
  const auto& lib = cupti::counter_library();
  if (!lib.loaded) throw CounterUnavailable(lib.reason);
  return lib;
}

std::string base_name(const std::string& metric) { return metric.substr(0, metric.find('.')); }

}  // namespace

struct ProfilerHost::Object {
  CUpti_Profiler_Host_Object* handle = nullptr;
  ~Object() {
    if (handle == nullptr) return;
    CUpti_Profiler_Host_Deinitialize_Params p{};
    p.structSize = CUpti_Profiler_Host_Deinitialize_Params_STRUCT_SIZE;
    p.pHostObject = handle;
    cupti::counter_library().host_deinitialize(&p);
  }
};

std::unique_ptr<ProfilerHost::Object> ProfilerHost::open_object() const {
  const auto& lib = library_or_throw();
  CUpti_Profiler_Host_Initialize_Params p{};
  p.structSize = CUpti_Profiler_Host_Initialize_Params_STRUCT_SIZE;
  p.profilerType = CUPTI_PROFILER_TYPE_RANGE_PROFILER;
  p.pChipName = m_chip.c_str();
  p.pCounterAvailabilityImage = m_availability.empty() ? nullptr : m_availability.data();
  if (CUptiResult r = lib.host_initialize(&p); r != CUPTI_SUCCESS || p.pHostObject == nullptr)
    throw CounterUnavailable("CUPTI's profiler host does not accept chip '" + m_chip + "': " + lib.error_name(r));
  auto object = std::make_unique<Object>();
  object->handle = p.pHostObject;
  return object;
}

ProfilerHost::ProfilerHost(std::string chip, std::vector<std::uint8_t> availability)
    : m_chip(std::move(chip)), m_availability(std::move(availability)) {
  m_object = open_object();
  const auto& lib = cupti::counter_library();
  for (auto type : {CUPTI_METRIC_TYPE_COUNTER, CUPTI_METRIC_TYPE_RATIO, CUPTI_METRIC_TYPE_THROUGHPUT}) {
    CUpti_Profiler_Host_GetBaseMetrics_Params p{};
    p.structSize = CUpti_Profiler_Host_GetBaseMetrics_Params_STRUCT_SIZE;
    p.pHostObject = m_object->handle;
    p.metricType = type;
    if (CUptiResult r = lib.host_base_metrics(&p); r != CUPTI_SUCCESS)
      throw CounterUnavailable("cannot list the metrics of " + m_chip + ": " + lib.error_name(r));
    for (std::size_t i = 0; i < p.numMetrics; ++i) m_base.insert(p.ppMetricNames[i]);
  }
}

ProfilerHost::~ProfilerHost() = default;

std::vector<std::string> ProfilerHost::supported_chips() {
  const auto& lib = library_or_throw();
  CUpti_Profiler_Host_GetSupportedChips_Params p{};
  p.structSize = CUpti_Profiler_Host_GetSupportedChips_Params_STRUCT_SIZE;
  if (CUptiResult r = lib.host_supported_chips(&p); r != CUPTI_SUCCESS)
    throw CounterUnavailable("cannot list CUPTI's chips: " + lib.error_name(r));
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
  if (CUptiResult r = lib.host_add_metrics(&add); r != CUPTI_SUCCESS) {
    // The base name exists but a rollup or submetric does not: find which, one at a time.
    for (const auto& m : metrics) {
      auto probe = open_object();
      const char* one = m.c_str();
      CUpti_Profiler_Host_ConfigAddMetrics_Params p{};
      p.structSize = CUpti_Profiler_Host_ConfigAddMetrics_Params_STRUCT_SIZE;
      p.pHostObject = probe->handle;
      p.ppMetricNames = &one;
      p.numMetrics = 1;
      if (CUptiResult r1 = lib.host_add_metrics(&p); r1 != CUPTI_SUCCESS)
        throw CounterUnavailable("metric " + m + " is not valid on " + m_chip + ": " + lib.error_name(r1));
    }
    throw CounterUnavailable("CUPTI rejects this metric set on " + m_chip + ": " + lib.error_name(r));
  }
  CUpti_Profiler_Host_GetConfigImageSize_Params size{};
  size.structSize = CUpti_Profiler_Host_GetConfigImageSize_Params_STRUCT_SIZE;
  size.pHostObject = object->handle;
  if (CUptiResult r = lib.host_config_size(&size); r != CUPTI_SUCCESS)
    throw CounterUnavailable("cannot size the counter configuration: " + lib.error_name(r));
  ConfigImage config;
  config.metrics = metrics;
  config.image.resize(size.configImageSize);
  CUpti_Profiler_Host_GetConfigImage_Params get{};
  get.structSize = CUpti_Profiler_Host_GetConfigImage_Params_STRUCT_SIZE;
  get.pHostObject = object->handle;
  get.configImageSize = config.image.size();
  get.pConfigImage = config.image.data();
  if (CUptiResult r = lib.host_config_image(&get); r != CUPTI_SUCCESS)
    throw CounterUnavailable("cannot build the counter configuration: " + lib.error_name(r));
  CUpti_Profiler_Host_GetNumOfPasses_Params passes{};
  passes.structSize = CUpti_Profiler_Host_GetNumOfPasses_Params_STRUCT_SIZE;
  passes.configImageSize = config.image.size();
  passes.pConfigImage = config.image.data();
  if (CUptiResult r = lib.host_passes(&passes); r != CUPTI_SUCCESS)
    throw CounterUnavailable("cannot count the configuration's passes: " + lib.error_name(r));
  config.passes = passes.numOfPasses;
  return config;
}

std::vector<double> ProfilerHost::evaluate(const std::vector<std::uint8_t>& counter_data, std::size_t range,
                                           const std::vector<std::string>& metrics) const {
  const auto& lib = library_or_throw();
  std::vector<const char*> names;
  for (const auto& m : metrics) names.push_back(m.c_str());
  std::vector<double> values(metrics.size(), 0.0);
  CUpti_Profiler_Host_EvaluateToGpuValues_Params p{};
  p.structSize = CUpti_Profiler_Host_EvaluateToGpuValues_Params_STRUCT_SIZE;
  p.pHostObject = m_object->handle;
  p.pCounterDataImage = counter_data.data();
  p.counterDataImageSize = counter_data.size();
  p.rangeIndex = range;
  p.ppMetricNames = names.data();
  p.numMetrics = names.size();
  p.pMetricValues = values.data();
  if (CUptiResult r = lib.host_evaluate(&p); r != CUPTI_SUCCESS)
    throw CounterUnavailable("cannot evaluate range " + std::to_string(range) + ": " + lib.error_name(r));
  return values;
}

}  // namespace flopscope::gpu
