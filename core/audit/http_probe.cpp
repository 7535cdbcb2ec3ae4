#include "core/audit/http_probe.hpp"

#include <curl/curl.h>

#include <cstring>
#include <ctime>
#include <memory>

#include "core/net/curl_handle.hpp"

namespace bscbot::core::audit {

namespace {

std::size_t discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  const std::string line(data, size * count);
  if (line.size() > 9 && strncasecmp(line.c_str(), "location:", 9) == 0) {
    std::string value = line.substr(9);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t\r\n") + 1);
    *static_cast<std::string*>(user) = value;
  }
  return size * count;
}

}  // namespace

std::optional<SystemTime> parse_cert_date(std::string_view text) {
  std::string s(text);
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  for (const char* format : {"%b %d %H:%M:%S %Y GMT", "%Y-%m-%d %H:%M:%S GMT", "%Y-%m-%d %H:%M:%S"}) {
    std::tm tm{};
    const char* end = ::strptime(s.c_str(), format, &tm);
    if (end && *end == '\0') return std::chrono::system_clock::from_time_t(::timegm(&tm));
  }
  return std::nullopt;
}

ProbeAnswer probe_http(const ProbeRequest& request) {
  ProbeAnswer answer;
  net::CurlHandle curl = net::new_curl_handle(net::k_web_protocols);
  if (!curl) {
    answer.error = "curl_easy_init failed";
    return answer;
  }
  CURL* h = curl.get();
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, request.verify ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, request.verify ? 2L : 0L);
  if (!request.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &answer.location);
  const CURLcode rc = curl_easy_perform(h);
  curl_certinfo* certs = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &certs) == CURLE_OK && certs && certs->num_of_certs > 0) {
    // The first certificate is the server's own; the rest is its chain.
    for (const curl_slist* item = certs->certinfo[0]; item; item = item->next) {
      constexpr std::string_view k_key = "Expire date:";
      if (std::strncmp(item->data, k_key.data(), k_key.size()) == 0) answer.cert_expires = parse_cert_date(item->data + k_key.size());
    }
  }
  if (rc != CURLE_OK) {
    answer.error = error[0] ? error : curl_easy_strerror(rc);
    answer.certificate_error = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_SSL_CERTPROBLEM ||
                               rc == CURLE_SSL_INVALIDCERTSTATUS;
    return answer;
  }
  answer.answered = true;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &answer.status);
  if (answer.status < 300 || answer.status >= 400) answer.location.clear();
  return answer;
}

}  // namespace bscbot::core::audit
