#pragma once
// systemd's notify protocol (sd_notify(3)), spoken directly: one datagram to $NOTIFY_SOCKET.
// The protocol is a stable interface that systemd documents for daemons to implement without
// libsystemd; linking libsystemd for these three messages cost bscbotd five shared libraries
// (libsystemd, libgcrypt, libgpg-error, liblzma, liblz4: 0.9 MB of its idle RSS).
#include <chrono>
#include <optional>
#include <string_view>

namespace bscbot::daemon {

// Sends `state` ("READY=1", "STOPPING=1", "WATCHDOG=1") when bscbotd runs under a unit with
// Type=notify; does nothing otherwise. Failures are ignored as sd_notify's callers ignore them:
// a lost message shows in systemd's own state, and there is no one else to tell.
void notify_systemd(std::string_view state);

// The watchdog interval systemd expects pings within (WatchdogSec=), when it is meant for this
// process ($WATCHDOG_USEC, and $WATCHDOG_PID if set naming this pid); nullopt otherwise.
std::optional<std::chrono::microseconds> systemd_watchdog();

}  // namespace bscbot::daemon
