#pragma once
// The configuration loaders as bscbot runs them: core::config::load() over a bscbot.yaml and a
// .env written to the scratch folder, and an environment map. Then the properties every loaded
// configuration must have, whatever its text: each typed getter works on each value, the
// derived values compute, `config show` can display everything.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/config/config.hpp"

namespace bscbot::fuzz {

// Loads the layers that are given (nullopt: that file does not exist); throws what load() throws.
core::config::Config load_layers(const std::optional<std::string_view>& yaml, const std::optional<std::string_view>& dotenv,
                                 const std::map<std::string, std::string>& environment);

// Aborts when a loaded configuration breaks a getter's contract.
void check_loaded(const core::config::Config& cfg);

}  // namespace bscbot::fuzz
