#include "core/chain/rpc_transport.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <vector>

#include "core/config/mask.hpp"
#include "core/net/curl_handle.hpp"

namespace bscbot::core::chain {

namespace {

// Answers larger than this are cut off: no JSON-RPC answer we ask for comes close.
constexpr std::size_t k_max_response_bytes = 64 * 1024 * 1024;
// Idle handles kept per URL; more concurrent callers get fresh handles that are dropped after.
constexpr std::size_t k_max_idle_handles = 8;
// A short excerpt of an error page is enough to tell a rate limit from a gateway error.
constexpr std::size_t k_max_body_in_error = 200;

struct ResponseSink {
  std::string body;
  bool overflow = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<ResponseSink*>(user);
  const std::size_t n = size * count;
  if (sink->body.size() + n > k_max_response_bytes) {
    sink->overflow = true;
    return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
  }
  sink->body.append(data, n);
  return n;
}

std::string one_line(std::string text) {
  std::replace_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  if (text.size() > k_max_body_in_error) text = text.substr(0, k_max_body_in_error) + "...";
  return text;
}

using HandlePtr = net::CurlHandle;

class CurlTransport final : public RpcTransport {
public:
  explicit CurlTransport(TransportOptions options) : m_options(options) {
    m_headers = curl_slist_append(m_headers, "Content-Type: application/json");
    m_headers = curl_slist_append(m_headers, "Accept: application/json");
    // Without this curl waits up to a second for "100 Continue" before sending larger bodies.
    m_headers = curl_slist_append(m_headers, "Expect:");
  }

  ~CurlTransport() override {
    m_pools.clear();
    curl_slist_free_all(m_headers);
  }

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  std::string post(const std::string& url, const std::string& body, std::chrono::milliseconds timeout) override {
    HandlePtr handle = acquire(url);
    CURL* h = handle.get();
    ResponseSink sink;
    char error_buffer[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(timeout, m_options.connect_timeout).count()));
    const CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    // Zero until the connection (and TLS) is up: nothing of the request left this machine.
    curl_off_t connected_us = 0;
    curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &connected_us);
    if (connected_us == 0) curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected_us);
    // The buffers above die with this call; the handle must not keep pointers to them.
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, nullptr);
    release(url, std::move(handle));

    if (rc != CURLE_OK) {
      const std::string detail = sink.overflow ? fmt::format("answer larger than {} bytes", k_max_response_bytes)
                                 : error_buffer[0] != '\0' ? std::string(error_buffer)
                                                           : std::string(curl_easy_strerror(rc));
      const bool timed_out = rc == CURLE_OPERATION_TIMEDOUT;
      const bool never_connected = connected_us == 0 || rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                                   rc == CURLE_COULDNT_RESOLVE_PROXY;
      throw TransportError(fmt::format("POST {}: {}", config::mask_url(url), detail), 0,
                           timed_out ? TransportError::Cause::timeout : TransportError::Cause::refused,
                           never_connected ? Delivery::not_delivered : Delivery::maybe_delivered);
    }
    if (status < 200 || status > 299) {
      throw TransportError(fmt::format("POST {}: HTTP {}: {}", config::mask_url(url), status, one_line(sink.body)), status,
                           TransportError::Cause::http_status, Delivery::not_delivered);
    }
    return std::move(sink.body);
  }

private:
  struct Pool {
    std::vector<HandlePtr> idle;
  };

  HandlePtr acquire(const std::string& url) {
    {
      std::lock_guard lock(m_mutex);
      auto& idle = m_pools[url].idle;
      if (!idle.empty()) {
        HandlePtr handle = std::move(idle.back());
        idle.pop_back();
        return handle;
      }
    }
    HandlePtr handle = net::new_curl_handle(net::k_web_protocols);
    if (!handle) throw Error(ErrorKind::internal, "curl_easy_init failed");
    CURL* h = handle.get();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, m_headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // any encoding curl can decode (gzip)
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    return handle;
  }

  void release(const std::string& url, HandlePtr handle) {
    std::lock_guard lock(m_mutex);
    auto& idle = m_pools[url].idle;
    if (idle.size() < k_max_idle_handles) idle.push_back(std::move(handle));
  }

  TransportOptions m_options;
  std::mutex m_mutex;
  std::map<std::string, Pool> m_pools;
  curl_slist* m_headers = nullptr;
};

}  // namespace

std::shared_ptr<RpcTransport> make_curl_transport(TransportOptions options) { return std::make_shared<CurlTransport>(options); }

}  // namespace bscbot::core::chain
