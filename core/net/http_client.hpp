#pragma once
// A small blocking HTTP client over libcurl, for the CLI talking to bscbotd and the checks
// probing it.
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace bscbot::core::net {

struct HttpResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::chrono::microseconds elapsed{0};
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::string body;
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds timeout{5000};
};

// Performs `request`; throws core::Error(unavailable) naming the URL when no answer came
// (connection refused, timeout, DNS); HTTP error statuses are returned, not thrown.
HttpResponse perform(const HttpRequest& request);

// GET with a timeout.
HttpResponse get(const std::string& url, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

}  // namespace bscbot::core::net
