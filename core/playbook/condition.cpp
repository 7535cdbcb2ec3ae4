#include "core/playbook/condition.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <sstream>

#include "core/error.hpp"

namespace bscbot::core::playbook {

namespace {

// Grammar: expr := term (("and"|"or") term)*; term := ["not"] atom;
// atom := "always" | "failed" | ID "." ("ok"|"failed"|"skipped"|"ran") | ID ".exit" OP INT
struct Parser {
  std::vector<std::string> tokens;
  std::size_t pos = 0;
  const std::map<std::string, StepOutcome>* outcomes = nullptr;  // null: validate only
  const std::vector<std::string>* earlier = nullptr;
  std::string where;

  [[noreturn]] void fail(const std::string& why) const {
    throw Error(ErrorKind::config, fmt::format("{}: condition: {}", where, why));
  }
  std::string next() {
    if (pos >= tokens.size()) fail("ends too early");
    return tokens[pos++];
  }
  bool at_end() const { return pos >= tokens.size(); }

  const StepOutcome* outcome(const std::string& id) {
    if (earlier && std::find(earlier->begin(), earlier->end(), id) == earlier->end()) {
      fail(fmt::format("'{}' is not an earlier step", id));
    }
    if (!outcomes) return nullptr;
    static const StepOutcome none;
    const auto it = outcomes->find(id);
    return it == outcomes->end() ? &none : &it->second;
  }

  bool atom() {
    const std::string t = next();
    if (t == "always") return true;
    if (t == "failed") {
      if (!outcomes) return false;
      return std::any_of(outcomes->begin(), outcomes->end(), [](const auto& kv) { return kv.second.ran && !kv.second.ok; });
    }
    const auto dot = t.find('.');
    if (dot == std::string::npos) fail(fmt::format("'{}' is not step.ok, step.exit, always or failed", t));
    const std::string id = t.substr(0, dot), field = t.substr(dot + 1);
    const StepOutcome* o = outcome(id);
    if (field == "ok") return o && o->ran && o->ok;
    if (field == "failed") return o && o->ran && !o->ok;
    if (field == "skipped") return o && o->skipped;
    if (field == "ran") return o && o->ran;
    if (field == "exit") {
      const std::string op = next();
      const std::string num = next();
      int value = 0;
      const auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), value);
      if (ec != std::errc() || p != num.data() + num.size()) fail(fmt::format("'{}' is not a number", num));
      const int code = o ? o->exit_code : 0;
      const bool ran = o && o->ran;
      if (op == "==") return ran && code == value;
      if (op == "!=") return ran && code != value;
      if (op == ">=") return ran && code >= value;
      if (op == "<=") return ran && code <= value;
      if (op == ">") return ran && code > value;
      if (op == "<") return ran && code < value;
      fail(fmt::format("'{}' is not a comparison (==, !=, <, <=, >, >=)", op));
    }
    fail(fmt::format("'{}' has no field '{}' (ok, failed, skipped, ran, exit)", id, field));
  }

  bool term() {
    if (!at_end() && tokens[pos] == "not") {
      ++pos;
      return !term();
    }
    return atom();
  }

  bool expr() {
    bool value = term();
    while (!at_end()) {
      const std::string op = next();
      const bool rhs = term();
      if (op == "and") value = value && rhs;
      else if (op == "or") value = value || rhs;
      else fail(fmt::format("expected 'and' or 'or', got '{}'", op));
    }
    return value;
  }
};

std::vector<std::string> tokenize(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

}  // namespace

void validate_condition(const std::string& condition, const std::vector<std::string>& earlier, const std::string& where) {
  Parser p{tokenize(condition), 0, nullptr, &earlier, where};
  if (p.tokens.empty()) p.fail("is empty");
  p.expr();
}

bool evaluate_condition(const std::string& condition, const std::map<std::string, StepOutcome>& outcomes) {
  if (condition.empty()) return true;
  Parser p{tokenize(condition), 0, &outcomes, nullptr, "condition"};
  return p.expr();
}

}  // namespace bscbot::core::playbook
