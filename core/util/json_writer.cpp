#include "core/util/json_writer.hpp"

#include <algorithm>

namespace bscbot::core {

void JsonWriter::string(std::string_view s) {
  // Bytes above 0x7f may be invalid UTF-8 (an error text from a node): nlohmann decides how they
  // are replaced, so such a string goes through it.
  if (std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    m_out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  m_out += '"';
  std::size_t plain = 0;  // start of the run of characters copied as they are
  const auto flush = [&](std::size_t i) { m_out.append(s.data() + plain, i - plain); };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    flush(i);
    plain = i + 1;
    switch (c) {
      case '"': m_out += "\\\""; break;
      case '\\': m_out += "\\\\"; break;
      case '\b': m_out += "\\b"; break;
      case '\f': m_out += "\\f"; break;
      case '\n': m_out += "\\n"; break;
      case '\r': m_out += "\\r"; break;
      case '\t': m_out += "\\t"; break;
      default: {
        static constexpr char hex[] = "0123456789abcdef";
        m_out += "\\u00";
        m_out += hex[c >> 4];
        m_out += hex[c & 0xf];
      }
    }
  }
  flush(s.size());
  m_out += '"';
}

}  // namespace bscbot::core
