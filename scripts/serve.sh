#!/usr/bin/env bash
# Serve the hall with gunicorn and run the task worker beside it; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

# Static files under hashed names (and their manifest), as the pages refer to them.
$PY manage.py collectstatic --noinput -v 0

# The worker logs only warnings here so the terminal stays readable.
SHEBAO_LOG_LEVEL=${WORKER_LOG_LEVEL:-WARNING} $PY manage.py db_worker --queue-name '*' --interval 1 &
worker=$!
SHEBAO_LOG_LEVEL=WARNING $PY manage.py periodic --loop "${PERIODIC_SECONDS:-600}" > /dev/null &
periodic=$!
trap 'kill $worker $periodic 2>/dev/null || true' EXIT INT TERM

echo
echo "社会保险网上经办服务大厅: http://$HOST:$PORT/  (Ctrl-C 停止)"
if [ "${SHEBAO_DEMO:-}" = "1" ]; then
  echo "演示账号与密码见上表；短信验证码见 http://$HOST:$PORT/notifications/outbox/"
fi
.venv/bin/gunicorn shebao.wsgi:application \
  --bind "$HOST:$PORT" --workers "${WEB_WORKERS:-2}" --threads "${WEB_THREADS:-4}" \
  --access-logfile - --log-level warning
