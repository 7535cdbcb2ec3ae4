#pragma once
// Sizes as people read them, the one formatting every command and report shares.
#include <string>

namespace bscbot::core {

// 512 B, 1.5 KB, 751.0 MB: binary multiples, like du -h.
std::string bytes_text(double bytes);

}  // namespace bscbot::core
