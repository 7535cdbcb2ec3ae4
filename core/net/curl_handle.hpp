#pragma once
// libcurl easy handles, made in one place: libcurl's global set-up done once per process
// (curl_global_init is not thread-safe, and an easy handle made before it would run it
// unguarded), and every handle limited to the protocols its caller speaks. The limit keeps a
// URL from configuration or an answer from reaching file://, ldap:// or rtmp://; the last two
// are also the only users of the GnuTLS that Debian's libcurl loads beside OpenSSL, which is
// why bscbotd can skip GnuTLS's set-up (GNUTLS_NO_IMPLICIT_INIT, core/process/daemon_control.cpp).
#include <curl/curl.h>

#include <memory>

namespace bscbot::core::net {

using CurlHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

inline constexpr const char* k_web_protocols = "http,https";
inline constexpr const char* k_mail_protocols = "smtp,smtps";

// A fresh easy handle allowed only `protocols` (e.g. k_web_protocols), or an empty handle when
// libcurl cannot make one (out of memory); callers report that as their own error.
CurlHandle new_curl_handle(const char* protocols);

}  // namespace bscbot::core::net
