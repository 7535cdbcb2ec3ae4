#pragma once
// The command tree as documentation sees it: read once from the CLI11 definitions, so the
// completions and man pages list exactly what `--help` lists.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace bscbot::cmd::docs {

struct DocOption {
  std::vector<std::string> longs;   // without dashes
  std::vector<std::string> shorts;  // without dashes
  std::string positional;           // name, for positional arguments
  std::string description;
  std::string value_name;           // e.g. "TEXT"; empty for flags
  bool takes_value = false;
  bool path_value = false;          // complete file names for it
};

struct DocCommand {
  std::vector<std::string> path;    // {"db", "cleanup"}; empty for the root
  std::string name;
  std::string description;
  std::string footer;
  std::vector<DocOption> options;
  std::vector<DocCommand> children;
  bool needs_subcommand = false;    // `bscbot backup` alone is valid, `bscbot db` is not
};

// Walks `app` (hidden commands and options, those with an empty group, are skipped).
DocCommand read_tree(const CLI::App& app, std::vector<std::string> path = {});

// All commands depth-first, root first.
std::vector<const DocCommand*> flatten(const DocCommand& root);

std::string bash_completion(const DocCommand& root);
std::string zsh_completion(const DocCommand& root);
std::string fish_completion(const DocCommand& root);

// bscbot(1), or bscbot-<command>(1) for a top-level command.
std::string man_page(const DocCommand& root, const DocCommand* command);

// bscbot.yaml(5), from the settings table.
std::string config_man_page();

}  // namespace bscbot::cmd::docs
