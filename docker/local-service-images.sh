#!/usr/bin/env bash
# Makes stand-ins for the official images docker-compose.yml names besides the server's own
# (postgres:15, redis:7, nginx:1.27) on a machine that cannot pull from a registry (the development
# machines of this project reach only Debian's apt mirror and the npm registry). They are tagged
# with the official names, so docker-compose.yml runs unchanged; they are built from Debian
# bookworm's packages, so their versions are Debian's (PostgreSQL 15, Redis 7.0, nginx 1.22), and
# they honour only the part of the official images' contract that docker-compose.yml uses:
#   postgres:15  POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, PGDATA=/var/lib/postgresql/data,
#                initdb of an empty data folder (UTF8, scram-sha-256 over TCP, listening on every
#                interface), /docker-entrypoint-initdb.d/*.sh and *.sql run once at init, then
#                postgres as the `postgres` user; the server binaries (postgres, pg_basebackup,
#                pg_isready, psql) on PATH, for services that bring their own entrypoint.
#   redis:7      `redis-server …` as the `redis` user, listening on every interface with protected
#                mode off (the official image's defaults; Debian's own config binds 127.0.0.1).
#   nginx:1.27   nginx in the foreground reading /etc/nginx/conf.d/*.conf, logs on stdout/stderr.
# Normally the official images are pulled instead and this script is not needed.
#
#   docker/local-node-base.sh             # the server image's base (see there)
#   docker/local-service-images.sh
#   docker tag pickgraph/node-base:local node:24-bookworm-slim
#   docker compose --profile scale build  # or docker build --network host -t <project>-pickgraph-scale .
#
# Needs root, debootstrap and a running Docker engine; the builds use the host's network (an engine
# started with --iptables=false gives containers no route out). Nothing it makes is kept in git.
set -euo pipefail
base=pickgraph/debian-base:local
root=$(mktemp -d)
context=$(mktemp -d)
trap 'rm -rf "$root" "$context"' EXIT
# mktemp makes the folder 0700, and it becomes the image's /: the non-root users the images switch
# to could then open nothing.
chmod 0755 "$root"

# --- one Debian root shared by the three images --------------------------------------------------
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
# Security and point-release updates too, as the official images have them.
cat >"$root/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
# Small images: no recommended packages, no manuals or documentation (copyright files stay).
cat >"$root/etc/apt/apt.conf.d/90local-images" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
EOF
cat >"$root/etc/dpkg/dpkg.cfg.d/90local-images" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
# Package scripts must not try to start the services they install (there is no init here).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
tar -C "$root" -c . | docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' - "$base" >/dev/null
echo "made $base"

# Each image: its Dockerfile on stdin, the context a folder with its entrypoint (if any).
build() {
  local tag=$1
  docker build --network host -t "$tag" -f - "$context" >/dev/null
  echo "made $tag: $(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%d MB", $1 / 1e6 }')"
}
# Every RUN installs and cleans up in the same layer, so the package lists never reach the image.
apt_install='apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends'
apt_clean='apt-get clean && rm -rf /var/lib/apt/lists/*'

# --- postgres:15 ---------------------------------------------------------------------------------
# The entrypoint follows the official image's docker-entrypoint.sh in what it does, not in every
# option it reads (no POSTGRES_HOST_AUTH_METHOD, POSTGRES_INITDB_ARGS, *_FILE secrets, .sql.gz).
cat >"$context/docker-entrypoint.sh" <<'EOF'
#!/usr/bin/env bash
set -Eeo pipefail
# `docker run postgres:15 -c x=y` means `postgres -c x=y`.
if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
if [ "$1" != postgres ]; then exec "$@"; fi

if [ "$(id -u)" = 0 ]; then
  # As root: own the data folder (a fresh volume may be root's), then continue as postgres.
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo 'Database is uninitialized and POSTGRES_PASSWORD is not set: refusing to start.' >&2
    exit 1
  fi
  # Over the socket inside the container: trust (init scripts and `docker exec psql` need no
  # password); over TCP, from anywhere: a password, stored as SCRAM.
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"

  # A server reachable only over the socket while the database and the init scripts are made.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
  psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER")
  if [ "$POSTGRES_DB" != postgres ]; then
    "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      # Executable scripts run, others are sourced (with PGDATA and the POSTGRES_* variables set).
      *.sh) if [ -x "$f" ]; then echo "running $f"; "$f"; else echo "sourcing $f"; . "$f"; fi ;;
      *.sql) echo "running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *) [ -e "$f" ] && echo "ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo 'PostgreSQL init process complete; ready for start up.'
fi
exec "$@"
EOF
chmod 0755 "$context/docker-entrypoint.sh"
build postgres:15 <<EOF
FROM $base
# The official image's user and group ids (999), made before the package would pick others.
RUN groupadd --system --gid 999 postgres \
  && useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql --shell /bin/bash postgres \
  && mkdir -p /etc/postgresql-common/createcluster.d \
  && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/docker.conf \
  && $apt_install postgresql-15 && $apt_clean \
  && mkdir -p /var/run/postgresql /var/lib/postgresql/data /docker-entrypoint-initdb.d \
  && chown postgres:postgres /var/run/postgresql /var/lib/postgresql /var/lib/postgresql/data \
  && chmod 2777 /var/run/postgresql && chmod 1777 /var/lib/postgresql/data
# Debian's own binaries first (/usr/bin has postgresql-common's version-picking wrappers).
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  PGDATA=/var/lib/postgresql/data
COPY docker-entrypoint.sh /usr/local/bin/
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["docker-entrypoint.sh"]
# SIGINT: PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave).
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
EOF

# --- redis:7 -------------------------------------------------------------------------------------
cat >"$context/docker-entrypoint.sh" <<'EOF'
#!/usr/bin/env bash
set -Eeo pipefail
# `docker run redis:7 --port 7000` means `redis-server --port 7000`.
if [ "${1:0:1}" = '-' ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ]; then
  # Listen on every interface with protected mode off, as the official image does: other
  # containers reach it by name. Put before the caller's options (and after a config file, if one
  # is the first argument), so both can say otherwise.
  shift
  config=()
  if [ -f "${1:-}" ]; then config=("$1"); shift; fi
  set -- redis-server "${config[@]}" --bind 0.0.0.0 --protected-mode no "$@"
  if [ "$(id -u)" = 0 ]; then
    chown redis:redis .
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
EOF
build redis:7 <<EOF
FROM $base
RUN groupadd --system --gid 999 redis \
  && useradd --system --uid 999 --gid redis --home-dir /var/lib/redis --shell /usr/sbin/nologin redis \
  && $apt_install redis-server redis-tools && $apt_clean \
  && mkdir -p /data && chown redis:redis /data
COPY docker-entrypoint.sh /usr/local/bin/
VOLUME /data
WORKDIR /data
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 6379
CMD ["redis-server"]
EOF

# --- nginx:1.27 ----------------------------------------------------------------------------------
# Debian's nginx.conf already includes /etc/nginx/conf.d/*.conf; its sites-enabled/default (a
# welcome page on port 80) goes, so what is mounted in conf.d is the whole configuration.
rm -f "$context/docker-entrypoint.sh"
build nginx:1.27 <<EOF
FROM $base
RUN $apt_install nginx && $apt_clean \
  && rm -f /etc/nginx/sites-enabled/default \
  && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
# SIGQUIT: finish the requests in flight, then stop.
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
EOF
