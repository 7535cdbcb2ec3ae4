#pragma once
// Named crash points for the crash-consistency harness (tests/blackbox/test_crash_*.cpp and
// scripts/crash-sweep), after Bitcoin Core's feature_init: every long operation passes a named
// point between two of its steps. With BSCBOT_TEST_CRASH_AT=<name> (or <name>#<n>, the n-th
// time that point is passed) in the environment, the process SIGKILLs itself there, as a power
// cut or the OOM killer would end it: no destructor, no atexit, no flush. With
// BSCBOT_TEST_CRASH_LOG=<file> it appends the name of every point it passes to that file, so the
// harness learns each command's steps from one clean run and then kills it at every one.
// Both variables carry TEST in their name and nothing else switches this on, so a production
// command never crashes on purpose; without them a crash point is one cached getenv.
#include <string_view>

namespace bscbot::core {

// Passes the crash point `name` ("backup.copied", "restore.swapped", ...).
void crash_point(std::string_view name);

}  // namespace bscbot::core
