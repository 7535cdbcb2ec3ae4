#include "core/notify/notifier.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "core/notify/render.hpp"

namespace bscbot::core::notify {

bool NotifyResult::all_delivered() const {
  return undelivered.empty() && std::all_of(deliveries.begin(), deliveries.end(), [](const Delivery& d) { return d.ok; });
}

std::filesystem::path state_file(const config::Config& cfg) { return cfg.path("DATA_DIR") / "notify-state.json"; }

std::filesystem::path delivery_log_file(const config::Config& cfg) { return cfg.log_dir() / "notifications.jsonl"; }

std::string deployment_name(const config::Config& cfg) {
  if (cfg.is_set("NOTIFY_SOURCE")) return cfg.text("NOTIFY_SOURCE");
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) == 0 && buf[0]) return buf;
  return "bscbot";
}

Notifier::Notifier(const config::Config& cfg, NotifyEdges edges)
    : m_cfg(cfg),
      m_edges(std::move(edges)),
      m_store(state_file(cfg)),
      m_log(delivery_log_file(cfg), static_cast<std::uintmax_t>(cfg.integer("NOTIFY_LOG_MAX_KB")) * 1024,
            static_cast<int>(cfg.integer("NOTIFY_LOG_MAX_FILES"))) {}

std::vector<std::string> Notifier::roles_of(Severity s) const { return m_cfg.list(route_setting(s)); }

namespace {

Event event_of(const AlertRecord& r) {
  Event e;
  e.key = r.key;
  e.id = r.id;
  e.severity = r.severity;
  e.state = r.firing ? EventState::firing : EventState::resolved;
  e.what = r.what;
  e.evidence = r.evidence;
  e.next = r.next;
  e.source = r.source;
  return e;
}

void add_roles(std::vector<std::string>& into, const std::vector<std::string>& roles) {
  for (const auto& r : roles) {
    if (std::find(into.begin(), into.end(), r) == into.end()) into.push_back(r);
  }
}

}  // namespace

NotifyResult Notifier::report(const std::vector<Event>& events) {
  NotifyResult result;
  if (!m_cfg.boolean("NOTIFY_ENABLED") || events.empty()) return result;
  const SystemTime now = m_edges.clock->now();
  const auto repeat = std::chrono::minutes(m_cfg.integer("NOTIFY_REPEAT_MIN"));
  std::vector<Routed> routed;
  m_store.update([&](AlertState& s) {
    for (const Event& e : events) {
      auto it = s.by_key.find(e.key);
      if (e.state == EventState::resolved) {
        if (it == s.by_key.end() || !it->second.firing) continue;
        AlertRecord& r = it->second;
        r.firing = false;
        r.resolved_at = now;
        r.last_seen = now;
        // Only a problem someone heard about since its last recovery gets one, sent to whoever
        // heard of it.
        if (!r.last_sent || (r.recovery_sent && *r.recovery_sent >= *r.last_sent)) continue;
        r.recovery_sent = now;
        Item item{e, r.id, Kind::resolved, r.since, now};
        item.event.severity = r.sent_severity.value_or(r.severity);
        routed.push_back({std::move(item), r.notified.empty() ? roles_of(r.severity) : r.notified});
        continue;
      }
      std::optional<Kind> kind;
      if (it == s.by_key.end()) {
        AlertRecord r;
        r.id = e.id.empty() ? fmt::format("alert-{}", s.next_id++) : e.id;
        r.key = e.key;
        r.since = e.since.value_or(now);
        it = s.by_key.emplace(e.key, std::move(r)).first;
        kind = Kind::alert;
      } else if (!it->second.firing) {
        AlertRecord& r = it->second;
        r.firing = true;
        r.resolved_at.reset();
        const bool flapping = r.last_sent && now - *r.last_sent < repeat;
        if (!flapping) {
          // A new firing period: counts, acknowledgement and escalation start over.
          r.since = e.since.value_or(now);
          r.notified.clear();
          r.first_sent.reset();
          r.sent_severity.reset();
          r.acked_at.reset();
          r.acked_by.clear();
          r.escalated_at.reset();
          r.suppressed = 0;
          if (!e.id.empty()) r.id = e.id;
          kind = Kind::alert;
        } else if (!r.sent_severity || more_severe(e.severity, *r.sent_severity)) {
          kind = Kind::alert;
        }
      } else {
        const AlertRecord& r = it->second;
        if (!r.sent_severity || more_severe(e.severity, *r.sent_severity)) kind = Kind::alert;
        else if (!r.last_sent || now - *r.last_sent >= repeat) kind = Kind::reminder;
      }
      AlertRecord& r = it->second;
      r.severity = e.severity;
      r.what = e.what;
      r.next = e.next;
      r.source = e.source;
      r.evidence = e.evidence;
      r.last_seen = now;
      if (!kind) {
        ++r.suppressed;
        result.suppressed.push_back(e.key);
        continue;
      }
      r.last_sent = now;
      if (!r.first_sent) r.first_sent = now;
      if (e.notice) {
        // Said once; nothing to resolve or escalate later.
        r.firing = false;
        r.resolved_at = now;
      }
      r.sent_severity = *kind == Kind::reminder || !r.sent_severity || more_severe(e.severity, *r.sent_severity) ? e.severity : *r.sent_severity;
      const auto roles = roles_of(e.severity);
      add_roles(r.notified, roles);
      routed.push_back({Item{e, r.id, *kind, r.since, std::nullopt}, roles});
    }
  });
  if (routed.empty()) return result;
  NotifyResult delivered = deliver(routed);
  delivered.suppressed = std::move(result.suppressed);
  if (!delivered.undelivered.empty()) {
    // Nobody heard of these: forget the sending, so the next report of the problem tries again.
    m_store.update([&](AlertState& s) {
      for (const Item& i : delivered.undelivered) {
        if (AlertRecord* r = s.find(i.event.key); r && r->last_sent == now) {
          if (i.kind == Kind::resolved) continue;
          r->last_sent.reset();
          r->sent_severity.reset();
          if (r->first_sent == now) r->first_sent.reset();
          r->delivery_failed = true;
        }
      }
    });
  } else {
    m_store.update([&](AlertState& s) {
      for (const Item& i : delivered.sent) {
        if (AlertRecord* r = s.find(i.event.key)) r->delivery_failed = false;
      }
    });
  }
  return delivered;
}

NotifyResult Notifier::escalate_due() {
  NotifyResult result;
  const auto after = std::chrono::minutes(m_cfg.integer("NOTIFY_ESCALATE_AFTER_MIN"));
  if (!m_cfg.boolean("NOTIFY_ENABLED") || after.count() == 0) return result;
  const SystemTime now = m_edges.clock->now();
  const auto roles = m_cfg.list("NOTIFY_ESCALATE_TO");
  std::vector<Routed> routed;
  m_store.update([&](AlertState& s) {
    for (auto& [key, r] : s.by_key) {
      if (!r.firing || !escalates(r.severity) || r.acked_at || r.escalated_at || !r.first_sent || now - *r.first_sent < after) continue;
      r.escalated_at = now;
      add_roles(r.notified, roles);
      Item item{event_of(r), r.id, Kind::escalation, r.since, std::nullopt};
      item.event.evidence.push_back(fmt::format("first sent {} UTC to {}; not acknowledged within {} min (NOTIFY_ESCALATE_AFTER_MIN)",
                                                to_sql_datetime(*r.first_sent), fmt::join(r.notified, ", "), after.count()));
      routed.push_back({std::move(item), roles});
    }
  });
  if (routed.empty()) return result;
  result = deliver(routed);
  if (!result.undelivered.empty()) {
    m_store.update([&](AlertState& s) {
      for (const Item& i : result.undelivered) {
        if (AlertRecord* r = s.find(i.event.key); r && r->escalated_at == now) r->escalated_at.reset();
      }
    });
  }
  return result;
}

AlertRecord Notifier::acknowledge(const std::string& id, const std::string& by) {
  const SystemTime now = m_edges.clock->now();
  AlertRecord acked;
  m_store.update([&](AlertState& s) {
    AlertRecord* r = s.find(id);
    if (!r) {
      std::vector<std::string> open;
      for (const auto& [k, rec] : s.by_key) {
        if (rec.firing) open.push_back(rec.id);
      }
      throw Error(ErrorKind::not_found, open.empty() ? fmt::format("no alert '{}': nothing is firing (`bscbot notify status`)", id)
                                                     : fmt::format("no alert '{}'; firing: {}", id, fmt::join(open, ", ")));
    }
    if (!r->acked_at) {
      r->acked_at = now;
      r->acked_by = by;
    }
    acked = *r;
  });
  m_log.append({{"time", to_iso8601(now)}, {"event", "acknowledged"}, {"ids", {acked.id}}, {"keys", {acked.key}}, {"by", acked.acked_by},
                {"severity", to_string(acked.severity)}, {"outcome", "acknowledged"}});
  return acked;
}

NotifyResult Notifier::send_test(std::optional<Channel> channel, std::vector<std::string> roles) {
  if (roles.empty()) {
    for (const Severity s : {Severity::critical, Severity::high, Severity::medium, Severity::low, Severity::info}) add_roles(roles, roles_of(s));
    add_roles(roles, m_cfg.list("NOTIFY_ESCALATE_TO"));
  }
  const SystemTime now = m_edges.clock->now();
  Event e;
  e.key = "test";
  e.severity = Severity::info;
  e.what = "bscbot notification test";
  for (const Severity s : {Severity::critical, Severity::high, Severity::medium, Severity::low, Severity::info}) {
    e.evidence.push_back(fmt::format("{} alerts go to {}", to_string(s), fmt::join(roles_of(s), ", ")));
  }
  e.evidence.push_back(fmt::format("unacknowledged critical/high alerts escalate to {} after {} min", fmt::join(m_cfg.list("NOTIFY_ESCALATE_TO"), ", "),
                                   m_cfg.integer("NOTIFY_ESCALATE_AFTER_MIN")));
  e.next = "nothing: this message only proves the channel works";
  e.source = "bscbot notify test";
  return deliver({{Item{e, "test", Kind::test, now, std::nullopt}, roles}}, channel);
}

std::vector<AlertRecord> Notifier::alerts() const {
  std::vector<AlertRecord> out;
  for (const auto& [k, r] : m_store.load().by_key) out.push_back(r);
  std::stable_sort(out.begin(), out.end(), [](const AlertRecord& a, const AlertRecord& b) {
    if (a.firing != b.firing) return a.firing;
    return a.last_seen > b.last_seen;
  });
  return out;
}

NotifyResult Notifier::deliver(const std::vector<Routed>& routed, std::optional<Channel> only) {
  NotifyResult result;
  const SystemTime now = m_edges.clock->now();
  struct Group {
    Destination destination;
    std::vector<Item> items;
  };
  std::vector<Group> groups;
  for (const Routed& r : routed) {
    Routing routing = route(m_cfg, r.roles);
    for (auto& p : routing.problems) {
      if (std::find(result.problems.begin(), result.problems.end(), p) == result.problems.end()) result.problems.push_back(p);
    }
    for (const Destination& d : routing.destinations) {
      if (only && d.channel != *only) continue;
      auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.destination == d; });
      if (g == groups.end()) {
        groups.push_back({d, {}});
        g = groups.end() - 1;
      } else {
        for (const auto& c : d.contacts) {
          if (std::find(g->destination.contacts.begin(), g->destination.contacts.end(), c) == g->destination.contacts.end()) {
            g->destination.contacts.push_back(c);
          }
        }
      }
      g->items.push_back(r.item);
    }
  }
  const int max_attempts = 1 + static_cast<int>(m_cfg.integer("NOTIFY_RETRIES"));
  const auto backoff = std::chrono::milliseconds(m_cfg.integer("NOTIFY_RETRY_BACKOFF_MS"));
  const std::string deployment = deployment_name(m_cfg);
  auto wait = [this](std::chrono::milliseconds d) {
    if (m_edges.wait) return m_edges.wait(d);
    std::this_thread::sleep_for(d);
    return true;
  };
  // Each destination on its own thread: a dead mail server does not hold back Slack.
  auto send_group = [&](const Group& g) {
    Message m{deployment, now, g.items, g.destination.contacts};
    Delivery d{g.destination, {}, false, 0, 0, ""};
    std::vector<std::string> keys, kinds;
    for (const auto& i : g.items) {
      d.ids.push_back(i.id);
      keys.push_back(i.event.key);
      kinds.push_back(std::string(to_string(i.kind)));
    }
    const std::string subj = subject(m);
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
      const Attempt a = m_edges.sender->send(g.destination, m);
      d.attempts = attempt;
      d.ok = a.ok;
      d.status = a.status;
      d.error = a.error;
      const bool last = a.ok || a.permanent || attempt == max_attempts;
      nlohmann::json record = {{"time", to_iso8601(m_edges.clock->now())},
                               {"event", "delivery"},
                               {"ids", d.ids},
                               {"keys", keys},
                               {"kinds", kinds},
                               {"severity", to_string(m.severity())},
                               {"channel", to_string(g.destination.channel)},
                               {"destination", g.destination.describe()},
                               {"contacts", g.destination.contacts},
                               {"attempt", attempt},
                               {"max_attempts", max_attempts},
                               {"outcome", a.ok ? "sent" : last ? "failed" : "retrying"},
                               {"status", a.status},
                               {"error", a.error},
                               {"took_ms", a.took.count()},
                               {"subject", subj}};
      try {
        m_log.append(record);
      } catch (const Error&) {
        // The delivery matters more than its record; the caller sees the outcome either way.
      }
      if (last) break;
      std::chrono::milliseconds delay = backoff * (1LL << (attempt - 1));
      if (a.retry_after) delay = std::min<std::chrono::milliseconds>(std::max(delay, *a.retry_after), std::chrono::minutes(1));
      if (!wait(delay)) {
        d.error += "; not retried: stopping";
        break;
      }
    }
    return d;
  };
  std::vector<std::future<Delivery>> futures;
  for (const Group& g : groups) futures.push_back(std::async(std::launch::async, send_group, std::cref(g)));
  for (auto& f : futures) result.deliveries.push_back(f.get());

  std::set<std::string> reached, seen;
  for (const Delivery& d : result.deliveries) {
    if (d.ok) reached.insert(d.ids.begin(), d.ids.end());
  }
  for (const Routed& r : routed) {
    if (!seen.insert(r.item.id + "/" + r.item.event.key).second) continue;
    if (reached.count(r.item.id)) {
      result.sent.push_back(r.item);
    } else {
      result.undelivered.push_back(r.item);
      if (groups.empty() || std::none_of(groups.begin(), groups.end(), [&](const Group& g) {
            return std::any_of(g.items.begin(), g.items.end(), [&](const Item& i) { return i.id == r.item.id; });
          })) {
        try {
          m_log.append({{"time", to_iso8601(now)}, {"event", "delivery"}, {"ids", {r.item.id}}, {"keys", {r.item.event.key}},
                        {"kinds", {to_string(r.item.kind)}}, {"severity", to_string(r.item.event.severity)}, {"outcome", "undeliverable"},
                        {"error", result.problems.empty() ? std::string("no destination") : fmt::format("{}", fmt::join(result.problems, "; "))},
                        {"subject", r.item.event.what}});
        } catch (const Error&) {
        }
      }
    }
  }
  return result;
}

}  // namespace bscbot::core::notify
