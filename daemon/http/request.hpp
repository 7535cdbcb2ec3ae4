#pragma once
// The request and response a route handler sees: parsed path, query and headers in, status and
// JSON (or text) out. Handlers never touch Beast.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace bscbot::daemon::http {

struct Request {
  std::string method;                               // "GET"
  std::string path;                                 // "/api/v1/trading/history", decoded
  std::map<std::string, std::string> query;         // decoded parameters
  std::map<std::string, std::string> params;        // from the route pattern, e.g. {id}
  std::map<std::string, std::string> headers;      // lower-case names
  std::string body;
  std::string remote_address;
  bool loopback = false;                            // the client is on 127.0.0.0/8 or ::1

  std::optional<std::string> header(const std::string& lower_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;

  static Response json(int status, const nlohmann::json& body);
  static Response text(int status, std::string body, std::string content_type);
  // {"error": message, "code": code} with `status`.
  static Response error(int status, const std::string& code, const std::string& message);
};

// Splits "a=1&b=x%20y" into decoded pairs; returns nullopt on bad percent-encoding.
std::optional<std::map<std::string, std::string>> parse_query(const std::string& query);

// Decodes %XX escapes (and '+' as space when `plus_is_space`); nullopt on malformed input.
std::optional<std::string> percent_decode(const std::string& text, bool plus_is_space);

}  // namespace bscbot::daemon::http
