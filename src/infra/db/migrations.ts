// Versioned schema migrations, applied in order inside one transaction each; the schema
// version is SQLite's user_version. Append new entries; never edit an applied one.

export const MIGRATIONS: readonly string[] = [
  // 1: apps, builds, deployments, events, meta
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE apps (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    port INTEGER,
    healthcheck TEXT NOT NULL DEFAULT '{}',
    env TEXT NOT NULL DEFAULT '{}',
    domains TEXT NOT NULL DEFAULT '[]',
    current_deployment_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  CREATE TABLE builds (
    id INTEGER PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    source_kind TEXT NOT NULL CHECK (source_kind IN ('upload', 'git', 'image')),
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    image TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX builds_app ON builds(app_id);

  CREATE TABLE deployments (
    id INTEGER PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    build_id INTEGER NOT NULL REFERENCES builds(id) ON DELETE CASCADE,
    image TEXT,
    port INTEGER,
    status TEXT NOT NULL,
    reason TEXT,
    containers TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX deployments_app ON deployments(app_id);

  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    app_id INTEGER REFERENCES apps(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX events_app ON events(app_id);
  `,
  // 2: a digest of what a build was made from, so an unchanged source reuses its image
  `ALTER TABLE builds ADD COLUMN source_digest TEXT;`,
  // 3: config vars (sealed) and releases (image + sealed config snapshot), vN per app
  `
  CREATE TABLE config_vars (
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (app_id, key)
  );

  CREATE TABLE releases (
    id INTEGER PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    deployment_id INTEGER REFERENCES deployments(id) ON DELETE SET NULL,
    image TEXT NOT NULL,
    config TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (app_id, version)
  );
  `,
  // 4: process formation (desired quantities per type) and each deployment's process commands
  `
  ALTER TABLE apps ADD COLUMN formation TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE deployments ADD COLUMN processes TEXT NOT NULL DEFAULT '{}';
  `,
  // 5: users and their API tokens (stored only as SHA-256 hashes)
  `
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    created_at TEXT NOT NULL
  );

  CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    expires_at TEXT,
    last_used_at TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL
  );
  CREATE INDEX tokens_user ON tokens(user_id);
  `,
  // 6: the audit log: who changed what, through the API
  `
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    app TEXT,
    status INTEGER NOT NULL
  );
  CREATE INDEX audit_app ON audit(app);
  `,
  // 7: app names unique per owner (the apps table is rebuilt: SQLite cannot drop a UNIQUE),
  // and memberships: which owners a non-admin user may act for
  `
  CREATE TABLE apps_new (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    port INTEGER,
    healthcheck TEXT NOT NULL DEFAULT '{}',
    env TEXT NOT NULL DEFAULT '{}',
    domains TEXT NOT NULL DEFAULT '[]',
    current_deployment_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    formation TEXT NOT NULL DEFAULT '{}',
    UNIQUE (owner, name)
  );
  INSERT INTO apps_new (id, name, owner, port, healthcheck, env, domains, current_deployment_id, created_at, updated_at, formation)
    SELECT id, name, owner, port, healthcheck, env, domains, current_deployment_id, created_at, updated_at, formation FROM apps;
  DROP TABLE apps;
  ALTER TABLE apps_new RENAME TO apps;

  CREATE TABLE memberships (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    PRIMARY KEY (user_id, owner)
  );
  `,
  // 8: owners (with what an admin allows them: custom domains, Linux capabilities), apps'
  // declared capabilities, web sessions, and optional passwords for the dashboard's login
  `
  CREATE TABLE owners (
    name TEXT PRIMARY KEY,
    domains TEXT NOT NULL DEFAULT '[]',
    capabilities TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
  );
  INSERT OR IGNORE INTO owners (name, created_at) VALUES ('default', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
  INSERT OR IGNORE INTO owners (name, created_at) SELECT DISTINCT owner, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM apps;
  INSERT OR IGNORE INTO owners (name, created_at) SELECT DISTINCT owner, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM memberships;

  ALTER TABLE apps ADD COLUMN capabilities TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE users ADD COLUMN password_hash TEXT;

  CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash TEXT NOT NULL UNIQUE,
    csrf TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX sessions_user ON sessions(user_id);
  `,
  // 9: CPU and memory samples per app, for the dashboard's charts (kept a day)
  `
  CREATE TABLE metrics (
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    cpu_percent REAL NOT NULL,
    memory_bytes INTEGER NOT NULL
  );
  CREATE INDEX metrics_app_at ON metrics(app_id, at);
  `,
  // 10: deploys the way teams work: the branch pushes and webhooks deploy, the sealed webhook
  // secret, previews (parent app, pull request, expiry), promotion targets, seen deliveries
  `
  ALTER TABLE apps ADD COLUMN deploy_branch TEXT NOT NULL DEFAULT 'main';
  ALTER TABLE apps ADD COLUMN webhook_secret TEXT;
  ALTER TABLE apps ADD COLUMN parent_app_id INTEGER REFERENCES apps(id) ON DELETE SET NULL;
  ALTER TABLE apps ADD COLUMN pr_number INTEGER;
  ALTER TABLE apps ADD COLUMN expires_at TEXT;
  ALTER TABLE apps ADD COLUMN promote_to_app_id INTEGER REFERENCES apps(id) ON DELETE SET NULL;

  CREATE TABLE webhook_deliveries (
    delivery_id TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    received_at TEXT NOT NULL
  );
  `,
  // 11: tenant boundaries: whether a fork's pull-request previews get the parent's config (an
  // admin's choice), the token a dashboard session was opened with (it ends with the token), and
  // digests of webhook bodies (a signed body is accepted once, whatever delivery id it carries)
  `
  ALTER TABLE apps ADD COLUMN fork_config INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN token_id INTEGER REFERENCES tokens(id) ON DELETE CASCADE;
  CREATE TABLE webhook_bodies (
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (app_id, digest)
  );
  `,
  // 12: ids of apps, builds and deployments are never reused: a plain INTEGER PRIMARY KEY takes
  // max(id) + 1, so after a destroy the next app got the destroyed one's id (and its images'
  // :d<deployment> tags). AUTOINCREMENT needs the tables rebuilt; rows and ids are kept.
  `
  CREATE TABLE apps_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    port INTEGER,
    healthcheck TEXT NOT NULL DEFAULT '{}',
    env TEXT NOT NULL DEFAULT '{}',
    domains TEXT NOT NULL DEFAULT '[]',
    current_deployment_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    formation TEXT NOT NULL DEFAULT '{}',
    capabilities TEXT NOT NULL DEFAULT '[]',
    deploy_branch TEXT NOT NULL DEFAULT 'main',
    webhook_secret TEXT,
    parent_app_id INTEGER REFERENCES apps(id) ON DELETE SET NULL,
    pr_number INTEGER,
    expires_at TEXT,
    promote_to_app_id INTEGER REFERENCES apps(id) ON DELETE SET NULL,
    fork_config INTEGER NOT NULL DEFAULT 0,
    UNIQUE (owner, name)
  );
  INSERT INTO apps_new (id, name, owner, port, healthcheck, env, domains, current_deployment_id, created_at, updated_at, formation, capabilities, deploy_branch, webhook_secret, parent_app_id, pr_number, expires_at, promote_to_app_id, fork_config)
    SELECT id, name, owner, port, healthcheck, env, domains, current_deployment_id, created_at, updated_at, formation, capabilities, deploy_branch, webhook_secret, parent_app_id, pr_number, expires_at, promote_to_app_id, fork_config FROM apps;
  DROP TABLE apps;
  ALTER TABLE apps_new RENAME TO apps;

  CREATE TABLE builds_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    source_kind TEXT NOT NULL CHECK (source_kind IN ('upload', 'git', 'image')),
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    image TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    source_digest TEXT
  );
  INSERT INTO builds_new (id, app_id, source_kind, source, status, image, error, created_at, finished_at, source_digest)
    SELECT id, app_id, source_kind, source, status, image, error, created_at, finished_at, source_digest FROM builds;
  DROP TABLE builds;
  ALTER TABLE builds_new RENAME TO builds;
  CREATE INDEX builds_app ON builds(app_id);

  CREATE TABLE deployments_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    build_id INTEGER NOT NULL REFERENCES builds(id) ON DELETE CASCADE,
    image TEXT,
    port INTEGER,
    status TEXT NOT NULL,
    reason TEXT,
    containers TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    processes TEXT NOT NULL DEFAULT '{}'
  );
  INSERT INTO deployments_new (id, app_id, build_id, image, port, status, reason, containers, created_at, updated_at, processes)
    SELECT id, app_id, build_id, image, port, status, reason, containers, created_at, updated_at, processes FROM deployments;
  DROP TABLE deployments;
  ALTER TABLE deployments_new RENAME TO deployments;
  CREATE INDEX deployments_app ON deployments(app_id);
  `,
  // 13: per-owner quotas an admin sets (NULL: the server's default, BERTH_QUOTA_*)
  `
  ALTER TABLE owners ADD COLUMN quota_apps INTEGER;
  ALTER TABLE owners ADD COLUMN quota_previews INTEGER;
  ALTER TABLE owners ADD COLUMN quota_runs INTEGER;
  `,
  // 14: the step images a build made as it went, so the ones an interrupted build leaves
  // untagged can be removed after a restart (the classic builder labels only the final image)
  `
  ALTER TABLE builds ADD COLUMN step_images TEXT NOT NULL DEFAULT '[]';
  `,
  // 15: a release owns what it runs with: each deployment and release keeps its spec (JSON:
  // processes, formation, port, health check, env, domains, capabilities, limits), applied to
  // the app only when the deployment is live; per-app limits; and the durable route pin: the
  // deployment the proxy is switched to while the switch is not yet recorded (NULL: current)
  `
  ALTER TABLE deployments ADD COLUMN spec TEXT;
  ALTER TABLE releases ADD COLUMN spec TEXT;
  ALTER TABLE apps ADD COLUMN limits TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE apps ADD COLUMN routing_deployment_id INTEGER;
  `,
  // 16: the edge: whether an app has https (berth.yml `tls: false` opts out) and HSTS
  `
  ALTER TABLE apps ADD COLUMN tls INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE apps ADD COLUMN hsts INTEGER NOT NULL DEFAULT 0;
  `,
  // 17: Heroku's process model: web runs one container and every other type none unless scaled.
  // Apps deployed before ran one of every type: their formation (and the specs their releases
  // keep, for rollbacks) now says so explicitly, so nothing stops on upgrade. Chosen quantities win.
  `
  UPDATE apps SET formation = json_patch(
    COALESCE((SELECT json_group_object(p.key, 1) FROM deployments d, json_each(d.processes) p WHERE d.id = apps.current_deployment_id AND p.key != 'release'), '{}'),
    formation)
  WHERE current_deployment_id IS NOT NULL;
  UPDATE deployments SET spec = json_set(spec, '$.formation', json(json_patch(
    COALESCE((SELECT json_group_object(p.key, 1) FROM json_each(deployments.spec, '$.processes') p WHERE p.key != 'release'), '{}'),
    COALESCE(json_extract(spec, '$.formation'), '{}'))))
  WHERE spec IS NOT NULL AND json_valid(spec);
  UPDATE releases SET spec = json_set(spec, '$.formation', json(json_patch(
    COALESCE((SELECT json_group_object(p.key, 1) FROM json_each(releases.spec, '$.processes') p WHERE p.key != 'release'), '{}'),
    COALESCE(json_extract(spec, '$.formation'), '{}'))))
  WHERE spec IS NOT NULL AND json_valid(spec);
  `,
  // 18: scheduled jobs (app.json `cron`): the live release's jobs on the app; per job, the time
  // up to which its due times were handled (a restart runs a missed one once, not once per
  // miss); its runs with exit code and output tail (the last 20 are kept per job)
  `
  ALTER TABLE apps ADD COLUMN cron TEXT NOT NULL DEFAULT '[]';
  CREATE TABLE cron_state (
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    job_id TEXT NOT NULL,
    handled_through TEXT NOT NULL,
    PRIMARY KEY (app_id, job_id)
  );
  CREATE TABLE cron_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    job_id TEXT NOT NULL,
    trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    exit_code INTEGER,
    error TEXT,
    output TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX cron_runs_job ON cron_runs(app_id, job_id, id);
  `,
  // 19: named volumes of the live release (berth.yml `volumes: {data: /data}`): name -> mount path
  `
  ALTER TABLE apps ADD COLUMN volumes TEXT NOT NULL DEFAULT '{}';
  `,
  // 20: notification endpoints per owner (generic and Slack webhooks): URL and signing secret
  // sealed, the events each wants, and the outcome of its last delivery
  `
  CREATE TABLE notify_endpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL REFERENCES owners(name) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('webhook', 'slack')),
    url TEXT NOT NULL,
    target TEXT NOT NULL,
    secret TEXT,
    events TEXT NOT NULL DEFAULT '[]',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_status TEXT CHECK (last_status IN ('ok', 'retrying', 'failed')),
    last_event TEXT,
    last_code INTEGER,
    last_error TEXT,
    last_at TEXT
  );
  CREATE INDEX notify_endpoints_owner ON notify_endpoints(owner);
  `,
  // 21: add-ons (managed PostgreSQL and Redis) per owner, the password sealed, and the apps each
  // is attached to under which config var
  `
  CREATE TABLE addons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL REFERENCES owners(name) ON DELETE CASCADE,
    type TEXT NOT NULL CHECK (type IN ('postgres', 'redis')),
    version TEXT NOT NULL,
    password TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE addon_attachments (
    addon_id INTEGER NOT NULL REFERENCES addons(id) ON DELETE CASCADE,
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    env_var TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (addon_id, app_id)
  );
  CREATE INDEX addon_attachments_app ON addon_attachments(app_id);
  `,
  // 22: backups (issue #20). events.owner: the owner an event of no app is about (add-on
  // backups), so notifications reach it. Master keys (sealed; at most one active, old ones stay
  // for old backups); destinations per owner (config JSON, credentials sealed); one policy per
  // source (schedules, retention, how far each schedule was handled); the backups with their
  // check (sizes, sha256 of the stored object, counts JSON) and last drill (detail JSON). Text
  // ids, unique across servers, so a new server can import a destination's backups. A
  // destination a policy names cannot be deleted; a backup keeps a removed destination's id.
  `
  ALTER TABLE events ADD COLUMN owner TEXT;
  CREATE TABLE backup_keys (
    id TEXT PRIMARY KEY,
    sealed_key TEXT NOT NULL,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    exported_at TEXT
  );
  CREATE UNIQUE INDEX backup_keys_one_active ON backup_keys(active) WHERE active = 1;
  CREATE TABLE backup_destinations (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL REFERENCES owners(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('local', 's3')),
    config TEXT NOT NULL DEFAULT '{}',
    sealed_credentials TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (owner, name)
  );
  CREATE TABLE backup_policies (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL REFERENCES owners(name) ON DELETE CASCADE,
    source_kind TEXT NOT NULL CHECK (source_kind IN ('addon', 'volume')),
    source TEXT NOT NULL,
    app_id INTEGER REFERENCES apps(id) ON DELETE CASCADE,
    destination_id TEXT REFERENCES backup_destinations(id),
    schedule TEXT,
    keep_daily INTEGER,
    keep_weekly INTEGER,
    drill_schedule TEXT,
    handled_through TEXT,
    drill_handled_through TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (source_kind, source)
  );
  CREATE TABLE backups (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL REFERENCES owners(name) ON DELETE CASCADE,
    source_kind TEXT NOT NULL CHECK (source_kind IN ('addon', 'volume')),
    source TEXT NOT NULL,
    app_id INTEGER REFERENCES apps(id) ON DELETE SET NULL,
    destination_id TEXT,
    object_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'verifying', 'ok', 'failed', 'interrupted', 'pruned')),
    trigger TEXT NOT NULL,
    plain_bytes INTEGER,
    cipher_bytes INTEGER,
    sha256 TEXT,
    key_id TEXT,
    counts TEXT,
    warning TEXT,
    error TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    drill_status TEXT CHECK (drill_status IN ('running', 'ok', 'failed')),
    drill_at TEXT,
    drill_detail TEXT,
    drill_error TEXT
  );
  CREATE INDEX backups_source ON backups(source_kind, source, started_at);
  CREATE INDEX backups_destination ON backups(destination_id);
  `,
];
