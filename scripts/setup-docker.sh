#!/usr/bin/env bash
# Makes the Docker lab runnable on this machine (called by setup-machine.sh; as root):
# starts dockerd when no engine answers, then makes sure the base images exist:
# pulled from Docker Hub when it can be reached, built offline (build-base-images.sh) when not.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_IMAGE_HUB=node:24-bookworm-slim
DEBIAN_IMAGE_HUB=debian:bookworm-slim

dockerd_running() {
  [ -s /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null
}

if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || { echo "setup-docker: dockerd is missing (apt-get install docker.io)" >&2; exit 1; }
  if dockerd_running; then
    echo "setup-docker: dockerd is starting, waiting for it"
  elif [ -d /run/systemd/system ]; then
    systemctl start docker
  else
    echo "setup-docker: starting dockerd (log: /var/log/dockerd.log)"
    # Its own session, no stdin and no inherited output: it outlives this script without holding it.
    setsid nohup dockerd >/var/log/dockerd.log 2>&1 </dev/null &
  fi
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "setup-docker: dockerd did not start, see /var/log/dockerd.log" >&2; tail -5 /var/log/dockerd.log >&2; exit 1; }
fi

have_image() { docker image inspect "$1" >/dev/null 2>&1; }
pull() { have_image "$1" || timeout 300 docker pull -q "$1" >/dev/null 2>&1; }

if pull "$NODE_IMAGE_HUB" && pull "$DEBIAN_IMAGE_HUB"; then
  echo "setup-docker: base images from Docker Hub ready"
else
  echo "setup-docker: Docker Hub unreachable, using the offline base images"
  bash scripts/build-base-images.sh
fi
