#include "core/metrics/exposition.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

namespace bscbot::core::metrics {

namespace {

bool is_name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
}

std::optional<double> parse_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

// Parses `{a="x",b="y"}` starting at `pos` (just after the name); advances `pos` past it.
bool parse_labels(std::string_view line, std::size_t& pos, std::map<std::string, std::string>& labels) {
  ++pos;  // '{'
  while (pos < line.size()) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == ',')) ++pos;
    if (pos < line.size() && line[pos] == '}') {
      ++pos;
      return true;
    }
    const std::size_t name_start = pos;
    while (pos < line.size() && is_name_char(line[pos], pos == name_start)) ++pos;
    const std::string name(line.substr(name_start, pos - name_start));
    if (name.empty() || pos + 1 >= line.size() || line[pos] != '=' || line[pos + 1] != '"') return false;
    pos += 2;
    std::string value;
    while (pos < line.size() && line[pos] != '"') {
      if (line[pos] == '\\' && pos + 1 < line.size()) {
        const char next = line[pos + 1];
        value += next == 'n' ? '\n' : next;
        pos += 2;
      } else {
        value += line[pos++];
      }
    }
    if (pos >= line.size()) return false;
    ++pos;  // closing quote
    labels[name] = value;
  }
  return false;
}

std::optional<Sample> parse_line(std::string_view line) {
  std::size_t pos = 0;
  while (pos < line.size() && is_name_char(line[pos], pos == 0)) ++pos;
  if (pos == 0) return std::nullopt;
  Sample s;
  s.name = std::string(line.substr(0, pos));
  if (pos < line.size() && line[pos] == '{' && !parse_labels(line, pos, s.labels)) return std::nullopt;
  while (pos < line.size() && line[pos] == ' ') ++pos;
  const std::size_t value_end = line.find(' ', pos);
  const auto v = parse_number(line.substr(pos, value_end == std::string_view::npos ? std::string_view::npos : value_end - pos));
  if (!v) return std::nullopt;
  s.value = *v;
  return s;
}

}  // namespace

std::vector<Sample> parse_exposition(std::string_view text) {
  std::vector<Sample> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line.front() != '#') {
      if (auto s = parse_line(line)) out.push_back(std::move(*s));
    }
    start = end + 1;
  }
  return out;
}

Histogram histogram(const std::vector<Sample>& samples, std::string_view family) {
  const std::string bucket = std::string(family) + "_bucket";
  const std::string sum_name = std::string(family) + "_sum";
  const std::string count_name = std::string(family) + "_count";
  std::map<double, double> by_bound;
  Histogram h;
  for (const Sample& s : samples) {
    if (s.name == bucket) {
      const auto le = s.labels.find("le");
      if (le == s.labels.end()) continue;
      if (const auto bound = parse_number(le->second)) by_bound[*bound] += s.value;
    } else if (s.name == sum_name) {
      h.sum += s.value;
    } else if (s.name == count_name) {
      h.count += s.value;
    }
  }
  h.buckets.assign(by_bound.begin(), by_bound.end());
  return h;
}

namespace {

// Cumulative count at `bound` for a histogram whose bounds may not include it: the count of
// the largest bound not above it.
double cumulative_at(const Histogram& h, double bound) {
  double c = 0;
  for (const auto& [b, n] : h.buckets) {
    if (b > bound) break;
    c = n;
  }
  return c;
}

std::set<double> all_bounds(const Histogram& a, const Histogram& b) {
  std::set<double> bounds;
  for (const auto& [bound, n] : a.buckets) bounds.insert(bound);
  for (const auto& [bound, n] : b.buckets) bounds.insert(bound);
  return bounds;
}

}  // namespace

Histogram difference(const Histogram& after, const Histogram& before) {
  Histogram d;
  for (double bound : all_bounds(after, before)) {
    d.buckets.emplace_back(bound, std::max(0.0, cumulative_at(after, bound) - cumulative_at(before, bound)));
  }
  d.sum = std::max(0.0, after.sum - before.sum);
  d.count = std::max(0.0, after.count - before.count);
  return d;
}

void accumulate(Histogram& into, const Histogram& more) {
  Histogram merged;
  for (double bound : all_bounds(into, more)) {
    merged.buckets.emplace_back(bound, cumulative_at(into, bound) + cumulative_at(more, bound));
  }
  merged.sum = into.sum + more.sum;
  merged.count = into.count + more.count;
  into = std::move(merged);
}

std::optional<double> quantile(const Histogram& h, double q) {
  if (h.buckets.empty()) return std::nullopt;
  const double total = h.buckets.back().second;
  if (total <= 0) return std::nullopt;
  const double rank = q * total;
  double lower = 0, lower_count = 0;
  for (std::size_t i = 0; i < h.buckets.size(); ++i) {
    const auto [upper, count] = h.buckets[i];
    if (count >= rank) {
      if (std::isinf(upper)) return i == 0 ? std::nullopt : std::optional<double>(h.buckets[i - 1].first);
      if (i == 0 && upper <= 0) return upper;
      if (count == lower_count) return upper;
      return lower + (upper - lower) * (rank - lower_count) / (count - lower_count);
    }
    lower = upper;
    lower_count = count;
  }
  return lower;
}

double sum(const std::vector<Sample>& samples, std::string_view name, const std::map<std::string, std::string>& match) {
  double total = 0;
  for (const Sample& s : samples) {
    if (s.name != name) continue;
    const bool ok = std::all_of(match.begin(), match.end(), [&](const auto& kv) {
      const auto it = s.labels.find(kv.first);
      return it != s.labels.end() && it->second == kv.second;
    });
    if (ok) total += s.value;
  }
  return total;
}

std::optional<double> value(const std::vector<Sample>& samples, std::string_view name) {
  for (const Sample& s : samples) {
    if (s.name == name) return s.value;
  }
  return std::nullopt;
}

std::vector<std::string> names(const std::vector<Sample>& samples) {
  std::set<std::string> unique;
  for (const Sample& s : samples) unique.insert(s.name);
  return {unique.begin(), unique.end()};
}

}  // namespace bscbot::core::metrics
