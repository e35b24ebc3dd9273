#!/usr/bin/env bash
# Starts the action server, then the Rasa server (or `rasa shell` with --shell), and
# stops the action server again on exit. Called by `make run` and `make shell`.
#
# Environment (all optional):
#   RASA_PORT, ACTIONS_PORT   ports (default 5005, 5055)
#   RASA_TOKEN                token for the HTTP API; generated and printed when unset
#   WIDGET_PORT               port of the demo clinic page (default 8000)
#   ALLOWED_ORIGINS           space-separated origins allowed by CORS and the socket
#                             (default: the demo page)
#   CLINIC_NAME, CLINIC_PHONE, CLINIC_BOOKING_URL, EMERGENCY_NUMBER   clinic details
#   RETENTION_DAYS            stored conversations idle longer than this are deleted
#                             (default 30; checked at start and then daily)
#   Channel variables (TELEGRAM_*, TWILIO_*, SLACK_*, FACEBOOK_*): see docs/channels.md
set -euo pipefail
cd "$(dirname "$0")/.."

RASA_PORT=${RASA_PORT:-5005}
ACTIONS_PORT=${ACTIONS_PORT:-5055}
MODEL=${MODEL:-models/hamstring.tar.gz}
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
WIDGET_PORT=${WIDGET_PORT:-8000}
ALLOWED_ORIGINS=${ALLOWED_ORIGINS:-http://localhost:${WIDGET_PORT} http://127.0.0.1:${WIDGET_PORT}}
# Origins allowed to open the widget's socket (widget/channel.py).
export WIDGET_ALLOWED_ORIGINS=${WIDGET_ALLOWED_ORIGINS:-${ALLOWED_ORIGINS// /,}}
mkdir -p var build logs

if [ -z "${RASA_TOKEN:-}" ]; then
  RASA_TOKEN=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')
  echo "RASA_TOKEN was not set; this run's HTTP API token is: $RASA_TOKEN"
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    pkill -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

sed "s#http://localhost:5055/webhook#http://localhost:${ACTIONS_PORT}/webhook#" endpoints.yml > build/endpoints.yml
.venv/bin/python -m channels.credentials --base credentials.yml --output build/credentials.yml --print-live

# The embedded SQLite tracker store (endpoints.yml), for "delete my conversation" and
# the retention job (privacy/).
export TRACKER_DB_URL=${TRACKER_DB_URL:-sqlite:///var/conversations.db}
(
  while true; do
    .venv/bin/python -m privacy.retention --days "${RETENTION_DAYS:-30}" >> logs/retention.log 2>&1
    sleep 86400
  done
) &
pids+=($!)

.venv/bin/rasa run actions --port "$ACTIONS_PORT" --actions actions > logs/actions.log 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  curl -fsS "http://localhost:${ACTIONS_PORT}/health" > /dev/null 2>&1 && break
  sleep 1
done
echo "Action server: http://localhost:${ACTIONS_PORT} (log: logs/actions.log)"

if [ "${1:-}" = "--shell" ]; then
  .venv/bin/rasa shell --model "$MODEL" --endpoints build/endpoints.yml
  exit 0
fi

WIDGET_PORT=$WIDGET_PORT WIDGET_RASA_URL="http://localhost:${RASA_PORT}" \
  make --no-print-directory widget-serve > logs/widget.log 2>&1 &
pids+=($!)

(
  for _ in $(seq 1 600); do
    if curl -fsS "http://localhost:${RASA_PORT}/" > /dev/null 2>&1; then
      echo
      echo "The assistant is ready."
      echo "  Web chat (demo clinic page): http://localhost:${WIDGET_PORT}/"
      echo "  REST:    curl -s localhost:${RASA_PORT}/webhooks/rest/webhook -d '{\"sender\":\"me\",\"message\":\"hi\"}'"
      echo "  HTTP API: http://localhost:${RASA_PORT}/status?token=<RASA_TOKEN>"
      echo "  Terminal chat: make shell"
      exit 0
    fi
    sleep 1
  done
) &

.venv/bin/rasa run --model "$MODEL" --port "$RASA_PORT" \
  --enable-api --auth-token "$RASA_TOKEN" \
  --cors $ALLOWED_ORIGINS \
  --endpoints build/endpoints.yml --credentials build/credentials.yml
