// A sweep: one analysis of an exported program per value of one symbolic dimension, reported side by side, so
// that the cost curve of each module reads across a row (table), or goes straight into a plot (csv, json).
#include <nlohmann/json.hpp>

#include "flopscope/errors.h"
#include "flopscope/report.h"
#include "report/ascii_table.h"
#include "report/stats_map.h"
#include "text/printable.h"

namespace flopscope {
namespace {

using nlohmann::ordered_json;

std::string csv_field(const std::string& s) {  // RFC 4180, and no cell a spreadsheet would run as a formula
  const std::string safe = text::spreadsheet_safe(s);
  if (safe.find_first_of(",\"\n") == std::string::npos) return safe;
  std::string out = "\"";
  for (char c : safe) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string table(const Sweep& sweep, int max_depth) {
  const Analysis& first = sweep.analyses.front();
  std::vector<std::string> header{"module", "#parameters"};
  for (const auto v : sweep.values) header.push_back("#flops @" + std::to_string(v));
  for (const auto v : sweep.values) header.push_back("#acts @" + std::to_string(v));
  const auto params = report::parameter_count(first.tree);
  std::vector<std::vector<std::string>> rows;
  for (const auto& node : first.tree.nodes) {
    if (module_depth(node.path) > max_depth) continue;
    const Count p = params.find(node.path) ? *params.find(node.path) : 0;
    std::vector<std::string> row{node.path.empty() ? "model" : text::printable(node.path), format_size(p)};
    for (const auto& a : sweep.analyses) row.push_back(format_size(a.flops.total(node.path)));
    for (const auto& a : sweep.analyses) row.push_back(format_size(a.activations.total(node.path)));
    rows.push_back(std::move(row));
  }
  return "sweep of " + text::printable(sweep.axis) + " over " + std::to_string(sweep.values.size()) + " values\n" +
         report::render_ascii2(header, rows);
}

std::string csv(const Sweep& sweep) {
  const Analysis& first = sweep.analyses.front();
  const auto params = report::parameter_count(first.tree);
  std::string out = "module,type,depth," + csv_field(sweep.axis) + ",parameters,macs,flops,activations\n";
  for (const auto& node : first.tree.nodes) {
    const Count p = params.find(node.path) ? *params.find(node.path) : 0;
    for (std::size_t i = 0; i < sweep.values.size(); ++i) {
      const Analysis& a = sweep.analyses[i];
      const Count macs = a.flops.total(node.path);
      out += csv_field(node.path) + "," + csv_field(node.class_name) + "," + std::to_string(module_depth(node.path)) +
             "," + std::to_string(sweep.values[i]) + "," + std::to_string(p) + "," + std::to_string(macs) + "," +
             std::to_string(2 * static_cast<std::uint64_t>(macs)) + "," +
             std::to_string(a.activations.total(node.path)) + "\n";
    }
  }
  return out;
}

std::string json(const Sweep& sweep) {
  const Analysis& first = sweep.analyses.front();
  const auto params = report::parameter_count(first.tree);
  auto series = [&](auto&& of) {
    ordered_json out = ordered_json::array();
    for (const auto& a : sweep.analyses) out.push_back(of(a));
    return out;
  };
  ordered_json modules = ordered_json::array();
  for (const auto& node : first.tree.nodes) {
    const Count p = params.find(node.path) ? *params.find(node.path) : 0;
    modules.push_back(
        {{"path", node.path},
         {"type", node.class_name},
         {"depth", module_depth(node.path)},
         {"parameters", p},
         {"macs", series([&](const Analysis& a) { return a.flops.total(node.path); })},
         {"flops", series([&](const Analysis& a) { return 2 * static_cast<std::uint64_t>(a.flops.total(node.path)); })},
         {"activations", series([&](const Analysis& a) { return a.activations.total(node.path); })}});
  }
  ordered_json inputs = ordered_json::array();
  for (const auto& a : sweep.analyses) {
    ordered_json one = ordered_json::array();
    for (std::size_t i = 0; i < a.run.input_shapes.size(); ++i)
      one.push_back({{"shape", a.run.input_shapes[i]}, {"dtype", a.run.input_dtypes[i]}});
    inputs.push_back(std::move(one));
  }
  ordered_json report{
      {"schema_version", kReportSchemaVersion},
      {"kind", "sweep"},
      {"model", {{"source", first.run.model}, {"kind", first.run.model_kind},
                 {"sha256", first.run.model_sha256.empty() ? ordered_json(nullptr) : ordered_json(first.run.model_sha256)}}},
      {"op_set", first.run.op_set},
      {"dim", sweep.axis},
      {"values", sweep.values},
      {"inputs", inputs},
      {"totals", {{"parameters", first.tree.total_params()},
                  {"macs", series([](const Analysis& a) { return a.flops.total(); })},
                  {"flops", series([](const Analysis& a) { return 2 * static_cast<std::uint64_t>(a.flops.total()); })},
                  {"activations", series([](const Analysis& a) { return a.activations.total(); })}}},
      {"modules", modules},
  };
  return report.dump(2, ' ', true, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

const std::vector<std::string>& sweep_formats() {
  static const std::vector<std::string> kFormats = {"sweep", "csv", "json"};
  return kFormats;
}

std::string render_sweep(const std::string& format, const Sweep& sweep, int max_depth) {
  if (sweep.analyses.empty() || sweep.analyses.size() != sweep.values.size())
    throw InvalidInput("a sweep needs one analysis per value");
  if (format == "sweep") return table(sweep, max_depth);
  if (format == "csv") return csv(sweep);
  if (format == "json") return json(sweep);
  throw InvalidInput("a sweep's formats are sweep (a table), csv and json, not '" + format + "'");
}

}  // namespace flopscope
