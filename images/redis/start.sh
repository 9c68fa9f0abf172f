#!/bin/sh
# Starts Redis with the add-on's password, from a config file in the container's own /tmp so the
# password is neither on the command line nor in the volume.
set -eu
umask 077
printf 'requirepass "%s"\n' "$REDIS_PASSWORD" > /tmp/redis.conf
exec redis-server /tmp/redis.conf --bind '* -::*' --protected-mode no --port 6379 --dir /var/lib/redis/data --appendonly yes
