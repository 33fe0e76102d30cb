#include "runtime/export/prometheus_text.h"

#include <cstring>
#include <ostream>
#include <streambuf>

#include <prometheus/text_serializer.h>

#include "runtime/export/families.h"

namespace sonde::exporter {

namespace {

// An output buffer appending to a string in 64 KiB pieces: the serializer writes
// through std::ostream, one small piece at a time.
class AppendBuffer : public std::streambuf {
 public:
  explicit AppendBuffer(std::string& out) : out_(out) { setp(chunk_, chunk_ + sizeof chunk_); }
  AppendBuffer(const AppendBuffer&) = delete;
  AppendBuffer& operator=(const AppendBuffer&) = delete;
  ~AppendBuffer() override { drain(); }

 protected:
  int_type overflow(int_type c) override {
    drain();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }

  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (epptr() - pptr() < n) {
      drain();
      if (n > epptr() - pptr()) {
        out_.append(s, static_cast<size_t>(n));
        return n;
      }
    }
    std::memcpy(pptr(), s, static_cast<size_t>(n));
    pbump(static_cast<int>(n));
    return n;
  }

  int sync() override {
    drain();
    return 0;
  }

 private:
  void drain() {
    out_.append(pbase(), static_cast<size_t>(pptr() - pbase()));
    setp(chunk_, chunk_ + sizeof chunk_);
  }

  std::string& out_;
  char chunk_[64 * 1024];
};

}  // namespace

void append_serialized(const std::vector<prometheus::MetricFamily>& families, std::string& out) {
  AppendBuffer buffer(out);
  std::ostream stream(&buffer);
  prometheus::TextSerializer().Serialize(stream, families);
  stream.flush();
}

void append_prometheus_text(const metrics::Snapshot& snapshot, std::string& out) {
  FamilyBuilder builder;
  append_serialized(builder.build(snapshot), out);
}

}  // namespace sonde::exporter
