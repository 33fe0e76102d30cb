// spec::Program <-> the bytes of a bundle's SPEC chunk. Fields are written in
// declaration order with fixed widths (docs/bundle-format.md); any change to the
// fields of spec::Program changes the encoding and bumps kFormatVersion.
#pragma once

#include <string>

#include "runtime/spec/byte_codec.h"
#include "runtime/spec/program.h"

namespace sonde::spec {

// Everything but `object` (its own chunk).
void encode_program_spec(const Program& program, ByteWriter& out);

// False with `problem` saying what was wrong ("metric 2: unknown aggregation 9").
bool decode_program_spec(ByteReader& in, Program& program, std::string& problem);

}  // namespace sonde::spec
