#pragma once
#include <string>

namespace bscbot::core::config {

// A commented bscbot.yaml listing every setting with its default, grouped as in the settings
// table: what `bscbot init` writes and deploy/bscbot.yaml.example holds.
std::string example_yaml();

}  // namespace bscbot::core::config
