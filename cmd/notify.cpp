// bscbot notify status|log|test|send|escalate: the manual's contact list and its
// `echo "CRITICAL: BSC Trading Bot down" | mail -s "S1 Incident" oncall@team.com`, with every
// delivery on record. `status` shows the channels, contacts, routes and what is firing; `log`
// every delivery attempt; `test` proves each channel reaches its contacts; `send` is the manual's
// mail line for any channel; `escalate` runs due escalations where no bscbotd does (cron).
#include <algorithm>

#include "cmd/alerting.hpp"
#include "cmd/commands.hpp"
#include "core/config/settings.hpp"
#include "core/error.hpp"
#include "core/notify/render.hpp"

namespace bscbot::cmd {

namespace {

namespace nt = core::notify;
using nlohmann::json;

std::string when(const std::optional<core::SystemTime>& t) { return t ? core::to_sql_datetime(*t) : "-"; }

json record_json(const nt::AlertRecord& r) {
  auto t = [](const std::optional<core::SystemTime>& v) { return v ? json(core::to_iso8601(*v)) : json(nullptr); };
  return {{"id", r.id},
          {"key", r.key},
          {"severity", nt::to_string(r.severity)},
          {"state", r.firing ? "firing" : "resolved"},
          {"since", core::to_iso8601(r.since)},
          {"last_seen", core::to_iso8601(r.last_seen)},
          {"last_sent", t(r.last_sent)},
          {"resolved_at", t(r.resolved_at)},
          {"acked_at", t(r.acked_at)},
          {"acked_by", r.acked_by},
          {"escalated_at", t(r.escalated_at)},
          {"notified", r.notified},
          {"suppressed", r.suppressed},
          {"delivery_failed", r.delivery_failed},
          {"what", r.what},
          {"next", r.next}};
}

std::string channel_target(const core::config::Config& cfg, nt::Channel c) {
  auto shown = [&](std::string_view name) { return core::config::display_value(*core::config::find_setting(name), cfg.text(name)); };
  switch (c) {
    case nt::Channel::webhook: return shown("NOTIFY_WEBHOOK_URL");
    case nt::Channel::slack: return shown("NOTIFY_SLACK_WEBHOOK_URL");
    case nt::Channel::discord: return shown("NOTIFY_DISCORD_WEBHOOK_URL");
    case nt::Channel::telegram: return fmt::format("{} (token {})", cfg.text("NOTIFY_TELEGRAM_API_URL"), shown("NOTIFY_TELEGRAM_BOT_TOKEN"));
    case nt::Channel::email:
      return fmt::format("{} (tls {}, user {}, from {})", shown("NOTIFY_SMTP_URL"), cfg.text("NOTIFY_SMTP_TLS"),
                         cfg.text("NOTIFY_SMTP_USER").empty() ? "none" : cfg.text("NOTIFY_SMTP_USER"), cfg.text("NOTIFY_SMTP_FROM"));
  }
  return "";
}

int run_status(Context& ctx) {
  const auto& cfg = ctx.config();
  auto& out = ctx.out();
  CliNotifier n(ctx);
  json channels = json::array(), contacts = json::array(), routes = json::object(), alerts = json::array();
  Table ct({"CHANNEL", "STATE", "TARGET"});
  for (const nt::Channel c : nt::k_channels) {
    const std::string problem = nt::channel_problem(cfg, c);
    channels.push_back({{"channel", nt::to_string(c)}, {"configured", problem.empty()}, {"target", problem.empty() ? channel_target(cfg, c) : ""},
                        {"problem", problem}});
    ct.row({std::string(nt::to_string(c)), problem.empty() ? "configured" : "off", problem.empty() ? channel_target(cfg, c) : problem});
  }
  Table people({"ROLE", "NAME", "PHONE", "HOURS", "REACHED BY"});
  for (const auto& c : cfg.contacts().entries) {
    std::vector<std::string> ways;
    for (const auto& e : c.email) ways.push_back("email " + e);
    if (!c.telegram.empty()) ways.push_back("telegram " + c.telegram);
    if (c.slack) ways.push_back(c.slack->empty() ? "slack" : "slack " + *c.slack);
    if (c.discord) ways.push_back("discord");
    if (c.webhook) ways.push_back("webhook");
    contacts.push_back({{"role", c.role}, {"name", c.name}, {"phone", c.phone}, {"hours", c.hours}, {"ways", ways}});
    people.row({c.role, c.name.empty() ? "-" : c.name, c.phone.empty() ? "-" : c.phone, c.hours.empty() ? "-" : c.hours,
                ways.empty() ? "nothing" : fmt::format("{}", fmt::join(ways, ", "))});
  }
  Table rt({"LEVEL", "CONTACTS", "DESTINATIONS", "PROBLEMS"});
  for (const nt::Severity s : {nt::Severity::critical, nt::Severity::high, nt::Severity::medium, nt::Severity::low, nt::Severity::info}) {
    const auto roles = cfg.list(nt::route_setting(s));
    const auto r = nt::route(cfg, roles);
    std::vector<std::string> dests;
    for (const auto& d : r.destinations) dests.push_back(d.describe());
    routes[std::string(nt::to_string(s))] = {{"roles", roles}, {"destinations", dests}, {"problems", r.problems}};
    rt.row({std::string(nt::label(s)), fmt::format("{}", fmt::join(roles, ", ")), dests.empty() ? "NONE" : fmt::format("{}", fmt::join(dests, ", ")),
            r.problems.empty() ? "-" : fmt::format("{}", fmt::join(r.problems, "; "))});
  }
  Table at({"ID", "LEVEL", "STATE", "SINCE (UTC)", "LAST SENT", "ACK", "ESCALATED", "HELD", "WHAT"});
  for (const auto& r : n.notifier.alerts()) {
    alerts.push_back(record_json(r));
    at.row({r.id, std::string(nt::label(r.severity)), r.firing ? (r.delivery_failed ? "firing, undelivered" : "firing") : "resolved",
            core::to_sql_datetime(r.since), when(r.last_sent), r.acked_at ? r.acked_by : "-", when(r.escalated_at),
            std::to_string(r.suppressed), r.what});
  }
  out.document({{"enabled", cfg.boolean("NOTIFY_ENABLED")}, {"deployment", nt::deployment_name(cfg)}, {"channels", channels},
                {"contacts", contacts}, {"routes", routes},
                {"escalation", {{"after_min", cfg.integer("NOTIFY_ESCALATE_AFTER_MIN")}, {"to", cfg.list("NOTIFY_ESCALATE_TO")}}},
                {"repeat_min", cfg.integer("NOTIFY_REPEAT_MIN")}, {"alerts", alerts},
                {"state_file", nt::state_file(cfg).string()}, {"log_file", nt::delivery_log_file(cfg).string()}});
  if (!cfg.boolean("NOTIFY_ENABLED")) out.line(out.paint("NOTIFY_ENABLED=false: nothing is sent", Tone::warn));
  out.line(ct.render());
  out.line(people.empty() ? "contacts: none in bscbot.yaml (every configured webhook, Slack and Discord channel gets every alert)"
                          : people.render());
  out.line(rt.render());
  out.line(fmt::format("escalation: unacknowledged critical/high alerts go to {} after {} min; one message per problem per {} min",
                       fmt::join(cfg.list("NOTIFY_ESCALATE_TO"), ", "), cfg.integer("NOTIFY_ESCALATE_AFTER_MIN"), cfg.integer("NOTIFY_REPEAT_MIN")));
  out.line(at.empty() ? "alerts: none" : at.render());
  return 0;
}

struct LogFlags {
  int limit = 50;
  std::string id;
};

bool mentions(const json& record, const std::string& id) {
  for (const char* field : {"ids", "keys"}) {
    if (record.contains(field) && record[field].is_array()) {
      for (const auto& v : record[field]) {
        if (v == id) return true;
      }
    }
  }
  return false;
}

int run_log(Context& ctx, const LogFlags& flags) {
  CliNotifier n(ctx);
  auto records = n.notifier.log().read(flags.id.empty() ? static_cast<std::size_t>(flags.limit) : 100000);
  if (!flags.id.empty()) {
    records.erase(std::remove_if(records.begin(), records.end(), [&](const json& r) { return !mentions(r, flags.id); }), records.end());
    if (records.size() > static_cast<std::size_t>(flags.limit)) records.erase(records.begin(), records.end() - flags.limit);
  }
  auto& out = ctx.out();
  out.document({{"file", n.notifier.log().path().string()}, {"records", records}});
  if (records.empty()) {
    out.line("no deliveries recorded in " + n.notifier.log().path().string());
    return 0;
  }
  Table t({"TIME (UTC)", "OUTCOME", "CHANNEL", "DESTINATION", "TRY", "ALERTS", "SUBJECT / ERROR"});
  for (const auto& r : records) {
    std::string time = r.value("time", "");
    if (time.size() >= 19) time = time.substr(0, 10) + " " + time.substr(11, 8);
    const std::string outcome = r.value("outcome", "");
    const Tone tone = outcome == "sent" || outcome == "acknowledged" ? Tone::ok : outcome == "retrying" ? Tone::warn : Tone::bad;
    std::vector<std::string> ids;
    if (r.contains("ids")) {
      for (const auto& v : r["ids"]) ids.push_back(v.get<std::string>());
    }
    const std::string error = r.value("error", "");
    std::string what = r.value("subject", "");
    if (outcome == "acknowledged") what = "by " + r.value("by", "");
    if (!error.empty()) what = error;
    t.row({time, out.paint(fmt::format("{:<12}", outcome), tone), r.value("channel", "-"), r.value("destination", "-"),
           r.contains("attempt") ? fmt::format("{}/{}", r.value("attempt", 0), r.value("max_attempts", 0)) : "-",
           fmt::format("{}", fmt::join(ids, ",")), what});
  }
  out.line(t.render());
  return 0;
}

json delivery_json(const nt::Delivery& d) {
  return {{"channel", nt::to_string(d.destination.channel)}, {"destination", d.destination.describe()}, {"contacts", d.destination.contacts},
          {"ok", d.ok}, {"attempts", d.attempts}, {"status", d.status}, {"error", d.error}};
}

int print_deliveries(Context& ctx, const nt::NotifyResult& r, json doc) {
  auto& out = ctx.out();
  json deliveries = json::array();
  Table t({"CHANNEL", "DESTINATION", "CONTACTS", "RESULT", "TRIES", "DETAIL"});
  for (const auto& d : r.deliveries) {
    deliveries.push_back(delivery_json(d));
    t.row({std::string(nt::to_string(d.destination.channel)), d.destination.describe(), fmt::format("{}", fmt::join(d.destination.contacts, ", ")),
           d.ok ? out.paint("sent", Tone::ok) : out.paint("FAILED", Tone::bad), std::to_string(d.attempts),
           d.ok ? fmt::format("status {}", d.status) : d.error});
  }
  doc["deliveries"] = deliveries;
  doc["problems"] = r.problems;
  doc["ok"] = r.all_delivered() && !r.deliveries.empty();
  out.document(doc);
  if (!t.empty()) out.line(t.render());
  for (const auto& p : r.problems) out.line(out.paint("note: ", Tone::warn) + p);
  return r.all_delivered() && !r.deliveries.empty() ? 0 : 1;
}

struct TestFlags {
  std::string channel;
  std::vector<std::string> contacts;
};

int run_test(Context& ctx, const TestFlags& flags) {
  std::optional<nt::Channel> channel;
  if (!flags.channel.empty()) {
    channel = nt::parse_channel(flags.channel);
    if (!channel) throw core::Error(core::ErrorKind::usage, fmt::format("--channel '{}' must be webhook, slack, discord, telegram or email", flags.channel));
    if (const auto problem = nt::channel_problem(ctx.config(), *channel); !problem.empty()) {
      throw core::Error(core::ErrorKind::config, fmt::format("--channel {}: {}", flags.channel, problem));
    }
  }
  for (const auto& c : flags.contacts) {
    if (!core::config::is_contact_role(c)) {
      throw core::Error(core::ErrorKind::usage, fmt::format("--contact '{}' must be primary, secondary, team or vendors", c));
    }
  }
  CliNotifier n(ctx);
  const auto r = n.notifier.send_test(channel, flags.contacts);
  if (r.deliveries.empty()) {
    throw core::Error(core::ErrorKind::config,
                      fmt::format("nothing to test: {}; set a channel (e.g. NOTIFY_SLACK_WEBHOOK_URL) and contacts in bscbot.yaml (`bscbot notify status`)",
                                  r.problems.empty() ? "no destination" : fmt::format("{}", fmt::join(r.problems, "; "))));
  }
  return print_deliveries(ctx, r, {{"test", true}});
}

struct SendFlags {
  std::string severity;
  std::string what;
  std::vector<std::string> evidence;
  std::string next;
  std::string key;
  bool resolved = false;
};

std::string slug(const std::string& text) {
  std::string s;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!s.empty() && s.back() != '_') s += '_';
    if (s.size() >= 40) break;
  }
  while (!s.empty() && s.back() == '_') s.pop_back();
  return s.empty() ? "message" : s;
}

int run_send(Context& ctx, const SendFlags& flags) {
  const auto severity = nt::parse_severity(flags.severity);
  if (!severity) throw core::Error(core::ErrorKind::usage, fmt::format("--severity '{}' must be S1-S4, critical, high, medium, low or info", flags.severity));
  if (flags.what.find_first_not_of(" \t") == std::string::npos) throw core::Error(core::ErrorKind::usage, "say what is wrong, e.g. \"CRITICAL: BSC Trading Bot down\"");
  nt::Event e;
  e.key = flags.key.empty() ? "manual." + slug(flags.what) : flags.key;
  e.severity = *severity;
  e.state = flags.resolved ? nt::EventState::resolved : nt::EventState::firing;
  e.what = flags.what;
  e.evidence = flags.evidence;
  e.next = flags.next.empty() ? "bscbot diagnose" : flags.next;
  e.source = "bscbot notify send";
  CliNotifier n(ctx);
  const auto r = n.notifier.report({e});
  json doc = {{"key", e.key}, {"suppressed", !r.suppressed.empty()}};
  if (!r.sent.empty()) doc["id"] = r.sent.front().id;
  if (!r.suppressed.empty()) {
    doc["ok"] = true;
    ctx.out().document(doc);
    ctx.out().line(fmt::format("not sent: {} was already sent within NOTIFY_REPEAT_MIN={} min (`bscbot notify status`)", e.key,
                               ctx.config().integer("NOTIFY_REPEAT_MIN")));
    return 0;
  }
  if (r.deliveries.empty() && r.sent.empty() && r.undelivered.empty()) {
    doc["ok"] = true;
    ctx.out().document(doc);
    ctx.out().line(flags.resolved ? fmt::format("nothing to resolve: {} is not firing", e.key) : "nothing sent (NOTIFY_ENABLED=false)");
    return 0;
  }
  return print_deliveries(ctx, r, doc);
}

int run_escalate(Context& ctx) {
  CliNotifier n(ctx);
  const auto r = n.notifier.escalate_due();
  json ids = json::array();
  for (const auto& i : r.sent) ids.push_back(i.id);
  if (r.sent.empty() && r.undelivered.empty()) {
    ctx.out().document({{"escalated", ids}, {"ok", true}});
    ctx.out().line("nothing to escalate");
    return 0;
  }
  return print_deliveries(ctx, r, {{"escalated", ids}});
}

}  // namespace

void setup_notify(CLI::App& command, Context& ctx) {
  command.require_subcommand(1);
  auto* status = command.add_subcommand("status", "Channels, contacts, routes by severity, escalation, and the alerts firing");
  status->callback([&ctx] { ctx.run = [&ctx] { return run_status(ctx); }; });

  auto log_flags = std::make_shared<LogFlags>();
  auto* log = command.add_subcommand("log", "Every delivery attempt (LOG_DIR/notifications.jsonl), newest last");
  log->add_option("--limit", log_flags->limit, "Show the newest N records")->capture_default_str()->check(CLI::Range(1, 100000));
  log->add_option("--id", log_flags->id, "Only records of this alert ID or key");
  log->callback([&ctx, log_flags] { ctx.run = [&ctx, log_flags] { return run_log(ctx, *log_flags); }; });

  auto test_flags = std::make_shared<TestFlags>();
  auto* test = command.add_subcommand("test", "Send a test message to every contact's destinations (exit 0 all delivered, 1 not)");
  test->add_option("--channel", test_flags->channel, "Only this channel: webhook, slack, discord, telegram or email");
  test->add_option("--contact", test_flags->contacts, "Only these contacts: primary, secondary, team, vendors (repeatable)");
  test->callback([&ctx, test_flags] { ctx.run = [&ctx, test_flags] { return run_test(ctx, *test_flags); }; });

  auto send_flags = std::make_shared<SendFlags>();
  auto* send = command.add_subcommand("send", "Send a notification now, routed by its severity (the manual's `mail -s \"S1 Incident\"`)");
  send->add_option("--severity", send_flags->severity, "S1-S4, critical, high, medium, low or info")->required();
  send->add_option("what", send_flags->what, "What is wrong, in one line")->required();
  send->add_option("--evidence", send_flags->evidence, "A line of evidence (repeatable)");
  send->add_option("--next", send_flags->next, "The command the recipient should run next");
  send->add_option("--key", send_flags->key, "Deduplication key (default: from the text); one message per key per NOTIFY_REPEAT_MIN");
  send->add_flag("--resolved", send_flags->resolved, "Say that the problem under --key is over");
  send->callback([&ctx, send_flags] { ctx.run = [&ctx, send_flags] { return run_send(ctx, *send_flags); }; });

  auto* escalate = command.add_subcommand("escalate", "Escalate unacknowledged critical/high alerts now (bscbotd does this by itself; for cron)");
  escalate->callback([&ctx] { ctx.run = [&ctx] { return run_escalate(ctx); }; });
  command.footer(
      "Channels are set in .env (NOTIFY_SLACK_WEBHOOK_URL, NOTIFY_SMTP_URL, ...), contacts in bscbot.yaml under `contacts:`, routes by "
      "NOTIFY_ROUTE_CRITICAL/HIGH/MEDIUM/LOW/INFO. Acknowledge an alert with `bscbot incident ack ID`.");
}

}  // namespace bscbot::cmd
