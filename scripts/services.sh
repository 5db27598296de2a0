#!/usr/bin/env bash
# Makes sure the local Redis and PostgreSQL that tests use are running (starts them if they are installed
# but stopped). Prints what it did; never fails the caller when a service is simply not installed.
set -u
if command -v redis-cli >/dev/null 2>&1; then
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "services: starting redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    for _ in $(seq 1 50); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && echo "services: redis up" || echo "services: redis NOT available"
fi
if command -v pg_isready >/dev/null 2>&1; then
  if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
    echo "services: starting postgresql"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 50); do pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1 && break; sleep 0.2; done
  fi
  pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1 && echo "services: postgresql up" || echo "services: postgresql NOT available"
fi
exit 0
