#include "compiler/sema/definitions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace sonde::sema {

std::string Definitions::span_name(const ast::SpanDef& def) {
  std::string name;
  for (const auto& w : def.words) {
    if (!name.empty()) name += ' ';
    name += w.is_param ? "$" + w.text : w.text;
  }
  return name;
}

void Definitions::add(const ast::Program& program, const ast::SourceManager& sources,
                      ast::Diagnostics& diags) {
  for (const auto& statement : program.statements) {
    if (const auto* span_def = std::get_if<ast::SpanDef>(&statement)) {
      std::string name = span_name(*span_def);
      for (const auto* existing : spans_) {
        if (span_name(*existing) == name) {
          diags.error(
              span_def->name_range, fmt::format("span '{}' is already defined", name),
              fmt::format("the first definition is at {}", sources.location(existing->name_range)));
        }
      }
      spans_.push_back(span_def);
    } else if (const auto* event_def = std::get_if<ast::EventDef>(&statement)) {
      if (const auto* existing = event(event_def->name)) {
        diags.error(
            event_def->name_range, fmt::format("event '{}' is already defined", event_def->name),
            fmt::format("the first definition is at {}", sources.location(existing->name_range)));
      }
      events_.push_back(event_def);
    } else if (const auto* alias_def = std::get_if<ast::AliasDef>(&statement)) {
      aliases_.push_back(alias_def);
    }
  }
}

const ast::EventDef* Definitions::event(const std::string& name) const {
  for (const auto* e : events_) {
    if (e->name == name) return e;
  }
  return nullptr;
}

const ast::SpanDef* Definitions::span(const std::vector<std::string>& words,
                                      SpanParams& params) const {
  // Exact words win over parameterised definitions (a user's `span syscall read`
  // overrides stdlib's `span syscall $name`).
  const ast::SpanDef* best = nullptr;
  size_t best_params = SIZE_MAX;
  for (const auto* def : spans_) {
    if (def->words.size() != words.size()) continue;
    SpanParams bound;
    bool match = true;
    for (size_t i = 0; i < words.size() && match; ++i) {
      if (def->words[i].is_param)
        bound.emplace_back(def->words[i].text, words[i]);
      else
        match = def->words[i].text == words[i];
    }
    if (match && bound.size() < best_params) {
      best = def;
      best_params = bound.size();
      params = std::move(bound);
    }
  }
  return best;
}

std::string substitute_params(std::string_view text, const Definitions::SpanParams& params) {
  // The grammar's PARAM: '$' [a-zA-Z_] [a-zA-Z0-9_]*.
  auto starts_name = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; };
  auto continues_name = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  };
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    size_t dollar = text.find('$', at);
    if (dollar == std::string_view::npos || dollar + 1 >= text.size()) break;
    out.append(text.substr(at, dollar - at));
    size_t end = dollar + 1;
    if (starts_name(text[end])) {
      while (end < text.size() && continues_name(text[end])) ++end;
    }
    std::string_view name = text.substr(dollar + 1, end - dollar - 1);
    auto it = std::find_if(params.begin(), params.end(),
                           [&](const auto& p) { return !name.empty() && p.first == name; });
    if (it != params.end()) {
      out += it->second;
    } else {
      out.append(text.substr(dollar, end - dollar));
    }
    at = end;
  }
  out.append(text.substr(std::min(at, text.size())));
  return out;
}

}  // namespace sonde::sema
