#pragma once
// JSON text written straight into a string, in exactly the bytes nlohmann's
// dump(-1, ' ', false, replace) gives the same document, for the answers built per request
// (/api/health, the trade history) where a DOM's allocations cost more than the rest of the
// request. Keys must be written in nlohmann's order (sorted, as std::map orders them); the unit
// tests parse each writer's output and dump it again to prove the bytes are nlohmann's.
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace bscbot::core {

class JsonWriter {
public:
  explicit JsonWriter(std::string& out) : m_out(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  // The next member's name; its value follows.
  JsonWriter& key(std::string_view k) {
    separate();
    m_out += '"';
    m_out += k;  // our own names: plain ASCII, nothing to escape
    m_out += "\":";
    m_after_key = true;
    return *this;
  }

  template <typename T>
  JsonWriter& value(const T& v) {
    separate();
    if constexpr (std::is_same_v<T, bool>) {
      m_out += v ? "true" : "false";
    } else if constexpr (std::is_integral_v<T>) {
      char buf[24];
      const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
      m_out.append(buf, end);
    } else if constexpr (std::is_floating_point_v<T>) {
      number(static_cast<double>(v));
    } else if constexpr (std::is_same_v<T, std::nullptr_t>) {
      m_out += "null";
    } else if constexpr (std::is_same_v<T, nlohmann::json>) {
      m_out += v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      string(std::string_view(v));
    }
    return *this;
  }
  template <typename T>
  JsonWriter& value(const std::optional<T>& v) {
    return v ? value(*v) : value(nullptr);
  }

private:
  JsonWriter& open(char c) {
    separate();
    m_out += c;
    m_first = true;
    return *this;
  }
  JsonWriter& close(char c) {
    m_out += c;
    m_first = false;
    return *this;
  }
  // A comma before every member or element but the first; none between a key and its value.
  void separate() {
    if (m_after_key) {
      m_after_key = false;
    } else {
      if (!m_first) m_out += ',';
      m_first = false;
    }
  }
  void string(std::string_view s);
  void number(double d);

  std::string& m_out;
  bool m_first = true;  // nothing written yet in the innermost object or array
  bool m_after_key = false;
};

}  // namespace bscbot::core
