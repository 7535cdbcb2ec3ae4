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

TEST_CASE("json writer: a byte that needs escaping is found at every position of a long string") {
  // The writer skips eight plain bytes at a time: each special byte, at each offset within and
  // across those words, must still be escaped (or, above 0x7f, handed to nlohmann) as nlohmann does.
  const std::string base = "0x5aeb6053f3e94c9b9a09f33669435e7ef1beaed" "0123456789abcdef";
  for (const char special : {'"', '\\', '\n', '\x01', '\x1f', '\x7f', ' ', '\xff'}) {
    for (std::size_t at = 0; at < base.size(); ++at) {
      std::string s = base;
      s[at] = special;
      CHECK_MESSAGE(written_string(s) == nlohmann_bytes(json(s)), "byte ", static_cast<int>(static_cast<unsigned char>(special)), " at ", at);
    }
  }
  // Bytes just either side of what needs care stay as they are.
  const std::string edges = std::string("\x20\x21\x23\x5b\x5d\x7e\x20\x21\x23\x5b\x5d\x7e");
  CHECK(written_string(edges) == nlohmann_bytes(json(edges)));
  // Valid UTF-8 after plain words goes through nlohmann whole, without what was written before.
  const std::string tail = base + "滑点";
  CHECK(written_string(tail) == nlohmann_bytes(json(tail)));
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
