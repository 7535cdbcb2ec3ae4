// The nonce manager: durable before use, max(stored, chain) at start, gaps closed only when
// nothing of ours is in flight, refused nonces given back.
#include <doctest/doctest.h>

#include "core/db/database.hpp"
#include "core/db/migrations.hpp"
#include "core/error.hpp"
#include "core/trade/nonce_manager.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/stores.hpp"

using namespace bscbot::core;
using namespace bscbot::core::trade;

namespace {

class MemoryStore final : public NonceStore {
public:
  std::optional<std::uint64_t> value;
  int saves = 0;
  bool broken = false;
  std::optional<std::uint64_t> load() override { return value; }
  void save(std::uint64_t next) override {
    if (broken) throw Error(ErrorKind::database, "disk full");
    value = next;
    ++saves;
  }
};

}  // namespace

TEST_CASE("trade: nonce manager starts at the chain's count without history") {
  MemoryStore store;
  NonceManager m(store);
  const auto s = m.start(7, InFlight::no);
  CHECK(s.next == 7);
  CHECK_FALSE(s.stored.has_value());
  CHECK(store.value == 7u);
  CHECK(m.reserve() == 7);
  CHECK(store.value == 8u);  // stored before the nonce is used
  CHECK(m.reserve() == 8);
  CHECK(m.next() == 9);
}

TEST_CASE("trade: nonce manager keeps the stored nonce when the node lags and ours are in flight") {
  MemoryStore store;
  store.value = 12;
  NonceManager m(store);
  const auto s = m.start(10, InFlight::yes);  // the node has not seen two of ours yet
  CHECK(s.next == 12);
  CHECK_FALSE(s.gap_closed);
  CHECK(m.reserve() == 12);
}

TEST_CASE("trade: nonce manager closes a gap of never-sent nonces when nothing is in flight") {
  MemoryStore store;
  store.value = 12;
  NonceManager m(store);
  const auto s = m.start(10, InFlight::no);
  CHECK(s.gap_closed);
  CHECK(s.next == 10);
  CHECK(store.value == 10u);
}

TEST_CASE("trade: nonce manager follows the chain when another wallet used the key") {
  MemoryStore store;
  store.value = 3;
  NonceManager m(store);
  CHECK(m.start(9, InFlight::no).next == 9);
}

TEST_CASE("trade: a refused nonce is given back, only the last one") {
  MemoryStore store;
  NonceManager m(store);
  m.start(0, InFlight::no);
  const auto a = m.reserve();
  const auto b = m.reserve();
  m.release(a);  // not the last one handed out: ignored, or b would be handed out twice
  CHECK(m.next() == 2);
  m.release(b);
  CHECK(m.next() == 1);
  CHECK(store.value == 1u);
  CHECK(m.reserve() == 1);
}

TEST_CASE("trade: a store failure hands out no nonce") {
  MemoryStore store;
  NonceManager m(store);
  m.start(5, InFlight::no);
  store.broken = true;
  CHECK_THROWS_AS(m.reserve(), Error);
  store.broken = false;
  CHECK(m.reserve() == 5);
}

TEST_CASE("trade: resync takes the chain's count after a drop") {
  MemoryStore store;
  NonceManager m(store);
  m.start(4, InFlight::no);
  m.reserve();
  m.reserve();
  m.resync(5);
  CHECK(m.next() == 5);
  CHECK(store.value == 5u);
}

TEST_CASE("trade: the database nonce store survives a restart") {
  bscbot::test::Scratch s("nonce-db");
  auto db = bscbot::test::sqlite_file_store(s / "t.sqlite");
  db::StateStore& pool = db->state();
  {
    DbNonceStore store(pool, "0xabc");
    NonceManager m(store);
    m.start(0, InFlight::no);
    CHECK(m.reserve() == 0);
    CHECK(m.reserve() == 1);
  }
  DbNonceStore again(pool, "0xabc");
  CHECK(again.load() == 2u);
  NonceManager m(again);
  CHECK(m.start(1, InFlight::yes).next == 2);  // the node saw only one: never reuse nonce 1
  DbNonceStore other(pool, "0xdef");
  CHECK_FALSE(other.load().has_value());
}
