#include "core/net/curl_handle.hpp"

#include <mutex>

namespace bscbot::core::net {

CurlHandle new_curl_handle(const char* protocols) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CurlHandle handle(curl_easy_init(), curl_easy_cleanup);
  if (handle) {
    curl_easy_setopt(handle.get(), CURLOPT_PROTOCOLS_STR, protocols);
    curl_easy_setopt(handle.get(), CURLOPT_REDIR_PROTOCOLS_STR, protocols);
  }
  return handle;
}

}  // namespace bscbot::core::net
