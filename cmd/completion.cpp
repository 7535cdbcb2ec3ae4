// bscbot completion bash|zsh|fish: shell completion for every subcommand and flag, generated
// from the same command table as --help. The hidden `bscbot __generate-docs DIR` writes the
// completions and man pages that ship in completions/ and man/.
#include <filesystem>
#include <iostream>

#include "cmd/commands.hpp"
#include "cmd/docs/tree.hpp"
#include "core/config/example.hpp"
#include "core/error.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::cmd {

namespace {

const CLI::App& root_of(const CLI::App& app) {
  const CLI::App* a = &app;
  while (a->get_parent()) a = a->get_parent();
  return *a;
}

int run_completion(const CLI::App& self, const std::string& shell) {
  const auto tree = docs::read_tree(root_of(self));
  if (shell == "bash") std::cout << docs::bash_completion(tree);
  else if (shell == "zsh") std::cout << docs::zsh_completion(tree);
  else if (shell == "fish") std::cout << docs::fish_completion(tree);
  else throw core::Error(core::ErrorKind::usage, "shell must be bash, zsh or fish, got '" + shell + "'");
  return 0;
}

int run_generate(const CLI::App& self, const std::string& dir) {
  const auto tree = docs::read_tree(root_of(self));
  const fs::path out(dir);
  fs::create_directories(out / "man");
  fs::create_directories(out / "completions");
  core::atomic_write_file(out / "completions" / "bscbot.bash", docs::bash_completion(tree));
  core::atomic_write_file(out / "completions" / "_bscbot", docs::zsh_completion(tree));
  core::atomic_write_file(out / "completions" / "bscbot.fish", docs::fish_completion(tree));
  core::atomic_write_file(out / "man" / "bscbot.1", docs::man_page(tree, nullptr));
  for (const auto& child : tree.children) {
    core::atomic_write_file(out / "man" / ("bscbot-" + child.name + ".1"), docs::man_page(tree, &child));
  }
  core::atomic_write_file(out / "man" / "bscbot.yaml.5", docs::config_man_page());
  fs::create_directories(out / "deploy");
  core::atomic_write_file(out / "deploy" / "bscbot.yaml.example", core::config::example_yaml());
  return 0;
}

}  // namespace

void setup_completion(CLI::App& command, Context& ctx) {
  auto shell = std::make_shared<std::string>();
  command.add_option("shell", *shell, "Shell: bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  command.footer("Install: bscbot completion bash > /etc/bash_completion.d/bscbot (packaged builds install it already).");
  command.callback([&ctx, &command, shell] { ctx.run = [&command, shell] { return run_completion(command, *shell); }; });
}

void setup_generate_docs(CLI::App& command, Context& ctx) {
  auto dir = std::make_shared<std::string>();
  command.group("");  // hidden: used by the build
  command.add_option("dir", *dir, "Output folder (man/ and completions/ are created in it)")->required();
  command.callback([&ctx, &command, dir] { ctx.run = [&command, dir] { return run_generate(command, *dir); }; });
}

}  // namespace bscbot::cmd
