#pragma once
// Between Beast's parsed message and the Request route handlers see: the parser's size limits
// and the conversion (decoded path and query, lower-case header names). The server uses these
// for every request and the fuzz target fuzz/fuzz_http_request.cpp calls them on hostile bytes.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>

#include "daemon/http/request.hpp"

namespace bscbot::daemon::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Bounds a request to `max_request_bytes` (MAX_REQUEST_BYTES) of body and 64 KiB of header.
void limit_parser(BeastParser& parser, std::uint64_t max_request_bytes);

// The request as route handlers see it, without the peer (the server fills remote_address and
// loopback). `malformed_url` is set when the target's percent-encoding is bad: the server then
// answers 400 without routing.
Request to_request(const BeastRequest& message, bool& malformed_url);

}  // namespace bscbot::daemon::http
