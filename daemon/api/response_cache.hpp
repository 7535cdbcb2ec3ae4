#pragma once
// The manual's per-endpoint response cache (`cacheMiddleware(60_000)` on /api/v1/tokens, 30 s on
// /api/v1/pairs, 10 s on /api/dashboard/overview): a 200 answer is kept for its route's TTL and
// served again, so a dashboard polling every second costs one chain read per TTL. Hits and
// misses are counted per route in /api/metrics (http_response_cache_total).
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "daemon/http/request.hpp"

namespace bscbot::daemon {

class Metrics;

class ResponseCache {
public:
  explicit ResponseCache(Metrics& metrics) : m_metrics(metrics) {}

  // The cached answer for `route` + `key` while younger than `ttl`, else `compute()`'s, kept when
  // it is a 200. One computation at a time per entry: callers that miss together wait for it.
  http::Response get(const std::string& route, const std::string& key, std::chrono::milliseconds ttl,
                     const std::function<http::Response()>& compute);

private:
  struct Entry {
    std::mutex computing;
    std::chrono::steady_clock::time_point at{};
    http::Response response;
    bool valid = false;
  };
  Metrics& m_metrics;
  std::mutex m_mutex;
  std::map<std::string, Entry> m_entries;
};

}  // namespace bscbot::daemon
