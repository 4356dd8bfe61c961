#!/usr/bin/env bash
# Serve the hall with gunicorn and run the task worker beside it; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

$PY manage.py db_worker --queue-name '*' --interval 1 &
worker=$!
$PY manage.py periodic --loop "${PERIODIC_SECONDS:-600}" > /dev/null &
periodic=$!
trap 'kill $worker $periodic 2>/dev/null || true' EXIT INT TERM

echo "社会保险网上经办服务大厅: http://$HOST:$PORT/  (Ctrl-C 停止)"
.venv/bin/gunicorn shebao.wsgi:application \
  --bind "$HOST:$PORT" --workers "${WEB_WORKERS:-2}" --threads "${WEB_THREADS:-4}" \
  --access-logfile - --log-level warning
