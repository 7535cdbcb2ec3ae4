#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/chain/rpc_client.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

// A node double: `handler` sees the URL and parsed request and returns the answer body or
// throws like a transport would. Every post is recorded.
class FakeTransport final : public RpcTransport {
public:
  using Handler = std::function<std::string(const std::string& url, const json& request)>;
  struct Post {
    std::string url;
    json request;
    milliseconds timeout;
  };

  explicit FakeTransport(Handler handler) : m_handler(std::move(handler)) {}

  std::string post(const std::string& url, const std::string& body, milliseconds timeout) override {
    const json request = json::parse(body);
    {
      std::lock_guard lock(m_mutex);
      m_posts.push_back({url, request, timeout});
    }
    return m_handler(url, request);
  }

  std::vector<Post> posts() const {
    std::lock_guard lock(m_mutex);
    return m_posts;
  }

  std::size_t posts_to(const std::string& url) const {
    const auto all = posts();
    return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](const Post& p) { return p.url == url; }));
  }

private:
  Handler m_handler;
  mutable std::mutex m_mutex;
  std::vector<Post> m_posts;
};

std::string result_for(const json& request, const json& result) {
  return json{{"jsonrpc", "2.0"}, {"id", request["id"]}, {"result", result}}.dump();
}

std::string error_for(const json& request, int code, const std::string& message, const json& data = nullptr) {
  json error = {{"code", code}, {"message", message}};
  if (!data.is_null()) error["data"] = data;
  return json{{"jsonrpc", "2.0"}, {"id", request["id"]}, {"error", error}}.dump();
}

[[noreturn]] void refuse(const std::string& url) {
  throw TransportError("POST " + url + ": Couldn't connect to server", 0);
}

struct Harness {
  explicit Harness(FakeTransport::Handler handler, int retries = 2) {
    options.timeout = milliseconds(750);
    options.retries = retries;
    options.backoff_base = milliseconds(100);
    options.backoff_max = milliseconds(1000);
    options.sleep = [this](milliseconds d) {
      std::lock_guard lock(sleeps_mutex);
      sleeps.push_back(d);
    };
    transport = std::make_shared<FakeTransport>(std::move(handler));
  }

  RpcClient client(std::vector<std::string> urls) { return RpcClient(std::move(urls), options, transport, clock); }

  RpcOptions options;
  std::shared_ptr<FakeTransport> transport;
  FixedClock clock{SystemTime(std::chrono::seconds(1'700'000'000))};
  std::mutex sleeps_mutex;
  std::vector<milliseconds> sleeps;
};

}  // namespace

TEST_CASE("chain: rpc call sends JSON-RPC 2.0 and returns the result") {
  Harness h([](const std::string&, const json& request) { return result_for(request, "0x38"); });
  RpcClient rpc = h.client({"http://a"});
  CHECK(rpc.call("eth_chainId") == "0x38");
  CHECK(rpc.call("eth_getBalance", json::array({"0xabc", "latest"})) == "0x38");
  const auto posts = h.transport->posts();
  REQUIRE(posts.size() == 2);
  CHECK(posts[0].request["jsonrpc"] == "2.0");
  CHECK(posts[0].request["method"] == "eth_chainId");
  CHECK(posts[0].request["params"] == json::array());
  CHECK(posts[1].request["params"] == json::array({"0xabc", "latest"}));
  CHECK(posts[0].request["id"] != posts[1].request["id"]);
  CHECK(posts[0].timeout == milliseconds(750));
  CHECK(h.sleeps.empty());
}

TEST_CASE("chain: rpc fails over from a dead endpoint and scores it lower") {
  Harness h([](const std::string& url, const json& request) -> std::string {
    if (url == "http://dead") refuse(url);
    return result_for(request, "0x10");
  });
  RpcClient rpc = h.client({"http://dead", "http://alive"});
  CHECK(rpc.call("eth_blockNumber") == "0x10");
  // Another endpoint is left: one attempt, no retries, then failed over at once.
  CHECK(h.transport->posts_to("http://dead") == 1);
  CHECK(h.transport->posts_to("http://alive") == 1);
  CHECK(h.sleeps.empty());

  auto status = rpc.endpoints();
  REQUIRE(status.size() == 2);
  CHECK(status[0].url == "http://dead");
  CHECK(status[0].score < status[1].score);
  CHECK(status[0].consecutive_failures == 1);
  CHECK(status[0].failures == 1);
  CHECK(status[0].calls == 1);
  CHECK(status[0].circuit_open);
  CHECK(status[0].last_error.find("Couldn't connect") != std::string::npos);
  CHECK(status[1].consecutive_failures == 0);
  CHECK(status[1].calls == 1);
  CHECK(status[1].last_latency_ms.has_value());

  // The next call goes straight to the healthy endpoint.
  CHECK(rpc.call("eth_blockNumber") == "0x10");
  CHECK(h.transport->posts_to("http://dead") == 1);
  CHECK(h.transport->posts_to("http://alive") == 2);
}

TEST_CASE("chain: the last endpoint left is retried with backoff") {
  Harness h([](const std::string& url, const json& request) -> std::string {
    static int calls = 0;
    if (url == "http://dead" || ++calls < 3) refuse(url);
    return result_for(request, "0x10");
  });
  RpcClient rpc = h.client({"http://dead", "http://flaky"});
  CHECK(rpc.call("eth_blockNumber") == "0x10");
  CHECK(h.transport->posts_to("http://dead") == 1);
  CHECK(h.transport->posts_to("http://flaky") == 3);
  CHECK(h.sleeps == std::vector<milliseconds>{milliseconds(100), milliseconds(200)});
}

TEST_CASE("chain: a hung endpoint costs one timeout, then is skipped for a cool-off that grows") {
  // Issue 13 row 5: a node that accepts and never answers cost 3 x RPC_TIMEOUT_MS before
  // failover, and again once its score had recovered.
  bool hung = true;
  Harness h([&](const std::string& url, const json& request) -> std::string {
    if (url == "http://hung" && hung) {
      throw TransportError("POST http://hung: Operation timed out after 750 milliseconds with 0 bytes received", 0,
                           TransportError::Cause::timeout, Delivery::maybe_delivered);
    }
    return result_for(request, url);
  });
  h.options.health.cool_off_base = milliseconds(2000);
  RpcClient rpc = h.client({"http://hung", "http://backup"});
  CHECK(rpc.call("eth_blockNumber") == "http://backup");
  CHECK(h.transport->posts_to("http://hung") == 1);
  // Skipped while cooling off, however many calls come.
  for (int i = 0; i < 20; ++i) CHECK(rpc.call("eth_blockNumber") == "http://backup");
  CHECK(h.transport->posts_to("http://hung") == 1);
  auto status = rpc.endpoints()[0];
  CHECK(status.timeouts == 1);
  CHECK(status.state() == "open");
  // Its score recovers with time and it is tried once more, fails again: twice the cool-off.
  h.clock.advance(std::chrono::seconds(120));
  CHECK(rpc.call("eth_blockNumber") == "http://backup");
  CHECK(h.transport->posts_to("http://hung") == 2);
  CHECK(rpc.endpoints()[0].cool_off_ms == 4000);
  h.clock.advance(std::chrono::seconds(3));
  CHECK(rpc.call("eth_blockNumber") == "http://backup");
  CHECK(h.transport->posts_to("http://hung") == 2);
  // Once it answers it is closed and, with its score back, first again.
  hung = false;
  h.clock.advance(std::chrono::seconds(120));
  CHECK(rpc.call("eth_blockNumber") == "http://hung");
  CHECK(rpc.endpoints()[0].state() == "ok");
  CHECK(h.sleeps.empty());
}

TEST_CASE("chain: a rate limit (HTTP 429 or a JSON-RPC limit answer) moves the call to the next endpoint") {
  Harness h([](const std::string& url, const json& request) -> std::string {
    if (url == "http://busy") throw TransportError("POST http://busy: HTTP 429: Too Many Requests", 429);
    if (url == "http://capped") return error_for(request, -32005, "daily request count exceeded, request rate limited");
    if (request.is_array()) return json::array({json::parse(result_for(request[0], "0x1"))}).dump();
    return result_for(request, "0x1");
  });
  std::vector<std::string> seen;
  h.options.observer = [&](const RpcAttempt& a) { seen.push_back(a.endpoint + " " + std::string(a.method) + " " + std::string(to_string(a.outcome))); };
  RpcClient rpc = h.client({"http://busy", "http://capped", "http://free"});
  CHECK(rpc.call("eth_gasPrice") == "0x1");
  CHECK(seen == std::vector<std::string>{"http://busy eth_gasPrice rate_limited", "http://capped eth_gasPrice rate_limited",
                                         "http://free eth_gasPrice ok"});
  const auto status = rpc.endpoints();
  CHECK(status[0].state() == "rate_limited");
  CHECK(status[1].state() == "rate_limited");
  CHECK(status[1].rate_limited == 1);
  CHECK(status[2].state() == "ok");
  // While they back off, calls go straight to the free endpoint.
  CHECK(rpc.batch({{"eth_chainId", json::array()}}).size() == 1);
  CHECK(seen.back() == "http://free batch:eth_chainId ok");
  CHECK(h.transport->posts_to("http://busy") == 1);
}

TEST_CASE("chain: every endpoint rate limited or down is unavailable, and says whether a send may have arrived") {
  Harness h(
      [](const std::string& url, const json& request) -> std::string {
        if (url == "http://limited") return error_for(request, 429, "Too many requests");
        throw TransportError("POST " + url + ": Couldn't connect to server", 0, TransportError::Cause::refused, Delivery::not_delivered);
      },
      /*retries=*/0);
  {
    RpcClient rpc = h.client({"http://down1", "http://down2"});
    try {
      rpc.call("eth_sendRawTransaction", json::array({"0x00"}));
      FAIL("expected NoAnswerError");
    } catch (const NoAnswerError& e) {
      CHECK(e.delivery() == Delivery::not_delivered);
      CHECK(std::string(e.what()).find("2 attempts on 2 endpoints") != std::string::npos);
    }
    // Both cooling off now: the one that reopens first is still asked, once.
    CHECK_THROWS_WITH_AS(rpc.call("eth_blockNumber"), doctest::Contains("1 more cooling off"), NoAnswerError);
  }
  {
    RpcClient rpc = h.client({"http://down1", "http://limited"});
    try {
      rpc.call("eth_sendRawTransaction", json::array({"0x00"}));
      FAIL("expected NoAnswerError");
    } catch (const NoAnswerError& e) {
      // The rate-limited node read the request: it may hold the transaction.
      CHECK(e.delivery() == Delivery::maybe_delivered);
      CHECK(std::string(e.what()).find("rate limited") != std::string::npos);
    }
  }
}

TEST_CASE("chain: the client remembers when a node last answered") {
  bool up = true;
  Harness h([&](const std::string& url, const json& request) -> std::string {
    if (!up) refuse(url);
    return error_for(request, 3, "execution reverted");
  }, /*retries=*/0);
  RpcClient rpc = h.client({"http://a"});
  CHECK_FALSE(rpc.last_answer().has_value());
  CHECK_THROWS_AS(rpc.call("eth_call"), RpcError);
  const auto first = rpc.last_answer();
  CHECK(first == h.clock.now());  // a node error is an answer
  up = false;
  h.clock.advance(std::chrono::seconds(30));
  CHECK_THROWS_AS(rpc.call("eth_call"), NoAnswerError);
  CHECK(rpc.last_answer() == first);
}

TEST_CASE("chain: rpc tries a failed endpoint again once it has recovered") {
  bool primary_up = false;
  Harness h(
      [&](const std::string& url, const json& request) -> std::string {
        if (url == "http://primary" && !primary_up) refuse(url);
        return result_for(request, url);
      },
      /*retries=*/0);
  RpcClient rpc = h.client({"http://primary", "http://backup"});
  CHECK(rpc.call("web3_clientVersion") == "http://backup");
  CHECK(rpc.call("web3_clientVersion") == "http://backup");
  primary_up = true;
  // Still penalised: the backup keeps serving.
  h.clock.advance(std::chrono::seconds(5));
  CHECK(rpc.call("web3_clientVersion") == "http://backup");
  // After the penalty has worn off the primary is first again (equal scores: configured order).
  h.clock.advance(std::chrono::seconds(60));
  CHECK(rpc.call("web3_clientVersion") == "http://primary");
  CHECK(rpc.endpoints()[0].consecutive_failures == 0);
}

TEST_CASE("chain: rpc backoff is capped") {
  Harness h([](const std::string& url, const json&) -> std::string { refuse(url); }, /*retries=*/5);
  h.options.backoff_max = milliseconds(300);
  RpcClient rpc = h.client({"http://a"});
  CHECK_THROWS_AS(rpc.call("eth_blockNumber"), Error);
  CHECK(h.sleeps == std::vector<milliseconds>{milliseconds(100), milliseconds(200), milliseconds(300), milliseconds(300),
                                              milliseconds(300)});
}

TEST_CASE("chain: rpc reports unavailable when every endpoint fails") {
  Harness h([](const std::string& url, const json&) -> std::string {
    if (url == "http://b") throw TransportError("POST http://b: HTTP 503: upstream down", 503);
    refuse(url);
  });
  RpcClient rpc = h.client({"http://a", "http://b"});
  try {
    rpc.call("eth_gasPrice");
    FAIL("expected an error");
  } catch (const RpcError&) {
    FAIL("transport failures must not look like node errors");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::unavailable);
    const std::string message = e.what();
    CHECK(message.find("eth_gasPrice") != std::string::npos);
    CHECK(message.find("4 attempts on 2 endpoints") != std::string::npos);
    CHECK(message.find("HTTP 503") != std::string::npos);
  }
  CHECK(h.transport->posts().size() == 4);
}

TEST_CASE("chain: a JSON-RPC error answer is thrown with its code and not retried") {
  const std::string revert_data =
      "0x08c379a00000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000"
      "00000000000000000000001050616e63616b65526f757465723a2000000000000000000000000000000000";
  Harness h([&](const std::string&, const json& request) {
    return error_for(request, 3, "execution reverted: PancakeRouter: ", revert_data);
  });
  RpcClient rpc = h.client({"http://a", "http://b"});
  try {
    rpc.call("eth_call", json::array({json::object(), "latest"}));
    FAIL("expected an RpcError");
  } catch (const RpcError& e) {
    CHECK(e.code() == 3);
    CHECK(e.is_revert());
    CHECK(e.kind() == ErrorKind::data);
    CHECK(e.method() == "eth_call");
    CHECK(e.node_message() == "execution reverted: PancakeRouter: ");
    CHECK(std::string(e.what()).find("JSON-RPC error 3") != std::string::npos);
    REQUIRE(e.revert_data().has_value());
    CHECK(to_hex(*e.revert_data()) == revert_data);
  }
  CHECK(h.transport->posts().size() == 1);
  CHECK(h.sleeps.empty());
  // The node answered, so it stays healthy.
  CHECK(rpc.endpoints()[0].consecutive_failures == 0);
  CHECK(rpc.endpoints()[0].score == doctest::Approx(100.0));
}

TEST_CASE("chain: JSON-RPC error codes map to error kinds") {
  int code = 0;
  std::string message;
  Harness h([&](const std::string&, const json& request) { return error_for(request, code, message); });
  RpcClient rpc = h.client({"http://a"});
  const auto thrown = [&](int c, const std::string& m) -> RpcError {
    code = c;
    message = m;
    try {
      rpc.call("eth_sendRawTransaction", json::array({"0x"}));
    } catch (const RpcError& e) {
      return e;
    }
    FAIL("expected an RpcError");
    return RpcError("", 0, "", nullptr);
  };
  CHECK(thrown(-32000, "nonce too low").kind() == ErrorKind::data);
  CHECK_FALSE(thrown(-32000, "nonce too low").is_revert());
  CHECK(thrown(-32000, "execution reverted").is_revert());  // geth without data
  CHECK_FALSE(thrown(-32000, "execution reverted").revert_data().has_value());
  CHECK(thrown(-32603, "internal error").kind() == ErrorKind::unavailable);
  CHECK(thrown(-32601, "the method eth_foo does not exist").kind() == ErrorKind::unavailable);
  CHECK(thrown(-32602, "invalid argument 0").kind() == ErrorKind::data);
  CHECK(h.transport->posts().size() == 7);
}

TEST_CASE("chain: unusable answers count as endpoint failures") {
  Harness h(
      [](const std::string& url, const json& request) -> std::string {
        if (url == "http://html") return "<html>502 Bad Gateway</html>";
        if (url == "http://wrong-id") return json{{"jsonrpc", "2.0"}, {"id", 999999}, {"result", "0x1"}}.dump();
        if (url == "http://empty") return json{{"jsonrpc", "2.0"}, {"id", request["id"]}}.dump();
        // A number past a double's range: nlohmann throws out_of_range, not parse_error.
        if (url == "http://overflow") return R"({"jsonrpc":"2.0","id":1e999,"result":"0x1"})";
        return result_for(request, "0x1");
      },
      /*retries=*/0);
  RpcClient rpc = h.client({"http://html", "http://wrong-id", "http://empty", "http://overflow", "http://good"});
  CHECK(rpc.call("eth_blockNumber") == "0x1");
  const auto status = rpc.endpoints();
  CHECK(status[0].last_error.find("not JSON") != std::string::npos);
  CHECK(status[1].last_error.find("does not match request id") != std::string::npos);
  CHECK(status[2].last_error.find("neither result nor error") != std::string::npos);
  CHECK(status[3].last_error.find("not JSON") != std::string::npos);
  CHECK(status[4].failures == 0);
}

TEST_CASE("chain: a null result is a result") {
  Harness h([](const std::string&, const json& request) { return result_for(request, nullptr); });
  RpcClient rpc = h.client({"http://a"});
  CHECK(rpc.call("eth_getTransactionReceipt", json::array({"0x00"})).is_null());
}

TEST_CASE("chain: batch sends one request and returns results in request order") {
  Harness h([](const std::string&, const json& request) {
    REQUIRE(request.is_array());
    json answers = json::array();
    // Answer in reverse order, as nodes may.
    for (auto it = request.rbegin(); it != request.rend(); ++it) {
      answers.push_back({{"jsonrpc", "2.0"}, {"id", (*it)["id"]}, {"result", (*it)["method"].get<std::string>() + "-result"}});
    }
    return answers.dump();
  });
  RpcClient rpc = h.client({"http://a"});
  const std::vector<json> results = rpc.batch({{"eth_chainId", json::array()},
                                               {"eth_blockNumber", json::array()},
                                               {"eth_gasPrice", json::array()}});
  REQUIRE(results.size() == 3);
  CHECK(results[0] == "eth_chainId-result");
  CHECK(results[1] == "eth_blockNumber-result");
  CHECK(results[2] == "eth_gasPrice-result");
  const auto posts = h.transport->posts();
  REQUIRE(posts.size() == 1);
  CHECK(posts[0].request.size() == 3);
  CHECK(rpc.batch({}).empty());
  CHECK(h.transport->posts().size() == 1);
}

TEST_CASE("chain: batch errors are per request") {
  Harness h([](const std::string&, const json& request) {
    json answers = json::array();
    for (const json& r : request) {
      if (r["params"][0] == "bad") {
        answers.push_back(json::parse(error_for(r, 3, "execution reverted: PancakeLibrary: INSUFFICIENT_LIQUIDITY")));
      } else {
        answers.push_back(json::parse(result_for(r, "0x01")));
      }
    }
    return answers.dump();
  });
  RpcClient rpc = h.client({"http://a"});
  const std::vector<RpcRequest> requests{{"eth_call", json::array({"good"})},
                                         {"eth_call", json::array({"bad"})},
                                         {"eth_call", json::array({"good"})}};
  const auto responses = rpc.batch_responses(requests);
  REQUIRE(responses.size() == 3);
  CHECK_FALSE(responses[0].error.has_value());
  CHECK(responses[0].result == "0x01");
  REQUIRE(responses[1].error.has_value());
  CHECK(responses[1].error->is_revert());
  CHECK(responses[2].result == "0x01");
  CHECK_THROWS_WITH_AS(rpc.batch(requests), doctest::Contains("INSUFFICIENT_LIQUIDITY"), RpcError);
}

TEST_CASE("chain: malformed batch answers fail over; a refused batch throws") {
  Harness h(
      [](const std::string& url, const json& request) -> std::string {
        if (url == "http://missing") return json::array({json::parse(result_for(request[0], "0x1"))}).dump();
        if (url == "http://dupe") {
          return json::array({json::parse(result_for(request[0], "0x1")), json::parse(result_for(request[0], "0x1"))}).dump();
        }
        if (url == "http://stranger") return json::array({json::parse(result_for(json{{"id", 999999}}, "0x1"))}).dump();
        if (url == "http://refuses") {
          return json{{"jsonrpc", "2.0"}, {"id", nullptr}, {"error", {{"code", -32600}, {"message", "batch too large"}}}}.dump();
        }
        json answers = json::array();
        for (const json& r : request) answers.push_back(json::parse(result_for(r, "0x2")));
        return answers.dump();
      },
      /*retries=*/0);
  const std::vector<RpcRequest> two{{"eth_blockNumber", json::array()}, {"eth_gasPrice", json::array()}};
  {
    RpcClient rpc = h.client({"http://missing", "http://dupe", "http://stranger", "http://good"});
    CHECK(rpc.batch(two) == std::vector<json>{"0x2", "0x2"});
    const auto status = rpc.endpoints();
    CHECK(status[0].last_error.find("lacks id") != std::string::npos);
    CHECK(status[1].last_error.find("repeats id") != std::string::npos);
    CHECK(status[2].last_error.find("unknown id") != std::string::npos);
  }
  {
    RpcClient rpc = h.client({"http://refuses", "http://good"});
    CHECK_THROWS_WITH_AS(rpc.batch(two), doctest::Contains("batch too large"), RpcError);
  }
}

TEST_CASE("chain: rpc client is safe to share between threads") {
  Harness h(
      [](const std::string& url, const json& request) -> std::string {
        if (url == "http://dead") refuse(url);
        if (!request.is_array()) return result_for(request, request["params"][0]);
        json answers = json::array();
        for (const json& r : request) answers.push_back(json::parse(result_for(r, r["params"][0])));
        return answers.dump();
      },
      /*retries=*/0);
  RpcClient rpc = h.client({"http://dead", "http://alive"});
  constexpr int k_threads = 8;
  constexpr int k_calls = 50;
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < k_calls; ++i) {
        const int tag = t * 1000 + i;
        if (i % 5 == 0) {
          const auto results = rpc.batch({{"echo", json::array({tag})}, {"echo", json::array({tag + 1})}});
          if (results != std::vector<json>{tag, tag + 1}) ++mismatches;
        } else if (rpc.call("echo", json::array({tag})) != tag) {
          ++mismatches;
        }
        (void)rpc.endpoints();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(mismatches == 0);
  const auto status = rpc.endpoints();
  CHECK(status[1].calls == k_threads * k_calls);
  CHECK(status[1].failures == 0);
  CHECK(status[0].failures == status[0].calls);
}

TEST_CASE("chain: rpc client refuses unusable options") {
  Harness h([](const std::string&, const json& request) { return result_for(request, 1); });
  CHECK_THROWS_WITH_AS(h.client({}), doctest::Contains("no JSON-RPC endpoint"), Error);
  h.options.timeout = milliseconds(0);
  CHECK_THROWS_WITH_AS(h.client({"http://a"}), doctest::Contains("timeout must be positive"), Error);
  h.options.timeout = milliseconds(100);
  h.options.retries = -1;
  CHECK_THROWS_WITH_AS(h.client({"http://a"}), doctest::Contains("retries"), Error);
}
