#include "compiler/sema/naming.h"

#include <cctype>

#include "compiler/sema/functions_table.h"

namespace sonde::sema {
namespace {

LabelNaming call_naming(const std::string& name) {
  if (const DecoderInfo* d = find_decoder(name)) return d->naming;
  if (const FunctionInfo* f = find_function(name)) return f->naming;
  return LabelNaming::kCall;
}

}  // namespace

std::string sanitize_name(const std::string& text) {
  std::string out;
  for (char c : text) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '_';
    if (!ok) l = '_';
    if (l == '_' && (out.empty() || out.back() == '_')) continue;
    out += l;
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty()) out = "value";
  if (out[0] >= '0' && out[0] <= '9') out = "_" + out;
  return out;
}

std::string derive_label_name(const ast::Expr& e, const ast::SourceManager& sources) {
  switch (e.kind) {
    case ast::ExprKind::kName:
      return e.text;
    case ast::ExprKind::kMember:
      if (e.args[0]->kind == ast::ExprKind::kName && e.args[0]->text == "current") return e.text;
      return derive_label_name(*e.args[0], sources) + "_" + e.text;
    case ast::ExprKind::kCall:
      // Representations keep the name of what they show; concepts name themselves.
      if (call_naming(e.text) == LabelNaming::kArgument && !e.args.empty())
        return derive_label_name(*e.args[0], sources);
      return e.text;
    default:
      return sanitize_name(std::string(sources.text(e.range)));
  }
}

bool valid_label_name(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  if (name.size() >= 2 && name[0] == '_' && name[1] == '_') return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace sonde::sema
