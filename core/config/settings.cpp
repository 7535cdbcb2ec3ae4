#include "core/config/settings.hpp"

#include <algorithm>
#include <cctype>

namespace bscbot::core::config {

namespace {

// Defaults are the operations manual's numbers; its appendix "Key Metrics Reference" gives the
// thresholds.
const std::vector<Setting> k_settings = {
    // --- deployment ---
    {"NODE_ENV", Type::choice, "development", "Deployment environment; 'production' tightens the audit and refuses DISABLE_AUTH", 0, 0, {"development", "production", "test"}, false, "general"},
    {"HOST", Type::text, "127.0.0.1", "Address bscbotd listens on", 0, 0, {}, false, "server"},
    {"PORT", Type::integer, "10001", "HTTP and WebSocket port of bscbotd", 1, 65535, {}, false, "server"},
    {"HTTP_THREADS", Type::integer, "2", "Threads serving HTTP requests", 1, 64, {}, false, "server"},
    {"HTTP_MAX_CONNECTIONS", Type::integer, "1000", "Most HTTP connections open at once (WebSocket clients count against MAX_CONNECTIONS instead); more are answered 503 and counted in http_connections_refused_total", 1, 1000000, {}, false, "server"},
    {"HTTP_MAX_CONNECTIONS_PER_IP", Type::integer, "500", "Most HTTP connections open at once from one client address (a reverse proxy on this host counts as one; at most HTTP_MAX_CONNECTIONS)", 1, 1000000, {}, false, "server"},
    {"MAX_REQUEST_BYTES", Type::integer, "1048576", "Largest HTTP request (headers and body) accepted", 1024, 67108864, {}, false, "server"},
    {"REQUEST_TIMEOUT_MS", Type::integer, "30000", "Time allowed to receive a request or send a response", 100, 600000, {}, false, "server"},
    {"KEEPALIVE_TIMEOUT_MS", Type::integer, "60000", "Idle time after which a keep-alive connection is closed", 100, 3600000, {}, false, "server"},
    {"SHUTDOWN_TIMEOUT_MS", Type::integer, "10000", "Time in-flight requests get to finish on SIGTERM", 100, 600000, {}, false, "server"},
    {"LOOP_STALL_MS", Type::integer, "10000", "Main-loop tick age after which /api/health answers 503", 1000, 3600000, {}, false, "server"},
    {"PID_FILE", Type::path, "", "Pid file of bscbotd (default: DATA_DIR/bscbotd.pid)", 0, 0, {}, false, "server"},
    {"BSCBOTD_PATH", Type::path, "", "bscbotd executable started by `bscbot daemon start` (default: beside bscbot)", 0, 0, {}, false, "server"},
    {"CORS_ORIGINS", Type::list, "", "Origins allowed by CORS, comma-separated; '*' is refused by the audit in production", 0, 0, {}, false, "server"},
    {"PUBLIC_URL", Type::url, "", "The https:// address clients reach bscbotd at (a TLS reverse proxy in front of it); the audit checks its certificate and the http:// redirect", 0, 0, {}, false, "server"},
    {"PUBLIC_HTTP_PORT", Type::integer, "80", "Port where PUBLIC_URL's host answers plain http://, which the audit expects to redirect to https://", 1, 65535, {}, false, "server"},
    {"PUBLIC_URL_CA_FILE", Type::path, "", "CA bundle that signs PUBLIC_URL's certificate, for a private CA (empty: the system's CAs)", 0, 0, {}, false, "server"},
    // --- database ---
    {"DB_CLIENT", Type::choice, "sqlite", "Database backend", 0, 0, {"sqlite", "pg"}, false, "database"},
    {"DATA_DIR", Type::path, "data", "Folder of the database and pid file", 0, 0, {}, false, "database"},
    {"DB_PATH", Type::path, "", "SQLite database file (default: DATA_DIR/trading-bot.sqlite)", 0, 0, {}, false, "database"},
    {"DATABASE_URL", Type::url, "", "PostgreSQL URL, e.g. postgresql://user:pass@localhost:5432/bsc_trading_bot", 0, 0, {}, true, "database"},
    {"DB_PASSWORD", Type::text, "", "Database password (checked for strength by the audit)", 0, 0, {}, true, "database"},
    {"DB_POOL_MIN", Type::integer, "2", "Database connections opened at start", 1, 64, {}, false, "database"},
    {"DB_POOL_MAX", Type::integer, "5", "Most database connections in use at once", 1, 64, {}, false, "database"},
    {"DB_BUSY_TIMEOUT_MS", Type::integer, "5000", "How long a statement waits for a lock before failing", 0, 600000, {}, false, "database"},
    {"DB_CACHE_KB", Type::integer, "512", "SQLite: the page cache of each of bscbotd's pooled connections, in KiB (SQLite's own default is 2000)", 64, 1048576, {}, false, "database"},
    {"DB_INTEGRITY_INTERVAL_S", Type::integer, "300", "bscbotd runs the database's quick check this often and publishes the verdict, which `bscbot health` uses while younger than twice this", 10, 86400, {}, false, "database"},
    {"DB_CONNECT_TIMEOUT_MS", Type::integer, "5000", "PostgreSQL: how long opening a connection may take", 1000, 600000, {}, false, "database"},
    {"DB_STATEMENT_TIMEOUT_MS", Type::integer, "30000", "PostgreSQL: longest a statement may run (statement_timeout; 0 for none)", 0, 86400000, {}, false, "database"},
    {"SLOW_QUERY_MS", Type::integer, "100", "Queries slower than this are logged as 'Query took'", 0, 600000, {}, false, "database"},
    {"AUTO_MIGRATE", Type::boolean, "true", "bscbotd applies pending migrations at start", 0, 0, {}, false, "database"},
    {"RETENTION_DAYS", Type::integer, "90", "Age after which `db cleanup` deletes trades", 1, 36500, {}, false, "database"},
    // --- logs ---
    {"LOG_LEVEL", Type::choice, "info", "Log level", 0, 0, {"trace", "debug", "info", "warn", "error", "critical", "off"}, false, "logs"},
    {"ACCESS_LOG", Type::boolean, "true", "Write the access lines (each request's response_time, Price cache HIT/MISS, WebSocket ping/pong) at any LOG_LEVEL; false: they follow LOG_LEVEL", 0, 0, {}, false, "logs"},
    {"LOG_DIR", Type::path, "logs", "Folder of api-server.log", 0, 0, {}, false, "logs"},
    {"LOG_MAX_SIZE_MB", Type::integer, "10", "Size at which api-server.log rotates", 1, 10240, {}, false, "logs"},
    {"LOG_MAX_FILES", Type::integer, "5", "Rotated log files kept", 1, 1000, {}, false, "logs"},
    {"LOG_ARCHIVE_DAYS", Type::integer, "30", "Age after which `logs archive` moves logs into a tar.gz", 1, 36500, {}, false, "logs"},
    // --- auth ---
    {"JWT_SECRET", Type::text, "", "HS256 secret for API tokens; at least 64 characters in production", 0, 0, {}, true, "auth"},
    {"DISABLE_AUTH", Type::boolean, "false", "Serve trading routes without a token (refused in production)", 0, 0, {}, false, "auth"},
    {"JWT_TTL_SECONDS", Type::integer, "86400", "Lifetime of tokens minted by `bscbot token issue`", 60, 31536000, {}, false, "auth"},
    {"LOOPBACK_READS_WITHOUT_TOKEN", Type::boolean, "true", "Read-only trading routes and /ws accept a request with no token when it comes straight from a program on this host (the manual's curl probes): loopback address, Host localhost or a loopback address, no browser Origin outside CORS_ORIGINS, no proxy headers. Set false behind a reverse proxy on the same host; `bscbot audit` flags it in production", 0, 0, {}, false, "auth"},
    // --- chain ---
    {"BSC_RPC_URL", Type::url, "https://bsc-dataseed.binance.org/", "Primary BSC JSON-RPC endpoint", 0, 0, {}, false, "chain"},
    {"BSC_RPC_URLS", Type::url_list, "", "Fallback JSON-RPC endpoints, comma-separated, tried in order", 0, 0, {}, false, "chain"},
    {"CHAIN_ID", Type::integer, "56", "Expected chain id; the node's answer must match", 1, 4294967295.0, {}, false, "chain"},
    {"RPC_TIMEOUT_MS", Type::integer, "5000", "Timeout of one JSON-RPC call", 100, 120000, {}, false, "chain"},
    {"RPC_RETRIES", Type::integer, "2", "Retries on the last endpoint left (with others left, a failure fails over at once)", 0, 10, {}, false, "chain"},
    {"RPC_CONNECT_TIMEOUT_MS", Type::integer, "1000", "Longest wait for a connection to a JSON-RPC endpoint (far below RPC_TIMEOUT_MS, so a dead node costs little)", 50, 60000, {}, false, "chain"},
    {"BSC_PRIVATE_RPC_URLS", Type::url_list, "", "Private (MEV-protected) endpoints, comma-separated: when set, signed swaps are sent only there; reads and receipts still use BSC_RPC_URL(S)", 0, 0, {}, false, "chain"},
    {"CHAIN_DOWN_AFTER_S", Type::integer, "60", "No JSON-RPC endpoint answering for this long makes /api/health answer 503 (chain down)", 1, 86400, {}, false, "chain"},
    {"CHAIN_ENABLED", Type::boolean, "false", "Start the chain client and trade queue in bscbotd", 0, 0, {}, false, "chain"},
    {"ROUTER_ADDRESS", Type::address, "0x10ED43C718714eb63d5aA57B78B54704E256024E", "PancakeSwap V2 router", 0, 0, {}, false, "chain"},
    {"FACTORY_ADDRESS", Type::address, "0xcA143Ce32Fe78f1f7019d7d551a6402fC5350c73", "PancakeSwap V2 factory", 0, 0, {}, false, "chain"},
    {"WBNB_ADDRESS", Type::address, "0xbb4CdB9CBd36B01bD1cBaEBF2De08d9173bc095c", "Wrapped BNB token", 0, 0, {}, false, "chain"},
    {"TRADING_KEY_FILE", Type::path, "", "File holding the trading private key (mode 600 required)", 0, 0, {}, false, "chain"},
    {"TRADING_KEY_FILES", Type::list, "", "Several trading key files, comma-separated (each mode 600): one wallet each", 0, 0, {}, false, "chain"},
    {"TRADING_KEY_DIR", Type::path, "", "Folder of trading key files (*.key, each mode 600): one wallet each", 0, 0, {}, false, "chain"},
    {"WALLET_LEASE_TTL_S", Type::integer, "15", "Several daemons on one PostgreSQL database: a wallet's sender silent this long is replaced by another daemon", 3, 3600, {}, false, "chain"},
    {"TRADING_PRIVATE_KEY", Type::text, "", "Trading private key as hex (prefer TRADING_KEY_FILE)", 0, 0, {}, true, "chain"},
    {"RECEIPT_TIMEOUT_MS", Type::integer, "120000", "Time a sent swap may wait for its receipt before it counts as dropped", 1000, 3600000, {}, false, "chain"},
    {"RECEIPT_POLL_MS", Type::integer, "500", "Interval between receipt polls of a sent swap", 50, 60000, {}, false, "chain"},
    {"ANVIL_PATH", Type::path, "", "anvil executable for `bscbot devnet` (default: node_modules of the source tree, then PATH)", 0, 0, {}, false, "chain"},
    {"NODE_MODULES_DIR", Type::path, "", "node_modules folder holding anvil and the Uniswap V2 artifacts (default: found beside the executable or the working directory)", 0, 0, {}, false, "chain"},
    // --- trading ---
    {"DEFAULT_GAS_LIMIT", Type::integer, "500000", "Gas limit of a swap when estimation is off", 21000, 30000000, {}, false, "trading"},
    {"ESTIMATE_GAS", Type::boolean, "false", "Set each swap's gas limit from eth_estimateGas plus 20% instead of DEFAULT_GAS_LIMIT", 0, 0, {}, false, "trading"},
    {"GAS_PRICE_MULTIPLIER", Type::number, "1.0", "eth_gasPrice is multiplied by this", 0.1, 10, {}, false, "trading"},
    {"DEFAULT_SLIPPAGE", Type::number, "0.5", "Slippage tolerance in percent", 0, 50, {}, false, "trading"},
    {"DEFAULT_DEADLINE_SECONDS", Type::integer, "1200", "Swap deadline after sending", 10, 86400, {}, false, "trading"},
    {"TRADE_QUEUE_MAX", Type::integer, "1000", "Most swaps waiting in the queue", 1, 1000000, {}, false, "trading"},
    {"TRADE_MAX_IN_FLIGHT", Type::integer, "16", "Transactions per wallet sent and not yet mined at once, at consecutive nonces", 1, 256, {}, false, "trading"},
    {"TRADE_STUCK_AFTER_S", Type::integer, "15", "A sent transaction not mined this long is rebroadcast, then replaced with a higher gas price", 1, 86400, {}, false, "trading"},
    {"GAS_BUMP_PCT", Type::integer, "12", "Gas price rise of a replacement (speed-up, cancel, stuck); BSC's pool needs at least 10", 10, 500, {}, false, "trading"},
    {"GAS_PRICE_MAX_GWEI", Type::number, "20", "Highest gas price a swap, a replacement or a cancel may pay", 0.001, 100000, {}, false, "trading"},
    // --- cache and websocket ---
    {"PRICE_CACHE_TTL_MS", Type::integer, "30000", "Price cache time-to-live", 100, 3600000, {}, false, "cache"},
    {"PRICE_CACHE_MAX_REQUESTS", Type::integer, "40", "Most RPC price requests per rate-limit window", 1, 100000, {}, false, "cache"},
    {"PRICE_CACHE_WINDOW_MS", Type::integer, "60000", "Length of the price rate-limit window", 100, 3600000, {}, false, "cache"},
    {"TOKENS_CACHE_TTL_MS", Type::integer, "60000", "GET /api/v1/tokens answers from its response cache this long (the manual's 1 min)", 0, 3600000, {}, false, "cache"},
    {"PAIRS_CACHE_TTL_MS", Type::integer, "30000", "GET /api/v1/pairs answers from its response cache this long (the manual's 30 s)", 0, 3600000, {}, false, "cache"},
    {"DASHBOARD_CACHE_TTL_MS", Type::integer, "10000", "GET /api/dashboard/overview answers from its response cache this long (the manual's 10 s)", 0, 3600000, {}, false, "cache"},
    {"WEBSOCKET_ENABLED", Type::boolean, "true", "Serve the /ws WebSocket", 0, 0, {}, false, "websocket"},
    {"HEARTBEAT_INTERVAL_MS", Type::integer, "30000", "WebSocket ping interval", 100, 3600000, {}, false, "websocket"},
    {"MAX_CONNECTIONS", Type::integer, "100", "Most WebSocket clients at once, counted from the upgrade request", 1, 100000, {}, false, "websocket"},
    {"WS_MAX_QUEUE_BYTES", Type::integer, "1048576", "Bytes queued for one WebSocket client that does not read; beyond this it is dropped", 16384, 1073741824, {}, false, "websocket"},
    // --- backups and reports ---
    {"BACKUP_DIR", Type::path, "backups", "Folder of database backups", 0, 0, {}, false, "backup"},
    {"BACKUP_KEEP_DAILY_DAYS", Type::integer, "30", "Days daily backups are kept", 1, 36500, {}, false, "backup"},
    {"BACKUP_KEEP_WEEKLY_DAYS", Type::integer, "90", "Days weekly (Sunday) backups are kept", 1, 36500, {}, false, "backup"},
    {"BACKUP_KEEP_MONTHLY_DAYS", Type::integer, "365", "Days monthly (1st) backups are kept", 1, 36500, {}, false, "backup"},
    {"BACKUP_MAX_AGE_HOURS", Type::integer, "24", "Newest good backup older than this is a finding", 1, 8760, {}, false, "backup"},
    {"BACKUP_COMPRESSION", Type::choice, "none", "Compression of database backups", 0, 0, {"none", "gzip", "zstd"}, false, "backup"},
    {"BACKUP_CHECK", Type::choice, "quick", "Check run on each new backup before it is kept (quick_check or the full integrity_check)", 0, 0, {"quick", "full", "none"}, false, "backup"},
    {"BACKUP_STEP_PAGES", Type::integer, "1024", "Database pages copied per step of an online backup", 1, 1048576, {}, false, "backup"},
    {"BACKUP_STEP_SLEEP_MS", Type::integer, "0", "Pause between the steps of an online backup, to leave disk bandwidth to the daemon", 0, 10000, {}, false, "backup"},
    {"BACKUP_NICE", Type::integer, "10", "CPU niceness backup and backup verify run at, so the daemon's commits come first (a caller already nicer keeps its own)", 0, 19, {}, false, "backup"},
    {"REPORTS_DIR", Type::path, "reports", "Folder of incident, audit and weekly reports", 0, 0, {}, false, "backup"},
    {"PLAYBOOK_DIR", Type::path, "", "Folder of playbooks (default: ./playbooks, then the installed share/bscbot/playbooks)", 0, 0, {}, false, "backup"},
    {"RECOVERY_TARGET_MINUTES", Type::integer, "30", "Recovery time target of the disaster-recovery drill", 1, 1440, {}, false, "backup"},
    // --- thresholds: the manual's key metrics table ---
    {"RESPONSE_TIME_WARN_MS", Type::integer, "200", "API response time warning level", 1, 600000, {}, false, "thresholds"},
    {"RESPONSE_TIME_CRIT_MS", Type::integer, "500", "API response time critical level", 1, 600000, {}, false, "thresholds"},
    {"SUCCESS_RATE_WARN_PCT", Type::number, "95", "Trade success rate below this warns", 0, 100, {}, false, "thresholds"},
    {"SUCCESS_RATE_CRIT_PCT", Type::number, "90", "Trade success rate below this is critical", 0, 100, {}, false, "thresholds"},
    {"DB_QUERY_P95_WARN_MS", Type::integer, "300", "Database query P95 warning level", 1, 600000, {}, false, "thresholds"},
    {"DB_QUERY_P95_CRIT_MS", Type::integer, "1000", "Database query P95 critical level", 1, 600000, {}, false, "thresholds"},
    {"MEMORY_WARN_MB", Type::integer, "512", "Daemon memory warning level", 1, 1048576, {}, false, "thresholds"},
    {"MEMORY_CRIT_MB", Type::integer, "1024", "Daemon memory critical level", 1, 1048576, {}, false, "thresholds"},
    {"CPU_WARN_PCT", Type::number, "30", "CPU usage warning level, in percent (bscbotd's is of one core and may pass 100)", 0, 6400, {}, false, "thresholds"},
    {"CPU_CRIT_PCT", Type::number, "70", "CPU usage critical level, in percent", 0, 6400, {}, false, "thresholds"},
    {"WS_CONNECTIONS_WARN", Type::integer, "100", "WebSocket connections warning level", 1, 1000000, {}, false, "thresholds"},
    {"WS_CONNECTIONS_CRIT", Type::integer, "500", "WebSocket connections critical level", 1, 1000000, {}, false, "thresholds"},
    {"CACHE_HIT_RATE_WARN_PCT", Type::number, "70", "Cache hit rate below this warns", 0, 100, {}, false, "thresholds"},
    {"CACHE_HIT_RATE_CRIT_PCT", Type::number, "50", "Cache hit rate below this is critical", 0, 100, {}, false, "thresholds"},
    {"ERROR_RATE_WARN_PCT", Type::number, "1", "HTTP error rate warning level", 0, 100, {}, false, "thresholds"},
    {"ERROR_RATE_CRIT_PCT", Type::number, "5", "HTTP error rate critical level", 0, 100, {}, false, "thresholds"},
    {"DISK_USAGE_WARN_PCT", Type::number, "70", "Disk usage warning level of the data and log folders", 0, 100, {}, false, "thresholds"},
    {"DISK_USAGE_CRIT_PCT", Type::number, "90", "Disk usage critical level", 0, 100, {}, false, "thresholds"},
    {"DISK_IO_WARN_PCT", Type::number, "80", "Utilisation of the disk holding the database (iostat -x's %util, from /proc/diskstats while `bscbot health` runs) that warns; above 100 never fires", 0, 1000, {}, false, "thresholds"},
    {"DISK_IO_CRIT_PCT", Type::number, "95", "Disk utilisation above this is critical", 0, 1000, {}, false, "thresholds"},
    {"DISK_FREE_MIN_MB", Type::integer, "64", "Free space on the data and log folders' filesystems below which /api/health and `bscbot health` say disk_full, while writes still work: room for the WAL, its checkpoint and the next writes", 1, 1048576, {}, false, "thresholds"},
    {"LOG_ERRORS_WARN", Type::integer, "10", "Error lines per day in the log that warn", 0, 1000000, {}, false, "thresholds"},
    {"LOG_ERRORS_CRIT", Type::integer, "100", "Error lines per day in the log that are critical", 0, 1000000, {}, false, "thresholds"},
    {"UNAUTHORIZED_WARN", Type::integer, "50", "401/403 answers per week that warn", 0, 1000000, {}, false, "thresholds"},
    {"SUSPICIOUS_AMOUNT_WEI", Type::wei, "1000000000000000000000", "Trades with amount_in above this (wei; 1000 BNB) are suspicious", 0, 0, {}, false, "thresholds"},
    {"UNAUTHORIZED_CRIT", Type::integer, "500", "401/403 answers per week that are critical", 0, 1000000, {}, false, "thresholds"},
    {"HOST_MEMORY_WARN_PCT", Type::number, "80", "Host memory in use (MemTotal - MemAvailable) warning level", 0, 100, {}, false, "thresholds"},
    {"HOST_MEMORY_CRIT_PCT", Type::number, "95", "Host memory in use critical level", 0, 100, {}, false, "thresholds"},
    {"TRADE_QUEUE_WARN_PCT", Type::number, "80", "Trade queue filled to this share of TRADE_QUEUE_MAX warns (full is critical)", 0, 100, {}, false, "thresholds"},
    {"TRADES_PER_HOUR_WARN", Type::integer, "1000", "Trades created in the last hour above this warn (the manual's HighTradeVolume)", 1, 100000000, {}, false, "thresholds"},
    {"DB_CONNECTION_ERRORS_CRIT", Type::integer, "10", "Database connection errors since bscbotd started above this are critical", 0, 1000000, {}, false, "thresholds"},
    {"DB_REPLICATION_LAG_WARN_S", Type::number, "10", "PostgreSQL replication lag (standby behind its primary) warning level, seconds", 0, 86400, {}, false, "thresholds"},
    {"DB_REPLICATION_LAG_CRIT_S", Type::number, "60", "PostgreSQL replication lag critical level, seconds", 0, 86400, {}, false, "thresholds"},
    {"DB_IDLE_TRANSACTION_WARN_S", Type::number, "60", "PostgreSQL: a session idle in an open transaction longer than this is named by `bscbot diagnose database`, seconds", 0, 86400, {}, false, "thresholds"},
    {"DB_FULL_WARN_DAYS", Type::number, "30", "Days until the database fills its disk, at the last day's growth, that warn", 0, 36500, {}, false, "thresholds"},
    {"DB_FULL_CRIT_DAYS", Type::number, "7", "Days until the database fills its disk that are critical", 0, 36500, {}, false, "thresholds"},
    {"JWT_ROTATION_DAYS", Type::integer, "90", "The audit asks to rotate JWT_SECRET when .env is older than this", 1, 36500, {}, false, "thresholds"},
    {"CERT_WARN_DAYS", Type::integer, "21", "PUBLIC_URL's certificate expiring in fewer days warns", 1, 3650, {}, false, "thresholds"},
    {"CERT_CRIT_DAYS", Type::integer, "7", "PUBLIC_URL's certificate expiring in fewer days is critical", 0, 3650, {}, false, "thresholds"},
    // --- notifications: channels, routes by severity, escalation (contacts: bscbot.yaml) ---
    {"NOTIFY_ENABLED", Type::boolean, "true", "Send notifications (bscbotd's health transitions, Alertmanager alerts, failed backups, drills, playbooks and audits, new incidents)", 0, 0, {}, false, "notify"},
    {"NOTIFY_WEBHOOK_URL", Type::url, "", "Generic JSON webhook for contacts with `webhook: true` (the whole message as JSON)", 0, 0, {}, true, "notify"},
    {"NOTIFY_SLACK_WEBHOOK_URL", Type::url, "", "Slack incoming webhook (or a Slack-compatible one: Mattermost, Rocket.Chat) for contacts with `slack`", 0, 0, {}, true, "notify"},
    {"NOTIFY_DISCORD_WEBHOOK_URL", Type::url, "", "Discord webhook for contacts with `discord: true`", 0, 0, {}, true, "notify"},
    {"NOTIFY_TELEGRAM_BOT_TOKEN", Type::text, "", "Telegram bot token; contacts with `telegram: CHAT_ID` get sendMessage", 0, 0, {}, true, "notify"},
    {"NOTIFY_TELEGRAM_API_URL", Type::url, "https://api.telegram.org", "Base URL of the Telegram Bot API (a local Bot API server, or a test sink)", 0, 0, {}, false, "notify"},
    {"NOTIFY_SMTP_URL", Type::url, "", "Mail server for contacts with `email`: smtp://host:587 (STARTTLS) or smtps://host:465 (the manual's `mail -s`)", 0, 0, {}, false, "notify"},
    {"NOTIFY_SMTP_TLS", Type::choice, "starttls", "TLS on smtp:// URLs: starttls (required), try (use it when offered), none; smtps:// is always TLS", 0, 0, {"starttls", "try", "none"}, false, "notify"},
    {"NOTIFY_SMTP_CA_FILE", Type::path, "", "CA certificates to verify the mail server with (default: the system's)", 0, 0, {}, false, "notify"},
    {"NOTIFY_SMTP_USER", Type::text, "", "SMTP user name (AUTH); empty for a relay without login", 0, 0, {}, false, "notify"},
    {"NOTIFY_SMTP_PASSWORD", Type::text, "", "SMTP password", 0, 0, {}, true, "notify"},
    {"NOTIFY_SMTP_FROM", Type::text, "bscbot@localhost", "Sender address of alert mail", 0, 0, {}, false, "notify"},
    {"NOTIFY_ROUTE_CRITICAL", Type::list, "primary,secondary", "Contacts of S1/critical alerts (15-minute response): both on-call engineers at once", 0, 0, {}, false, "notify"},
    {"NOTIFY_ROUTE_HIGH", Type::list, "primary", "Contacts of S2/high and warning alerts (1-hour response)", 0, 0, {}, false, "notify"},
    {"NOTIFY_ROUTE_MEDIUM", Type::list, "team", "Contacts of S3/medium alerts (4-hour response)", 0, 0, {}, false, "notify"},
    {"NOTIFY_ROUTE_LOW", Type::list, "team", "Contacts of S4/low alerts (24-hour response)", 0, 0, {}, false, "notify"},
    {"NOTIFY_ROUTE_INFO", Type::list, "team", "Contacts of info alerts (24-hour response)", 0, 0, {}, false, "notify"},
    {"NOTIFY_ESCALATE_AFTER_MIN", Type::integer, "15", "A critical or high alert not acknowledged (`bscbot incident ack ID`) this long is escalated (0: never)", 0, 10080, {}, false, "notify"},
    {"NOTIFY_ESCALATE_TO", Type::list, "secondary", "Contacts an unacknowledged alert is escalated to", 0, 0, {}, false, "notify"},
    {"NOTIFY_REPEAT_MIN", Type::integer, "60", "One message per problem per this many minutes while it lasts (a worse severity is sent at once)", 1, 10080, {}, false, "notify"},
    {"NOTIFY_RETRIES", Type::integer, "3", "Retries of a failed delivery", 0, 10, {}, false, "notify"},
    {"NOTIFY_RETRY_BACKOFF_MS", Type::integer, "1000", "Wait before the first retry; doubles for each further one", 10, 600000, {}, false, "notify"},
    {"NOTIFY_TIMEOUT_MS", Type::integer, "10000", "Time allowed for one delivery attempt", 100, 120000, {}, false, "notify"},
    {"NOTIFY_HEALTH_INTERVAL_S", Type::integer, "60", "bscbotd runs the health checks this often and notifies on transitions (0: never)", 0, 86400, {}, false, "notify"},
    {"NOTIFY_ALERTS_TOKEN", Type::text, "", "Bearer token Alertmanager sends to POST /api/v1/alerts (unset: the route refuses every request)", 0, 0, {}, true, "notify"},
    {"NOTIFY_LOG_MAX_KB", Type::integer, "1024", "Size at which the delivery log (LOG_DIR/notifications.jsonl) rotates", 1, 1048576, {}, false, "notify"},
    {"NOTIFY_LOG_MAX_FILES", Type::integer, "5", "Rotated delivery logs kept", 1, 1000, {}, false, "notify"},
    {"NOTIFY_SOURCE", Type::text, "", "Name of this deployment in messages (default: the host name)", 0, 0, {}, false, "notify"},
    // --- metric samples: what bscbotd keeps for the weekly report ---
    {"METRIC_SAMPLE_INTERVAL_S", Type::integer, "300", "bscbotd stores request, latency, cache and size samples this often", 1, 86400, {}, false, "metrics"},
    {"METRIC_RETENTION_DAYS", Type::integer, "35", "Metric samples older than this are deleted", 8, 3650, {}, false, "metrics"},
    {"STATUS_PAGE_REFRESH_S", Type::integer, "30", "The status page (GET / on bscbotd) reloads itself this often (0: never)", 0, 3600, {}, false, "metrics"},
};

}  // namespace

std::span<const Setting> all_settings() { return k_settings; }

const Setting* find_setting(std::string_view name) {
  for (const Setting& s : k_settings) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t prev = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cur = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev = cur;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string closest_setting(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string best;
  std::size_t best_distance = 4;
  for (const Setting& s : k_settings) {
    const std::size_t d = edit_distance(upper, s.name);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(s.name);
    }
  }
  return best;
}

std::string yaml_key(std::string_view name) {
  std::string key(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace bscbot::core::config
