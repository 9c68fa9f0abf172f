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
