#pragma once
// Every subcommand's registration, one per file; the table in main.cpp lists them.
#include "cmd/context.hpp"

namespace bscbot::cmd {

void setup_init(CLI::App& command, Context& ctx);
void setup_config(CLI::App& command, Context& ctx);
void setup_daemon(CLI::App& command, Context& ctx);
void setup_db(CLI::App& command, Context& ctx);
void setup_backup(CLI::App& command, Context& ctx);
void setup_restore(CLI::App& command, Context& ctx);
void setup_recover(CLI::App& command, Context& ctx);
void setup_health(CLI::App& command, Context& ctx);
void setup_audit(CLI::App& command, Context& ctx);
void setup_incident(CLI::App& command, Context& ctx);
void setup_report(CLI::App& command, Context& ctx);
void setup_completion(CLI::App& command, Context& ctx);
void setup_playbook(CLI::App& command, Context& ctx);
void setup_logs(CLI::App& command, Context& ctx);
void setup_drill(CLI::App& command, Context& ctx);
void setup_trade(CLI::App& command, Context& ctx);
void setup_token(CLI::App& command, Context& ctx);
void setup_devnet(CLI::App& command, Context& ctx);
void setup_notify(CLI::App& command, Context& ctx);
void setup_diagnose(CLI::App& command, Context& ctx);
void setup_generate_docs(CLI::App& command, Context& ctx);

}  // namespace bscbot::cmd
