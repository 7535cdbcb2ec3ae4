// core/util/json_writer.hpp must write the bytes nlohmann's dump(-1, ' ', false, replace) writes
// for the same document: the answers it builds replaced DOMs that clients already parse.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/util/json_writer.hpp"

using bscbot::core::JsonWriter;
using nlohmann::json;

namespace {

std::string nlohmann_bytes(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string written_string(std::string_view s) {
  std::string out;
  JsonWriter(out).value(s);
  return out;
}

}  // namespace

TEST_CASE("json writer: strings escape as nlohmann does, invalid UTF-8 replaced the same way") {
  for (const std::string& s : {std::string(""), std::string("plain text"), std::string("quote \" and backslash \\"),
                              std::string("\b\f\n\r\t"), std::string("\x01\x1f\x7f", 3), std::string("nul\0byte", 8),
                              std::string("滑点过大 — ok"), std::string("bad \xff\xfe utf-8"), std::string("cut \xe6\xbb")}) {
    CHECK(written_string(s) == nlohmann_bytes(json(s)));
  }
}

TEST_CASE("json writer: numbers, booleans, null and optionals") {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  w.value(0).value(-42).value(std::numeric_limits<std::int64_t>::min()).value(std::numeric_limits<std::uint64_t>::max());
  w.value(true).value(false).value(nullptr).value(std::optional<int>()).value(std::optional<int>(7));
  for (const double d : {0.0, 1.0, -2.5, 0.1, 1e-05, 123456789.125, 1e300, std::nan(""), std::numeric_limits<double>::infinity()}) w.value(d);
  w.end_array();
  const json expected = json::array({0, -42, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::uint64_t>::max(), true,
                                     false, nullptr, nullptr, 7, 0.0, 1.0, -2.5, 0.1, 1e-05, 123456789.125, 1e300, std::nan(""),
                                     std::numeric_limits<double>::infinity()});
  CHECK(out == nlohmann_bytes(expected));
}

TEST_CASE("json writer: nested objects and arrays, empty ones, and an embedded DOM") {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("a").begin_array().end_array();
  w.key("b").begin_object().end_object();
  w.key("c").begin_array().value(1).begin_object().key("x").value("y").end_object().begin_array().value(2).end_array().end_array();
  w.key("d").value(json{{"k", {1, 2}}, {"s", "\xff"}});
  w.key("e").value("last");
  w.end_object();
  const json expected = {{"a", json::array()}, {"b", json::object()},
                         {"c", json::array({1, json{{"x", "y"}}, json::array({2})})},
                         {"d", json{{"k", {1, 2}}, {"s", "\xff"}}}, {"e", "last"}};
  CHECK(out == nlohmann_bytes(expected));
}
