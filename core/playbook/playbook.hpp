#pragma once
// Runbooks as data: the manual's daily/weekly/monthly checklists and S1-S4 incident flows,
// written as YAML steps that call bscbot's own commands, with conditions on earlier results.
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bscbot::core::playbook {

struct Step {
  std::string id;                      // unique within the playbook, referenced by conditions
  std::string title;
  std::vector<std::string> run;        // bscbot arguments; empty for a manual step
  std::string manual;                  // instructions for a human, for steps bscbot cannot do
  std::string when;                    // condition on earlier steps; empty = always
  std::vector<int> allow_exit = {0};   // exit codes that count as success
  bool continue_on_failure = false;    // keep going after this step fails
  std::chrono::seconds timeout{600};
  std::string at;                      // time of day from the manual ("09:00"), informational
  int line = 0;                        // where it is written, for messages
};

struct Playbook {
  std::string name;                    // file stem, e.g. "daily"
  std::string title;
  std::string description;
  std::string kind;                    // checklist | incident
  std::string schedule;                // e.g. "every day at 09:00, 14:00 and 23:00"
  std::map<std::string, std::string> vars;  // defaults; {{name}} in run/manual
  std::vector<Step> steps;
  std::string file;
};

// Answers whether `args` (e.g. {"db", "cleanup", "--older-than", "90d"}) names a real bscbot
// command; the CLI passes its command tree, so playbooks cannot call commands that do not exist.
using CommandCheck = std::function<std::optional<std::string>(const std::vector<std::string>& args)>;

// Parses and validates a playbook; throws core::Error(config) with "file:line:column: reason".
Playbook parse(const std::string& yaml_text, const std::string& file_name, const CommandCheck& check = {});
Playbook load(const std::filesystem::path& file, const CommandCheck& check = {});

// The playbooks in `dir` (*.yaml, *.yml), sorted by name; a broken file throws.
std::vector<Playbook> load_all(const std::filesystem::path& dir, const CommandCheck& check = {});

// Splits a command line like a shell would for words and quotes (no expansion).
std::vector<std::string> split_words(const std::string& line, const std::string& where);

// Replaces {{name}} with `vars`; throws core::Error(usage) naming an unknown variable.
std::string substitute(const std::string& text, const std::map<std::string, std::string>& vars, const std::string& where);

}  // namespace bscbot::core::playbook
