#include "core/playbook/playbook.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "core/playbook/condition.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::playbook {

namespace {

struct Reader {
  std::string file;

  std::string at(const YAML::Node& n) const { return fmt::format("{}:{}:{}", file, n.Mark().line + 1, n.Mark().column + 1); }
  [[noreturn]] void fail(const YAML::Node& n, const std::string& why) const {
    throw Error(ErrorKind::config, fmt::format("{}: {}", at(n), why));
  }
  void only_keys(const YAML::Node& map, std::initializer_list<const char*> allowed, const char* what) const {
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
        fail(kv.first, fmt::format("unknown {} key '{}'; allowed: {}", what, key, fmt::join(allowed, ", ")));
      }
    }
  }
  std::string text(const YAML::Node& map, const char* key, bool required) const {
    const YAML::Node n = map[key];
    if (!n) {
      if (required) fail(map, fmt::format("'{}' is required", key));
      return {};
    }
    if (!n.IsScalar()) fail(n, fmt::format("'{}' must be text", key));
    return n.Scalar();
  }
};

bool valid_id(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; });
}

}  // namespace

std::vector<std::string> split_words(const std::string& line, const std::string& where) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < line.size()) cur += line[++i];
      else cur += c;
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (quote) throw Error(ErrorKind::config, fmt::format("{}: unclosed {} quote", where, quote));
  if (in_word) words.push_back(cur);
  return words;
}

std::string substitute(const std::string& text, const std::map<std::string, std::string>& vars, const std::string& where) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const auto open = text.find("{{", pos);
    if (open == std::string::npos) break;
    const auto close = text.find("}}", open);
    if (close == std::string::npos) throw Error(ErrorKind::config, fmt::format("{}: '{{{{' without '}}}}'", where));
    std::string name = text.substr(open + 2, close - open - 2);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    const auto it = vars.find(name);
    if (it == vars.end()) throw Error(ErrorKind::usage, fmt::format("{}: unknown variable '{}'; declare it under vars: or pass --var {}=...", where, name, name));
    out += text.substr(pos, open - pos) + it->second;
    pos = close + 2;
  }
  return out + text.substr(pos);
}

Playbook parse(const std::string& yaml_text, const std::string& file_name, const CommandCheck& check) {
  Reader r{file_name};
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw Error(ErrorKind::config, fmt::format("{}:{}:{}: {}", file_name, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (!root.IsMap()) throw Error(ErrorKind::config, fmt::format("{}:1:1: a playbook is a mapping with title and steps", file_name));
  r.only_keys(root, {"title", "description", "kind", "schedule", "vars", "steps"}, "playbook");
  Playbook pb;
  pb.file = file_name;
  pb.name = fs::path(file_name).stem().string();
  pb.title = r.text(root, "title", true);
  pb.description = r.text(root, "description", false);
  pb.kind = r.text(root, "kind", false);
  if (pb.kind.empty()) pb.kind = "checklist";
  if (pb.kind != "checklist" && pb.kind != "incident") r.fail(root["kind"], "kind must be checklist or incident");
  pb.schedule = r.text(root, "schedule", false);
  if (const YAML::Node vars = root["vars"]) {
    if (!vars.IsMap()) r.fail(vars, "'vars' must map names to default values");
    for (const auto& kv : vars) pb.vars[kv.first.Scalar()] = kv.second.IsNull() ? "" : kv.second.Scalar();
  }
  const YAML::Node steps = root["steps"];
  if (!steps || !steps.IsSequence() || steps.size() == 0) r.fail(steps ? steps : root, "'steps' must be a non-empty list");

  std::vector<std::string> earlier;
  for (const YAML::Node& n : steps) {
    if (!n.IsMap()) r.fail(n, "a step is a mapping with id, title and run or manual");
    r.only_keys(n, {"id", "title", "run", "manual", "when", "allow_exit", "continue_on_failure", "timeout", "at"}, "step");
    Step s;
    s.line = n.Mark().line + 1;
    s.id = r.text(n, "id", true);
    if (!valid_id(s.id)) r.fail(n["id"], fmt::format("step id '{}' must be lower-case letters, digits, '-' or '_'", s.id));
    if (std::find(earlier.begin(), earlier.end(), s.id) != earlier.end()) r.fail(n["id"], fmt::format("step id '{}' is used twice", s.id));
    s.title = r.text(n, "title", true);
    const std::string run = r.text(n, "run", false);
    s.manual = r.text(n, "manual", false);
    if (run.empty() == s.manual.empty()) r.fail(n, fmt::format("step '{}' needs exactly one of 'run' or 'manual'", s.id));
    if (!run.empty()) {
      s.run = split_words(run, r.at(n["run"]));
      // Variables are checked now, with their defaults, so a typo fails before anything runs.
      std::map<std::string, std::string> probe = pb.vars;
      for (const auto& word : s.run) substitute(word, probe, r.at(n["run"]));
      if (check) {
        if (auto problem = check(s.run)) r.fail(n["run"], *problem);
      }
    } else {
      substitute(s.manual, pb.vars, r.at(n["manual"]));
    }
    s.when = r.text(n, "when", false);
    if (!s.when.empty()) validate_condition(s.when, earlier, r.at(n["when"]));
    if (const YAML::Node a = n["allow_exit"]) {
      s.allow_exit.clear();
      try {
        if (a.IsSequence()) {
          for (const auto& v : a) s.allow_exit.push_back(v.as<int>());
        } else {
          s.allow_exit.push_back(a.as<int>());
        }
      } catch (const YAML::Exception&) {
        r.fail(a, "allow_exit must be an exit code or a list of them");
      }
    }
    if (const YAML::Node c = n["continue_on_failure"]) {
      try {
        s.continue_on_failure = c.as<bool>();
      } catch (const YAML::Exception&) {
        r.fail(c, "continue_on_failure must be true or false");
      }
    }
    if (const YAML::Node t = n["timeout"]) {
      try {
        s.timeout = parse_duration(t.Scalar());
      } catch (const Error& e) {
        r.fail(t, e.what());
      }
    }
    s.at = r.text(n, "at", false);
    earlier.push_back(s.id);
    pb.steps.push_back(std::move(s));
  }
  return pb;
}

Playbook load(const fs::path& file, const CommandCheck& check) { return parse(read_file(file), file.string(), check); }

std::vector<Playbook> load_all(const fs::path& dir, const CommandCheck& check) {
  if (!fs::is_directory(dir)) {
    throw Error(ErrorKind::not_found, fmt::format("playbook folder {} does not exist; set PLAYBOOK_DIR or pass --dir", dir.string()));
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Playbook> out;
  for (const auto& f : files) out.push_back(load(f, check));
  return out;
}

}  // namespace bscbot::core::playbook
