#include "runtime/decode/container_api.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "support/text.h"
#include "support/unique_fd.h"

namespace sonde::decode {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for `events` on `fd` until the deadline; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool decode_chunked(std::string_view in, std::string& out) {
  out.clear();
  for (;;) {
    size_t eol = in.find("\r\n");
    if (eol == std::string_view::npos) return false;
    size_t size = 0;
    std::string_view digits = in.substr(0, eol);
    if (size_t semi = digits.find(';'); semi != std::string_view::npos)
      digits = digits.substr(0, semi);
    if (digits.empty() || digits.size() > 8) return false;
    for (char c : digits) {
      int v = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (v < 0) return false;
      size = size * 16 + static_cast<size_t>(v);
    }
    in.remove_prefix(eol + 2);
    if (size == 0) return true;
    if (in.size() < size + 2) return false;
    out.append(in.substr(0, size));
    in.remove_prefix(size + 2);
  }
}

// JSON scanning: just enough to find a top-level string member and skip everything else.
struct JsonScanner {
  std::string_view s;
  size_t i = 0;
  int depth = 0;

  void space() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  }

  static void put_utf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  bool string(std::string* out) {
    if (i >= s.size() || s[i] != '"') return false;
    ++i;
    while (i < s.size()) {
      char c = s[i++];
      if (c == '"') return true;
      if (c != '\\') {
        if (out) *out += c;
        continue;
      }
      if (i >= s.size()) return false;
      char e = s[i++];
      char plain = e == 'n'   ? '\n'
                   : e == 't' ? '\t'
                   : e == 'r' ? '\r'
                   : e == 'b' ? '\b'
                   : e == 'f' ? '\f'
                              : e;
      if (e != 'u') {
        if (out) *out += plain;
        continue;
      }
      if (i + 4 > s.size()) return false;
      uint32_t cp = 0;
      for (int k = 0; k < 4; ++k) {
        char h = s[i++];
        int v = h >= '0' && h <= '9'   ? h - '0'
                : h >= 'a' && h <= 'f' ? h - 'a' + 10
                : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                       : -1;
        if (v < 0) return false;
        cp = cp * 16 + static_cast<uint32_t>(v);
      }
      if (out) put_utf8(cp, *out);  // (surrogate pairs come out as two code points)
    }
    return false;
  }

  // Skips one value of any kind; nesting is bounded so hostile input cannot recurse deep.
  bool skip() {
    space();
    if (i >= s.size()) return false;
    char c = s[i];
    if (c == '"') return string(nullptr);
    if (c == '{' || c == '[') {
      if (++depth > 64) return false;
      char close = c == '{' ? '}' : ']';
      ++i;
      space();
      if (i < s.size() && s[i] == close) {
        ++i;
        --depth;
        return true;
      }
      for (;;) {
        if (c == '{') {
          space();
          if (!string(nullptr)) return false;
          space();
          if (i >= s.size() || s[i++] != ':') return false;
        }
        if (!skip()) return false;
        space();
        if (i >= s.size()) return false;
        if (s[i] == ',') {
          ++i;
          continue;
        }
        if (s[i++] != close) return false;
        --depth;
        return true;
      }
    }
    // A number, true, false or null: up to the next delimiter.
    size_t start = i;
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
           s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
      ++i;
    return i > start;
  }
};

}  // namespace

Result<HttpResponse> http_get_unix(const std::string& socket, const std::string& target,
                                   std::chrono::milliseconds timeout, size_t max_body) {
  const Clock::time_point deadline = Clock::now() + timeout;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket.size() >= sizeof(address.sun_path))
    return Error{fmt::format("{}: socket path too long", socket)};
  std::memcpy(address.sun_path, socket.c_str(), socket.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return Error{fmt::format("socket: {}", std::strerror(errno))};
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN)
      return Error{fmt::format("{}: {}", socket, std::strerror(errno))};
    int error = 0;
    socklen_t len = sizeof(error);
    if (!wait_for(fd.get(), POLLOUT, deadline))
      return Error{fmt::format("{}: connect timed out", socket)};
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0)
      return Error{fmt::format("{}: {}", socket, std::strerror(error))};
  }
  const std::string request =
      fmt::format("GET {} HTTP/1.0\r\nHost: localhost\r\nUser-Agent: sonde\r\n\r\n", target);
  for (size_t sent = 0; sent < request.size();) {
    if (!wait_for(fd.get(), POLLOUT, deadline))
      return Error{fmt::format("{}: send timed out", socket)};
    ssize_t n = send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      return Error{fmt::format("{}: {}", socket, std::strerror(errno))};
    if (n > 0) sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[16384];
  const size_t max_total = max_body + 64 * 1024;  // the body and its headers
  for (;;) {
    if (!wait_for(fd.get(), POLLIN, deadline))
      return Error{fmt::format("{}: no complete answer within {} ms", socket, timeout.count())};
    ssize_t n = recv(fd.get(), buf, sizeof(buf), 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return Error{fmt::format("{}: {}", socket, std::strerror(errno))};
    }
    raw.append(buf, static_cast<size_t>(n));
    if (raw.size() > max_total) return Error{fmt::format("{}: answer too large", socket)};
  }

  size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos || !starts_with(raw, "HTTP/1."))
    return Error{fmt::format("{}: not an HTTP answer", socket)};
  std::string_view head(raw.data(), end);
  HttpResponse response;
  size_t space = head.find(' ');
  if (space == std::string_view::npos || space + 4 > head.size())
    return Error{fmt::format("{}: bad HTTP status line", socket)};
  for (size_t k = space + 1; k < space + 4; ++k) {
    if (head[k] < '0' || head[k] > '9') return Error{fmt::format("{}: bad HTTP status", socket)};
    response.status = response.status * 10 + (head[k] - '0');
  }
  bool chunked = false;
  std::optional<size_t> length;
  for (std::string_view line : split(head, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = lower(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos)
      chunked = true;
    if (name == "content-length") {
      size_t v = 0;
      for (char c : value) {
        if (c < '0' || c > '9' || v > max_body) break;
        v = v * 10 + static_cast<size_t>(c - '0');
      }
      length = v;
    }
  }
  std::string_view body(raw.data() + end + 4, raw.size() - end - 4);
  if (chunked) {
    if (!decode_chunked(body, response.body))
      return Error{fmt::format("{}: truncated chunked answer", socket)};
  } else {
    if (length && body.size() < *length)
      return Error{
          fmt::format("{}: truncated answer ({} of {} bytes)", socket, body.size(), *length)};
    response.body = body.substr(0, length ? *length : body.size());
  }
  if (response.body.size() > max_body) return Error{fmt::format("{}: answer too large", socket)};
  return response;
}

std::optional<std::string> json_string_member(std::string_view json, std::string_view key) {
  JsonScanner j{json};
  j.space();
  if (j.i >= json.size() || json[j.i] != '{') return std::nullopt;
  ++j.i;
  j.depth = 1;
  j.space();
  if (j.i < json.size() && json[j.i] == '}') return std::nullopt;
  for (;;) {
    j.space();
    std::string name;
    if (!j.string(&name)) return std::nullopt;
    j.space();
    if (j.i >= json.size() || json[j.i++] != ':') return std::nullopt;
    j.space();
    if (name == key) {
      std::string value;
      if (j.i < json.size() && json[j.i] == '"' && j.string(&value)) return value;
      return std::nullopt;
    }
    if (!j.skip()) return std::nullopt;
    j.space();
    if (j.i >= json.size() || json[j.i] != ',') return std::nullopt;
    ++j.i;
  }
}

PodmanApi::PodmanApi(std::string socket, std::chrono::milliseconds timeout,
                     std::chrono::milliseconds backoff)
    : socket_(std::move(socket)), timeout_(timeout), backoff_(backoff) {}

Result<HttpResponse> PodmanApi::get(const std::string& target) {
  ++requests_;
  auto response = http_get_unix(socket_, target, timeout_);
  // One failure stands for the daemon: nobody asks again until the back-off has passed,
  // so a hung socket costs one timeout per back-off, not one per container.
  if (!response || response->status >= 500) down_until_ = Clock::now() + backoff_;
  return response;
}

PodmanApi::Answer PodmanApi::container(const std::string& id, RuntimeNames& out) {
  if (socket_.empty() || Clock::now() < down_until_) return Answer::kUnavailable;
  auto response = get(fmt::format("/v4.0.0/libpod/containers/{}/json", id));
  if (!response || response->status >= 500) return Answer::kUnavailable;
  if (response->status == 404) return Answer::kUnknown;
  if (response->status != 200) return Answer::kUnavailable;
  auto name = json_string_member(response->body, "Name");
  if (!name) return Answer::kUnavailable;  // not the answer we know: not final
  out.container = std::move(*name);
  out.image = json_string_member(response->body, "ImageName").value_or("");
  out.pod.clear();
  std::string pod = json_string_member(response->body, "Pod").value_or("");
  if (pod.empty()) return Answer::kFound;
  if (auto it = pod_names_.find(pod); it != pod_names_.end()) {
    out.pod = it->second;
    return Answer::kFound;
  }
  auto pod_response = get(fmt::format("/v4.0.0/libpod/pods/{}/json", pod));
  if (pod_response && pod_response->status == 200) {
    if (auto pod_name = json_string_member(pod_response->body, "Name")) {
      out.pod = *pod_name;
      pod_names_.emplace(pod, std::move(*pod_name));
    }
  }
  return Answer::kFound;
}

}  // namespace sonde::decode
