#include "daemon/http/message.hpp"

#include <algorithm>
#include <cctype>

namespace bscbot::daemon::http {

void limit_parser(BeastParser& parser, std::uint64_t max_request_bytes) {
  const auto limit = static_cast<std::uint32_t>(std::min<std::uint64_t>(max_request_bytes, UINT32_MAX));
  parser.header_limit(std::min<std::uint32_t>(limit, 64 * 1024));
  parser.body_limit(limit);
}

Request to_request(const BeastRequest& message, bool& malformed_url) {
  Request request;
  request.method = std::string(message.method_string());
  const std::string target(message.target());
  const auto qmark = target.find('?');
  const auto path = percent_decode(target.substr(0, qmark), false);
  const auto query = parse_query(qmark == std::string::npos ? "" : target.substr(qmark + 1));
  request.path = path.value_or("");
  request.query = query.value_or(std::map<std::string, std::string>{});
  malformed_url = !path || !query;
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers[name] = std::string(field.value());
  }
  request.body = message.body();
  return request;
}

}  // namespace bscbot::daemon::http
