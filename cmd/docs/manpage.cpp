// Man pages in roff, generated from the command tree and the settings table so they never
// disagree with `--help`. Deterministic output (no dates): the committed copies under man/ are
// checked against a fresh generation by the tests.
#include <fmt/format.h>

#include <sstream>

#include "cmd/docs/tree.hpp"
#include "core/config/settings.hpp"
#include "core/version.hpp"

namespace bscbot::cmd::docs {

namespace {

// Escapes text for roff: backslashes, dashes, and a leading dot or quote.
std::string roff(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '\\') out += "\\e";
    else if (ch == '-') out += "\\-";
    else out += ch;
  }
  std::string lines, line;
  std::istringstream in(out);
  while (std::getline(in, line)) {
    if (!line.empty() && (line[0] == '.' || line[0] == '\'')) line = "\\&" + line;
    lines += line + "\n";
  }
  if (!lines.empty()) lines.pop_back();
  return lines;
}

std::string option_label(const DocOption& o) {
  std::vector<std::string> names;
  for (const auto& s : o.shorts) names.push_back("\\fB\\-" + roff(s) + "\\fR");
  for (const auto& l : o.longs) names.push_back("\\fB\\-\\-" + roff(l) + "\\fR");
  std::string label = fmt::format("{}", fmt::join(names, ", "));
  if (o.takes_value) label += " \\fI" + roff(o.value_name.empty() ? "VALUE" : o.value_name) + "\\fR";
  return label;
}

// Lists options; -h/--help is left to bscbot(1) except where `with_help` asks for it.
std::string options_section(const std::vector<DocOption>& options, bool with_help = false) {
  std::string out;
  for (const auto& o : options) {
    if (!o.positional.empty()) continue;
    if (!with_help && std::find(o.longs.begin(), o.longs.end(), "help") != o.longs.end()) continue;
    out += ".TP\n" + option_label(o) + "\n" + roff(o.description.empty() ? "(no description)" : o.description) + "\n";
  }
  return out;
}

// One synopsis line: "\fBbscbot db cleanup\fR [\fIoptions\fR]".
std::string usage(const DocCommand& c) {
  std::string u = "\\fBbscbot";
  for (const auto& p : c.path) u += " " + roff(p);
  u += "\\fR";
  bool has_options = false;
  for (const auto& o : c.options) has_options |= o.positional.empty() && !(o.longs.size() == 1 && o.longs[0] == "help");
  if (has_options) u += " [\\fIoptions\\fR]";
  for (const auto& o : c.options) {
    if (!o.positional.empty()) u += " \\fI" + roff(o.positional) + "\\fR";
  }
  if (!c.children.empty()) u += " \\fIsubcommand\\fR";
  return u + "\n";
}

void describe_command(std::string& out, const DocCommand& c, int depth) {
  for (const auto& child : c.children) {
    std::string name;
    for (std::size_t i = 1; i < child.path.size(); ++i) name += (name.empty() ? "" : " ") + child.path[i];
    out += fmt::format(".SS {}\n", roff(name));
    out += ".nf\n" + usage(child) + ".fi\n";
    out += ".PP\n" + roff(child.description) + "\n";
    if (!child.footer.empty()) out += ".PP\n" + roff(child.footer) + "\n";
    for (const auto& o : child.options) {
      if (!o.positional.empty()) out += ".TP\n\\fI" + roff(o.positional) + "\\fR\n" + roff(o.description) + "\n";
    }
    out += options_section(child.options);
    describe_command(out, child, depth + 1);
  }
}

const char* k_exit_status = R"(.SH EXIT STATUS
.TP
.B 0
Success (for checks: everything OK).
.TP
.B 1, 2, 3
Check verdicts where the command says so (\fBhealth\fR: WARN, CRIT, UNKNOWN; \fBdaemon status\fR: 1 unhealthy, 3 not running).
.TP
.B 64
Bad command-line usage.
.TP
.B 65
Bad input data (a corrupt backup, an invalid amount).
.TP
.B 66
A named file or record does not exist.
.TP
.B 69
A service is unavailable (the daemon, an RPC node).
.TP
.B 70
Internal error (a bug; please report it).
.TP
.B 74
Database or filesystem failure.
.TP
.B 75
Conflicts with the current state (already running, file exists); try again later.
.TP
.B 78
Configuration error: the message names the setting, its value and the file.
)";

}  // namespace

std::string man_page(const DocCommand& root, const DocCommand* command) {
  std::string out;
  const std::string version = fmt::format("bscbot {}", k_version);
  if (!command) {
    out += fmt::format(".TH BSCBOT 1 \"\" \"{}\" \"bscbot manual\"\n", version);
    out += ".SH NAME\nbscbot \\- " + roff("operate the BSC PancakeSwap trading daemon") + "\n";
    out += ".SH SYNOPSIS\n.nf\n.B bscbot\n[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIoptions\\fR]\n.fi\n";
    out += ".SH DESCRIPTION\n" + roff(root.description) + "\n";
    out += ".PP\n" + roff("bscbot replaces the shell snippets of the operations manual: it starts and stops bscbotd, "
                          "checks its health, backs up and restores its database, audits the deployment and records incidents. "
                          "Run it from the deployment folder; relative paths such as data/trading-bot.sqlite, logs/ and "
                          "backups/ resolve against it.") + "\n";
    out += ".SH COMMANDS\n";
    for (const auto& child : root.children) {
      out += fmt::format(".TP\n\\fBbscbot\\-{}\\fR(1)\n{}\n", roff(child.name), roff(child.description));
    }
    out += ".SH GLOBAL OPTIONS\n" + options_section(root.options, /*with_help=*/true);
    out += ".SH ENVIRONMENT\n.TP\n.B BSCBOT_CONFIG\nConfig file used when \\fB\\-\\-config\\fR is not given.\n"
           ".TP\n.B NO_COLOR\nDisables colour in human output.\n.PP\nEvery setting of \\fBbscbot.yaml\\fR(5) may also be set "
           "in the environment under its upper-case name.\n";
    out += k_exit_status;
    out += ".SH FILES\n.TP\n.I bscbot.yaml\nSettings (see \\fBbscbot.yaml\\fR(5)).\n.TP\n.I .env\nSecrets, mode 600.\n"
           ".TP\n.I data/trading\\-bot.sqlite\nThe database.\n.TP\n.I logs/api\\-server.log\nThe daemon's log.\n";
    out += ".SH SEE ALSO\n";
    std::vector<std::string> see;
    for (const auto& child : root.children) see.push_back(fmt::format("\\fBbscbot\\-{}\\fR(1)", roff(child.name)));
    see.push_back("\\fBbscbotd\\fR(8)");
    see.push_back("\\fBbscbot.yaml\\fR(5)");
    out += fmt::format("{}\n", fmt::join(see, ",\n"));
    return out;
  }
  std::string upper = command->name;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  out += fmt::format(".TH BSCBOT\\-{} 1 \"\" \"{}\" \"bscbot manual\"\n", roff(upper), version);
  out += fmt::format(".SH NAME\nbscbot\\-{} \\- {}\n", roff(command->name), roff(command->description));
  out += ".SH SYNOPSIS\n.nf\n" + usage(*command);
  for (const auto& child : command->children) out += usage(child);
  out += ".fi\n";
  out += ".SH DESCRIPTION\n" + roff(command->description) + "\n";
  if (!command->footer.empty()) out += ".PP\n" + roff(command->footer) + "\n";
  for (const auto& o : command->options) {
    if (!o.positional.empty()) out += ".TP\n\\fI" + roff(o.positional) + "\\fR\n" + roff(o.description) + "\n";
  }
  const std::string own = options_section(command->options);
  if (!own.empty()) out += ".SH OPTIONS\n" + own;
  if (!command->children.empty()) {
    out += ".SH COMMANDS\n";
    describe_command(out, *command, 1);
  }
  out += ".SH GLOBAL OPTIONS\n" + options_section(root.options);
  out += k_exit_status;
  out += ".SH SEE ALSO\n\\fBbscbot\\fR(1), \\fBbscbot.yaml\\fR(5), \\fBbscbotd\\fR(8)\n";
  return out;
}

std::string config_man_page() {
  using core::config::Type;
  std::string out = fmt::format(".TH BSCBOT.YAML 5 \"\" \"bscbot {}\" \"bscbot manual\"\n", k_version);
  out += ".SH NAME\nbscbot.yaml \\- settings of bscbotd and bscbot\n";
  out += ".SH DESCRIPTION\n" +
         roff("Settings come from, lowest to highest precedence: built-in defaults (the operations manual's numbers), the "
              "YAML file bscbot.yaml (or the file named by --config or BSCBOT_CONFIG), the .env file of the working folder, "
              "the process environment, and command-line flags. In YAML a setting is written in lower case (port: 10001); in "
              ".env and the environment in upper case (PORT=10001). Unknown keys and invalid values are refused with the key, "
              "the value and the file named. Relative paths resolve against the working folder. `bscbot config show` prints "
              "the effective value and source of each setting, with secrets masked.") + "\n";
  std::string_view group;
  for (const auto& s : core::config::all_settings()) {
    if (s.group != group) {
      group = s.group;
      std::string title(group);
      for (char& ch : title) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      out += ".SH " + roff(title) + "\n";
    }
    std::string kind;
    switch (s.type) {
      case Type::integer: kind = fmt::format("integer, {} to {}", static_cast<long long>(s.min), static_cast<long long>(s.max)); break;
      case Type::number: kind = fmt::format("number, {} to {}", s.min, s.max); break;
      case Type::boolean: kind = "true or false"; break;
      case Type::choice: kind = fmt::format("one of {}", fmt::join(s.choices, ", ")); break;
      case Type::text: kind = "text"; break;
      case Type::path: kind = "path"; break;
      case Type::url: kind = "URL"; break;
      case Type::url_list: kind = "comma-separated URLs"; break;
      case Type::list: kind = "comma-separated list"; break;
      case Type::address: kind = "0x address"; break;
      case Type::wei: kind = "whole number of wei"; break;
    }
    out += fmt::format(".TP\n\\fB{}\\fR (\\fB{}\\fR)\n", roff(core::config::yaml_key(s.name)), roff(std::string(s.name)));
    out += roff(std::string(s.help)) + ".\n";
    out += fmt::format("Type: {}. Default: {}.{}\n", roff(kind), s.default_value.empty() ? "unset" : roff(std::string(s.default_value)),
                       s.secret ? " Secret: masked in output; keep it in .env with mode 600." : "");
  }
  out += ".SH EXAMPLE\n.nf\nport: 10001\nlog_level: warn\nbsc_rpc_urls: https://bsc\\-dataseed1.binance.org/,https://bsc\\-dataseed2.binance.org/\n.fi\n";
  out += ".SH SEE ALSO\n\\fBbscbot\\fR(1), \\fBbscbotd\\fR(8)\n";
  return out;
}

}  // namespace bscbot::cmd::docs
