// Container names from podman's REST API: plain HTTP over its unix socket, read with a
// deadline, so a daemon that hangs costs a scrape at most one timeout per back-off.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "support/result.h"

namespace sonde::decode {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET `target` from the HTTP server on the unix socket `socket`, the whole exchange
// bounded by `timeout`. HTTP/1.0, so the server closes after one response (Go's
// net/http, which podman uses, then sends the body unchunked); chunked bodies are
// decoded anyway. Bodies beyond `max_body` bytes are an error.
Result<HttpResponse> http_get_unix(const std::string& socket, const std::string& target,
                                   std::chrono::milliseconds timeout, size_t max_body = 4u << 20);

// The value of the string member `key` of the top-level JSON object `json`; nullopt when
// it is absent, not a string, or the text is not a JSON object. Nested values are
// skipped, not parsed.
std::optional<std::string> json_string_member(std::string_view json, std::string_view key);

struct RuntimeNames {
  std::string container;  // name the runtime gave it ("web-1")
  std::string image;      // "docker.io/library/nginx:1.25"
  std::string pod;        // the pod's name, when the container is in one
};

// podman's libpod API: GET /v4.0.0/libpod/containers/{id}/json (Name, ImageName, Pod)
// and, for a container in a pod, /v4.0.0/libpod/pods/{id}/json (Name).
class PodmanApi {
 public:
  enum class Answer {
    kFound,
    kUnknown,      // the daemon does not know the container (404): final
    kUnavailable,  // no socket, no daemon, timeout, garbage: try again after the back-off
  };

  explicit PodmanApi(std::string socket,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(500),
                     std::chrono::milliseconds backoff = std::chrono::seconds(30));

  Answer container(const std::string& id, RuntimeNames& out);

  const std::string& socket() const { return socket_; }
  uint64_t requests() const { return requests_; }

 private:
  Result<HttpResponse> get(const std::string& target);

  std::string socket_;
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds backoff_;
  std::chrono::steady_clock::time_point down_until_{};
  std::unordered_map<std::string, std::string> pod_names_;
  uint64_t requests_ = 0;
};

}  // namespace sonde::decode
