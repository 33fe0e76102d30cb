#include "runtime/export/prometheus_text.h"

#include "runtime/export/exposition.h"
#include "runtime/export/text_buffer.h"

namespace sonde::exporter {

void append_prometheus_text(const metrics::Snapshot& snapshot, std::string& out) {
  ExpositionWriter writer;
  TextBuffer text;
  writer.write(snapshot, text);
  out += text.view();
}

}  // namespace sonde::exporter
