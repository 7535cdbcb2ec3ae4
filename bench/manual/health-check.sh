#!/bin/bash
# scripts/health-check.sh from the operations manual ("Health Check Script"), copied for the
# side-by-side timing in bench/run (scenario health). Adapted only in its port (PORT, default
# 10001, instead of the literal 10001); paths are the manual's, relative to the deployment folder.
PORT=${PORT:-10001}

echo "=== BSC Trading Bot Health Check ==="
echo ""

# API健康 API Health
echo "1. API Health:"
curl -s http://localhost:$PORT/api/health | jq '.'
echo ""

# 数据库状态 Database Status
echo "2. Database Status:"
sqlite3 data/trading-bot.sqlite "PRAGMA integrity_check;"
echo ""

# 最近交易 Recent Trades
echo "3. Recent Trades (Last 24h):"
sqlite3 data/trading-bot.sqlite \
  "SELECT COUNT(*) as total,
          SUM(CASE WHEN status='completed' THEN 1 ELSE 0 END) as success,
          SUM(CASE WHEN status='failed' THEN 1 ELSE 0 END) as failed
   FROM trades WHERE created_at > datetime('now', '-1 day');"
echo ""

# 系统资源 System Resources
echo "4. System Resources:"
echo "CPU: $(top -bn1 | grep "Cpu(s)" | awk '{print $2}')"
echo "Memory: $(free -m | awk 'NR==2{printf "%.2f%%", $3*100/$2}')"
echo "Disk: $(df -h | grep -E '(data|logs)' | awk '{print $5}')"
echo ""

# WebSocket状态 WebSocket Status
echo "5. WebSocket Status:"
netstat -an | grep :$PORT | grep ESTABLISHED | wc -l
echo " active connections"
