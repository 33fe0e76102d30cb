// Small string helpers shared by the compiler and the runtime.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sonde {

std::vector<std::string_view> split(std::string_view text, char separator);
std::string_view trim(std::string_view text);
bool starts_with(std::string_view text, std::string_view prefix);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
// Edit distance (with adjacent transpositions), for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `name` when it is close enough to be a likely typo.
std::string closest_match(std::string_view name, const std::vector<std::string>& candidates);
// `lead` + "did you mean 'X'?" for the closest match X, or "" when none is close: the end
// of a message ("unknown probe kind 'x'" + did_you_mean(...)), or a whole hint (lead "").
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates,
                         std::string_view lead = "; ");
// Reads a whole file; empty optional semantics via bool.
bool read_file(const std::string& path, std::string& out);

}  // namespace sonde
