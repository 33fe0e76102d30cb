// How sonde names what it exports: labels after what they show, metrics after the
// probe and the value, Prometheus-style.
#pragma once

#include <string>

#include "compiler/ast/ast.h"
#include "compiler/ast/source.h"

namespace sonde::sema {

// `ksym(func)` -> "func", `syscall(id)` -> "syscall", `next.pid` -> "next_pid",
// anything else -> its text made into a name.
std::string derive_label_name(const ast::Expr& e, const ast::SourceManager& sources);
// Lowercase [a-z0-9_], no leading digit, no runs of underscores.
std::string sanitize_name(const std::string& text);
bool valid_label_name(const std::string& name);

}  // namespace sonde::sema
