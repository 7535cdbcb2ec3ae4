// Issue 12 rows 1, 2, 8 and 9, and issue 13 row 6: what one client can make the daemon hold or
// write (connections, descriptors, metric labels, log lines, WebSocket queues) is bounded, and a
// flood is answered, counted and logged in a few lines, not by a stall.
#include <sys/resource.h>

#include <algorithm>
#include <thread>

#include "tests/blackbox/security_fixture.hpp"

using namespace bscbot;
using core::auth::Role;
using nlohmann::json;
namespace beast = boost::beast;
namespace net = boost::asio;
namespace fs = std::filesystem;

TEST_SUITE("security") {

TEST_CASE("security: connections beyond HTTP_MAX_CONNECTIONS get a 503 at once and are counted") {
  test::Scratch s("sec-max-connections");
  test::Daemon d(s.path(), {{"HTTP_MAX_CONNECTIONS", "20"}, {"REQUEST_TIMEOUT_MS", "60000"}});
  d.start();
  // The harness's start-up probe may still hold its slot. Scrape over one kept-alive connection
  // until it is the only one open; it then holds the first of the twenty slots.
  net::io_context ioc;
  beast::tcp_stream scraper(ioc);
  scraper.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(d.port())));
  beast::flat_buffer buffer;
  const auto open_connections = [&] {
    beast::http::request<beast::http::empty_body> req{beast::http::verb::get, "/api/metrics", 11};
    req.set(beast::http::field::host, "127.0.0.1");
    beast::http::write(scraper, req);
    beast::http::response<beast::http::string_body> res;
    beast::http::read(scraper, buffer, res);
    return test::metric_value(res.body(), "http_connections_open");
  };
  REQUIRE(test::eventually([&] { return open_connections() == 1; }));
  // 30 idle connections that never send a byte, as the issue's attacker held 300: nineteen are
  // let in beside the scraper, the other eleven are told why at once and closed.
  std::vector<test::RawSocket> idle;
  for (int i = 0; i < 30; ++i) idle.emplace_back(d.port());
  std::vector<std::string> answers(idle.size());
  const auto refusals = [&] {
    return std::count_if(answers.begin(), answers.end(), [](const std::string& a) { return a.rfind("HTTP/1.1 503", 0) == 0; });
  };
  test::eventually([&] {
    for (std::size_t i = 0; i < idle.size(); ++i) {
      if (answers[i].empty()) answers[i] = idle[i].receive(std::chrono::milliseconds(5));
    }
    return refusals() >= 11;
  }, std::chrono::milliseconds(15000));
  CHECK(refusals() == 11);
  for (const std::string& answer : answers) {
    if (answer.empty()) continue;
    CHECK(answer.rfind("HTTP/1.1 503", 0) == 0);
    CHECK(answer.find("too_many_connections") != std::string::npos);
    CHECK(answer.find("HTTP_MAX_CONNECTIONS=20") != std::string::npos);
  }
  CHECK(open_connections() == 20);
  // A probe now gets the same short answer, not a timeout.
  const auto probe = d.get("/api/health");
  CHECK(probe.status == 503);
  CHECK(json::parse(probe.body)["code"] == "too_many_connections");
  idle.clear();
  CHECK(test::eventually([&] { return d.get("/api/health").status == 200; }));
  const std::string metrics = d.get("/api/metrics").body;
  CHECK(test::metric_value(metrics, R"(http_connections_refused_total{reason="max_connections"})") >= 12);
  CHECK(test::metric_value(metrics, "http_connections_max") == 20);
  // One line for the whole flood (rate-limited), and the log still records requests after it.
  CHECK(test::eventually([&] { return test::count_lines(test::daemon_log(s), "GET /api/metrics 200") >= 1; }));
  CHECK(test::count_lines(test::daemon_log(s), "refused with 503") <= 2);
}

TEST_CASE("security: one address cannot take every slot (HTTP_MAX_CONNECTIONS_PER_IP)") {
  test::Scratch s("sec-per-ip");
  test::Daemon d(s.path(), {{"HTTP_MAX_CONNECTIONS", "50"}, {"HTTP_MAX_CONNECTIONS_PER_IP", "5"}});
  d.start();
  std::vector<test::RawSocket> idle;
  for (int i = 0; i < 5; ++i) idle.emplace_back(d.port());
  test::RawSocket extra(d.port());
  const std::string answer = extra.receive();
  CHECK(answer.rfind("HTTP/1.1 503", 0) == 0);
  CHECK(answer.find("HTTP_MAX_CONNECTIONS_PER_IP=5") != std::string::npos);
  idle.clear();
  CHECK(test::eventually([&] { return d.get("/api/health").status == 200; }));
  CHECK(test::metric_value(d.get("/api/metrics").body, R"(http_connections_refused_total{reason="per_ip"})") >= 1);
}

TEST_CASE("security: out of file descriptors, accepting pauses, logs one line, and recovers") {
  test::Scratch s("sec-emfile");
  test::Daemon d(s.path(), {{"HTTP_MAX_CONNECTIONS", "5000"}, {"HTTP_MAX_CONNECTIONS_PER_IP", "5000"}, {"REQUEST_TIMEOUT_MS", "60000"}});
  d.start();
  REQUIRE(d.get("/api/health").status == 200);
  // The issue's `ulimit -n 256` with 300 idle sockets, in small: room for ten more descriptors.
  rlimit tight{};
  REQUIRE(::prlimit(d.pid(), RLIMIT_NOFILE, nullptr, &tight) == 0);
  tight.rlim_cur = static_cast<rlim_t>(test::open_descriptors(d.pid()) + 10);
  REQUIRE(::prlimit(d.pid(), RLIMIT_NOFILE, &tight, nullptr) == 0);
  std::vector<test::RawSocket> flood;
  for (int i = 0; i < 60; ++i) flood.emplace_back(d.port());
  REQUIRE(test::eventually([&] { return test::daemon_log(s).find("accept failed") != std::string::npos; }));
  // Before the fix every failed accept was retried at once and logged: thousands of lines a second.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const std::string during = test::daemon_log(s);
  CHECK(test::count_lines(during, "accept failed") <= 2);
  CHECK(during.find("out of file descriptors") != std::string::npos);
  flood.clear();
  CHECK(test::eventually([&] { return d.get("/api/health").status == 200; }, std::chrono::milliseconds(15000)));
  CHECK(test::eventually([&] {
    const std::string after = test::daemon_log(s);
    return after.size() > during.size() && after.find("GET /api/health 200", during.size()) != std::string::npos;
  }));
  CHECK(test::metric_value(d.get("/api/metrics").body, "http_accept_errors_total") >= 1);
  CHECK(d.stop() == 0);
}

TEST_CASE("security: client-chosen methods and paths do not become metric labels") {
  test::Scratch s("sec-labels");
  test::Daemon d(s.path());
  d.start();
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(d.port())));
  beast::flat_buffer buffer;
  auto send = [&](const std::string& method, const std::string& target) {
    beast::http::request<beast::http::empty_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(beast::http::field::host, "127.0.0.1");
    beast::http::write(stream, req);
    beast::http::response<beast::http::string_body> res;
    beast::http::read(stream, buffer, res);
    return res.result_int();
  };
  for (int i = 0; i < 300; ++i) {
    CHECK(send("M" + std::to_string(100000 + i), "/api/health") == 405);
    CHECK(send("GET", "/probe/" + std::to_string(i)) == 404);
  }
  CHECK(send(std::string(10 * 1024, 'Q'), "/api/health") == 405);
  const std::string metrics = d.get("/api/metrics").body;
  CHECK(metrics.find("M100123") == std::string::npos);
  CHECK(metrics.find("QQQQ") == std::string::npos);
  CHECK(metrics.find("/probe/") == std::string::npos);
  CHECK(metrics.find(R"(http_requests_total{method="other",route="unmatched",status="405"} 301)") != std::string::npos);
  // A closed label set: a few kilobytes, not one series per request.
  std::set<std::string> methods;
  const std::regex label(R"re(method="([^"]*)")re");
  for (std::sregex_iterator it(metrics.begin(), metrics.end(), label), end; it != end; ++it) methods.insert((*it)[1]);
  CHECK(methods.size() <= 3);
  CHECK(metrics.size() < 64 * 1024);
  // The log keeps the method, cut short.
  CHECK(test::eventually([&] { return test::daemon_log(s).find("QQQQQQQQQQQQQQQQ...(10240 bytes)") != std::string::npos; }));
}

TEST_CASE("security: a token in the query never reaches the access log") {
  test::Scratch s("sec-token-log");
  test::Daemon d(s.path(), {{"JWT_SECRET", test::k_jwt_secret}});
  d.start();
  const std::string jwt = test::token_for(Role::viewer);
  CHECK(d.get("/api/v1/trading/history?limit=5&token=" + jwt).status == 400);  // not a parameter of the route
  CHECK(d.get("/api/health?password=hunter2").status == 200);
  CHECK(test::ws_upgrade(d.port(), "/ws?token=" + jwt) == 101);
  CHECK(test::ws_upgrade(d.port(), "/ws?token=" + jwt.substr(0, jwt.size() - 2)) == 401);
  CHECK(test::eventually([&] { return test::daemon_log(s).find("/api/health?password=****") != std::string::npos; }));
  const std::string log = test::daemon_log(s);
  CHECK(log.find("/api/v1/trading/history?limit=5&token=**** 400") != std::string::npos);
  CHECK(log.find(jwt.substr(0, jwt.rfind('.'))) == std::string::npos);
  CHECK(log.find("hunter2") == std::string::npos);
}

TEST_CASE("security: one request cannot write a long line into the log") {
  // The access line caps the client's parts; every other message is capped at 4096 bytes by the
  // log's own guard (unit tests: log message).
  test::Scratch s("sec-log-cap");
  test::Daemon d(s.path());
  d.start();
  CHECK(d.get("/api/health?pad=" + std::string(7000, 'a')).status == 200);
  CHECK(test::eventually([&] { return test::daemon_log(s).find("/api/health?pad=aaaa") != std::string::npos; }));
  const std::string log = test::daemon_log(s);
  const auto at = log.find("/api/health?pad=aaaa");
  const auto begin = log.rfind('\n', at) + 1;  // npos + 1 == 0 for the first line
  const std::string line = log.substr(begin, log.find('\n', at) - begin);
  CHECK_MESSAGE(line.size() <= 1024, line.size());
  CHECK(line.find(std::string(2000, 'a')) == std::string::npos);
}

TEST_CASE("security: WebSocket replies never echo, and a client that does not read is dropped by bytes") {
  test::Scratch s("sec-ws-queue");
  test::Daemon d(s.path(), {{"WS_MAX_QUEUE_BYTES", "65536"}, {"HEARTBEAT_INTERVAL_MS", "60000"}});
  d.start();
  net::io_context ioc;
  const net::ip::tcp::endpoint at(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(d.port()));
  {
    beast::websocket::stream<beast::tcp_stream> ws(ioc);
    beast::get_lowest_layer(ws).connect(at);
    ws.handshake("127.0.0.1", "/ws");
    beast::flat_buffer buf;
    ws.read(buf);  // welcome
    buf.consume(buf.size());
    ws.write(net::buffer(json{{"type", std::string(60 * 1024, 'A')}}.dump()));
    ws.read(buf);
    const std::string reply = beast::buffers_to_string(buf.data());
    CHECK(json::parse(reply)["type"] == "error");
    CHECK(reply.size() < 200);
    CHECK(reply.find("AAAA") == std::string::npos);
  }
  [[maybe_unused]] const long rss_before = test::rss_bytes(d.pid());
  {
    // Sends 1200 large messages and never reads: before, 1024 echoes (60 MB) queued per client.
    beast::websocket::stream<beast::tcp_stream> ws(ioc);
    const int small = 4096;
    beast::get_lowest_layer(ws).socket().open(net::ip::tcp::v4());
    beast::get_lowest_layer(ws).socket().set_option(net::socket_base::receive_buffer_size(small));
    beast::get_lowest_layer(ws).connect(at);
    ws.handshake("127.0.0.1", "/ws");
    const std::string big = json{{"type", std::string(60 * 1024, 'B')}}.dump();
    beast::error_code ec;
    for (int i = 0; i < 1200 && !ec; ++i) ws.write(net::buffer(big), ec);
    // Then many small ones, whose answers alone pass WS_MAX_QUEUE_BYTES.
    for (int i = 0; i < 60000 && !ec; ++i) ws.write(net::buffer(std::string(R"({"type":"ping"})")), ec);
    CHECK(test::eventually([&] { return test::daemon_log(s).find("WS_MAX_QUEUE_BYTES=65536); dropping it") != std::string::npos; }));
    CHECK(test::eventually([&] { return json::parse(d.get("/api/health").body)["websocket_connections"] == 0; }));
  }
#if !defined(__SANITIZE_ADDRESS__)
  // Under AddressSanitizer freed memory sits in its quarantine, so resident memory says nothing.
  CHECK(test::rss_bytes(d.pid()) - rss_before < 32L * 1024 * 1024);
#endif
  CHECK(d.get("/api/health").status == 200);
}

TEST_CASE("security: MAX_CONNECTIONS=100 never lets a 101st WebSocket client in, however fast they come") {
  test::Scratch s("sec-ws-burst");
  test::Daemon d(s.path(), {{"MAX_CONNECTIONS", "100"}, {"HEARTBEAT_INTERVAL_MS", "60000"}});
  d.start();
  net::io_context ioc;
  const net::ip::tcp::endpoint at(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(d.port()));
  constexpr int k_clients = 141;
  std::vector<std::unique_ptr<beast::websocket::stream<beast::tcp_stream>>> clients;
  int accepted = 0, refused = 0;
  // Every upgrade is on the wire before the first handshake completes.
  for (int i = 0; i < k_clients; ++i) {
    auto ws = std::make_unique<beast::websocket::stream<beast::tcp_stream>>(ioc);
    beast::get_lowest_layer(*ws).connect(at);
    clients.push_back(std::move(ws));
  }
  for (auto& ws : clients) {
    ws->async_handshake("127.0.0.1", "/ws", [&](beast::error_code ec) { (ec ? refused : accepted)++; });
  }
  ioc.run_for(std::chrono::seconds(30));
  CHECK(accepted == 100);
  CHECK(refused == k_clients - 100);
  CHECK(test::eventually([&] { return json::parse(d.get("/api/health").body)["websocket_connections"] == 100; }));
  CHECK(test::metric_value(d.get("/api/metrics").body, R"(http_connections_refused_total{reason="websocket_max_connections"})") ==
        k_clients - 100);
  // Places come back when clients leave.
  for (int i = 0; i < 10; ++i) {
    beast::error_code ec;
    beast::get_lowest_layer(*clients[static_cast<std::size_t>(i)]).close();
  }
  clients.clear();
  CHECK(test::eventually([&] { return json::parse(d.get("/api/health").body)["websocket_connections"] == 0; }));
  CHECK(test::ws_upgrade(d.port(), "/ws") == 101);
}

}  // TEST_SUITE
