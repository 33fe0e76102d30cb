#include "runtime/export/names.h"

#include <algorithm>

#include <fmt/format.h>
#include <prometheus/check_names.h>

namespace sonde::exporter {

namespace {

bool is_name_char(char c, bool allow_colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         (allow_colon && c == ':');
}

std::string sanitize(std::string_view name, bool allow_colon) {
  std::string out;
  out.reserve(name.size() + 1);
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) out += '_';
  for (char c : name) out += is_name_char(c, allow_colon) ? c : '_';
  // Names starting with "__" are Prometheus' own (prometheus-cpp refuses them): keep one.
  const size_t underscores = out.find_first_not_of('_');
  if (underscores == std::string::npos) return "_";
  if (underscores > 1) out.erase(0, underscores - 1);
  return out;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::string sanitize_metric_name(std::string_view name) { return sanitize(name, true); }

std::string sanitize_label_name(std::string_view name) { return sanitize(name, false); }

std::vector<std::string> export_label_names(const metrics::Family& family) {
  std::vector<std::string> taken;
  if (family.type == metrics::FamilyType::kHistogram) taken.push_back("le");
  if (family.type == metrics::FamilyType::kSummary) taken.push_back("quantile");
  std::vector<std::string> names;
  names.reserve(family.label_names.size());
  for (const std::string& raw : family.label_names) {
    std::string name = prometheus::CheckLabelName(raw) ? raw : sanitize_label_name(raw);
    if (contains(taken, name)) {
      int suffix = 2;
      while (contains(taken, fmt::format("{}_{}", name, suffix))) ++suffix;
      name = fmt::format("{}_{}", name, suffix);
    }
    taken.push_back(name);
    names.push_back(std::move(name));
  }
  return names;
}

const char* family_type_name(metrics::FamilyType type) {
  switch (type) {
    case metrics::FamilyType::kCounter:
      return "counter";
    case metrics::FamilyType::kGauge:
      return "gauge";
    case metrics::FamilyType::kHistogram:
      return "histogram";
    case metrics::FamilyType::kSummary:
      return "summary";
  }
  return "untyped";
}

}  // namespace sonde::exporter
