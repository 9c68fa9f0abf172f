# Shared steps of scripts/demo and scripts/test: host set-up, npm dependencies, build, images.
# Sourced, not run.

say() { printf '==> %s\n' "$*"; }

# Installs the locked dependency tree when package-lock.json changed since the last install
# (better-sqlite3 compiles from source, about a minute). `npm install` rather than `npm ci`:
# this npm leaves other platforms' optional packages (rollup's, esbuild's) out of the lock
# file and then `npm ci` refuses that same file as out of sync; `npm install` installs the
# locked versions and leaves the lock file as it is.
install_node_modules() {
  local stamp=node_modules/.berth-lock-hash want
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    say "npm dependencies up to date"
  else
    say "installing npm dependencies"
    npm install --no-audit --no-fund
    echo "$want" >"$stamp"
  fi
}

build_berth() {
  say "building Berth (tsc, and the dashboard with esbuild)"
  npm run --silent build
}

# Base images from Debian's mirror; the host's CA bundle is trusted inside them when present.
bootstrap_images() {
  local ca=()
  [ -f /etc/ssl/certs/ca-certificates.crt ] && ca=(--ca-file /etc/ssl/certs/ca-certificates.crt)
  say "base images (berth images bootstrap)"
  ./bin/berth images bootstrap "${ca[@]}" | grep -E '^(----->|images ready|error|hint)' || return "${PIPESTATUS[0]}"
}

# Arguments go to scripts/setup-host (scripts/test passes --browser).
prepare_everything() {
  say "host set-up (scripts/setup-host $*)"
  scripts/setup-host "$@"
  install_node_modules
  build_berth
  bootstrap_images
}

# --- What a running Berth made, and taking it away again (scripts/demo stop, scripts/uninstall) ---

# The command that puts `berth` on PATH: a symlink to this clone's bin/berth (which finds its
# dist/ through the link). Only a missing link or one to a bin/berth is replaced.
CLI_LINK=${BERTH_CLI_LINK:-/usr/local/bin/berth}

link_cli() {
  local target=$PWD/bin/berth current
  if [ -L "$CLI_LINK" ]; then
    current=$(readlink "$CLI_LINK")
    [ "$current" = "$target" ] && { say "berth is on PATH ($CLI_LINK -> $target)"; return 0; }
    case "$current" in */bin/berth) ;; *) say "left $CLI_LINK alone: it points to $current"; return 0 ;; esac
  elif [ -e "$CLI_LINK" ]; then
    say "left $CLI_LINK alone: it is not a symlink; run this clone's CLI as $target"
    return 0
  fi
  if ln -sfn "$target" "$CLI_LINK" 2>/dev/null; then
    say "berth is on PATH: $CLI_LINK -> $target"
  else
    say "could not write $CLI_LINK; run the CLI as $target (or link it yourself)"
  fi
}

unlink_cli() {
  if [ -L "$CLI_LINK" ] && [ "$(readlink "$CLI_LINK")" = "$PWD/bin/berth" ]; then
    rm -f "$CLI_LINK" && say "removed $CLI_LINK"
  fi
}

# True while <pid> runs (a zombie, which kill -0 still finds, does not count).
pid_alive() {
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
  [ "$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# True when <pid>'s command line has an argument that names the same file as <path>: a pid file
# can outlive its process and the number can go to another one.
pid_runs_file() { # <pid> <path>
  local want arg
  want=$(readlink -f "$2" 2>/dev/null) || return 1
  [ -r "/proc/$1/cmdline" ] || return 1
  while IFS= read -r -d '' arg; do
    [ "$(readlink -f "$arg" 2>/dev/null)" = "$want" ] && return 0
  done <"/proc/$1/cmdline"
  return 1
}

# SIGTERM, then waits until the process is gone (SIGKILL after <seconds>). Returning only once
# it has exited is the point: what it would restart or write is safe to remove afterwards.
stop_and_wait() { # <pid> <what> <seconds>
  local pid=$1 what=$2 limit=$(( ${3:-30} * 10 )) i
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < limit; i++)); do
    pid_alive "$pid" || { say "stopped $what (pid $pid)"; return 0; }
    sleep 0.1
  done
  say "$what (pid $pid) did not stop within $(( limit / 10 ))s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do pid_alive "$pid" || return 0; sleep 0.1; done
  say "$what (pid $pid) is still there"
  return 1
}

# The id Berth keeps in its database: every container and network it makes carries the label
# berth.instance=<id>, so another Berth (or a test run) on the same engine is left alone.
berth_instance_id() { # <data dir>
  [ -f "$1/berth.db" ] || return 0
  node -e '
    const Database = require("better-sqlite3");
    const db = new Database(process.argv[1], { readonly: true, fileMustExist: true });
    const row = db.prepare("SELECT value FROM meta WHERE key = ?").get("instance_id");
    if (row) process.stdout.write(row.value);
  ' "$1/berth.db"
}

# The Caddy processes Berth started for <data dir> (their pid files are in <data dir>/proxy).
stop_berth_caddies() { # <data dir>: the edge Caddy, the router (and a routing Caddy of older Berths)
  local name pidfile pid mark
  for name in caddy caddy-edge router; do
    pidfile=$1/proxy/$name.pid
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    # A Caddy's command line names its config file; the router's names the proxy folder.
    mark=$1/proxy/$name.json
    [ "$name" = router ] && mark=$1/proxy
    if pid_alive "$pid" && pid_runs_file "$pid" "$mark"; then
      stop_and_wait "$pid" "the $name process Berth started" 10
    fi
    rm -f "$pidfile"
  done
}

# Containers and networks labelled with <data dir>'s instance: apps, one-off runs, previews.
remove_berth_containers() { # <data dir>
  local id ids nets
  id=$(berth_instance_id "$1") || { say "could not read Berth's instance id from $1/berth.db"; return 1; }
  [ -n "$id" ] || { say "no Berth database in $1: no containers to remove"; return 0; }
  command -v docker >/dev/null || { say "no docker command: cannot remove Berth's containers"; return 1; }
  mapfile -t ids < <(docker ps -aq --filter "label=berth.instance=$id")
  if [ ${#ids[@]} -gt 0 ]; then
    docker stop --time 5 "${ids[@]}" >/dev/null 2>&1 || true
    docker rm -f "${ids[@]}" >/dev/null
    say "removed ${#ids[@]} container(s) of Berth instance $id"
  fi
  mapfile -t nets < <(docker network ls -q --filter "label=berth.instance=$id")
  if [ ${#nets[@]} -gt 0 ]; then
    docker network rm "${nets[@]}" >/dev/null && say "removed ${#nets[@]} network(s) of Berth instance $id"
  fi
}
