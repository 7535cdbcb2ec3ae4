#include "cmd/docs/tree.hpp"

namespace bscbot::cmd::docs {

namespace {

bool is_path_option(const CLI::Option& opt) {
  for (const std::string& n : opt.get_lnames()) {
    if (n.find("config") != std::string::npos || n.find("dir") != std::string::npos || n.find("file") != std::string::npos ||
        n.find("output") != std::string::npos || n.find("report") != std::string::npos || n.find("backup") != std::string::npos) {
      return true;
    }
  }
  const std::string type = opt.get_type_name();
  return type.find("FILE") != std::string::npos || type.find("PATH") != std::string::npos || type.find("DIR") != std::string::npos;
}

}  // namespace

DocCommand read_tree(const CLI::App& app, std::vector<std::string> path) {
  DocCommand c;
  c.path = path;
  c.name = app.get_name();
  c.description = app.get_description();
  c.footer = app.get_footer();
  c.needs_subcommand = app.get_require_subcommand_min() > 0;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) continue;
    DocOption o;
    o.longs = opt->get_lnames();
    o.shorts = opt->get_snames();
    if (opt->get_positional()) o.positional = opt->get_name();
    o.description = opt->get_description();
    o.takes_value = opt->get_items_expected_max() > 0;
    if (o.takes_value) o.value_name = opt->get_type_name();
    o.path_value = o.takes_value && (is_path_option(*opt) || (opt->get_positional() && opt->get_name().find("FILE") != std::string::npos));
    c.options.push_back(o);
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); })) {
    auto child_path = path;
    child_path.push_back(sub->get_name());
    c.children.push_back(read_tree(*sub, child_path));
  }
  return c;
}

std::vector<const DocCommand*> flatten(const DocCommand& root) {
  std::vector<const DocCommand*> out{&root};
  for (const auto& child : root.children) {
    const auto below = flatten(child);
    out.insert(out.end(), below.begin(), below.end());
  }
  return out;
}

}  // namespace bscbot::cmd::docs
