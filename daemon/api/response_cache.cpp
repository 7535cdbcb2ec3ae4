#include "daemon/api/response_cache.hpp"

#include "daemon/metrics.hpp"

namespace bscbot::daemon {

http::Response ResponseCache::get(const std::string& route, const std::string& key, std::chrono::milliseconds ttl,
                                  const std::function<http::Response()>& compute) {
  Entry* entry;
  {
    std::lock_guard lock(m_mutex);
    entry = &m_entries[route + "?" + key];  // std::map: the node stays where it is
  }
  std::lock_guard computing(entry->computing);
  const auto now = std::chrono::steady_clock::now();
  if (entry->valid && now - entry->at < ttl) {
    m_metrics.count_response_cache(route, true);
    auto r = entry->response;
    r.headers["X-Cache"] = "HIT";
    return r;
  }
  m_metrics.count_response_cache(route, false);
  http::Response r = compute();
  if (r.status == 200 && ttl.count() > 0) {
    entry->response = r;
    entry->at = now;
    entry->valid = true;
  }
  r.headers["X-Cache"] = "MISS";
  return r;
}

}  // namespace bscbot::daemon
