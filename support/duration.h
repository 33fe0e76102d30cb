#pragma once

#include <chrono>
#include <string_view>

#include "support/result.h"

namespace sonde {

// "5s", "500ms", "2m", "1h", "250us", or plain seconds ("5", "0.5").
Result<std::chrono::nanoseconds> parse_duration(std::string_view text);

}  // namespace sonde
