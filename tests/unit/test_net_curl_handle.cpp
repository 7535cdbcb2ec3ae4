// Every libcurl handle is limited to its caller's protocols: a URL from configuration or a
// redirect cannot make bscbot read a local file or speak LDAP.
#include <doctest/doctest.h>

#include <string>

#include "core/error.hpp"
#include "core/net/curl_handle.hpp"
#include "core/net/http_client.hpp"

using namespace bscbot::core;

TEST_CASE("net: a web handle refuses file:// and ldap://, a mail handle refuses http://") {
  for (const char* url : {"file:///etc/hostname", "ldap://127.0.0.1:1/dc=x", "gopher://127.0.0.1:1/"}) {
    CAPTURE(url);
    net::CurlHandle h = net::new_curl_handle(net::k_web_protocols);
    REQUIRE(h);
    curl_easy_setopt(h.get(), CURLOPT_URL, url);
    CHECK(curl_easy_perform(h.get()) == CURLE_UNSUPPORTED_PROTOCOL);
  }
  net::CurlHandle mail = net::new_curl_handle(net::k_mail_protocols);
  REQUIRE(mail);
  curl_easy_setopt(mail.get(), CURLOPT_URL, "http://127.0.0.1:1/");
  CHECK(curl_easy_perform(mail.get()) == CURLE_UNSUPPORTED_PROTOCOL);
}

TEST_CASE("net: perform() names the URL it refused to fetch") {
  net::HttpRequest request;
  request.url = "file:///etc/hostname";
  try {
    net::perform(request);
    FAIL("file:// was fetched");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::unavailable);
    CHECK(std::string(e.what()).find("file:///etc/hostname") != std::string::npos);
  }
}
