#pragma once

#include <string>

namespace sonde::decode {

// Itanium C++ names ("_ZN3foo3barEi") -> "foo::bar(int)"; other names unchanged.
std::string demangle(const char* name);

}  // namespace sonde::decode
