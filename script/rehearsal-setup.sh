#!/usr/bin/env bash
# The set-up `npm run rehearse` does before the story, so `npm ci && npm run rehearse` is all a fresh
# machine needs. The story wants the real registry behind the emulated ECR (Debian's
# docker-registry) and the AWS CLI (production.yml runs `aws ecr describe-images`); with a Docker
# engine and the local Node.js base image it also builds real images and runs the ECS tasks as
# containers. As root with apt-get it installs and starts what is missing (.ci/docker-setup.sh,
# Debian's awscli); otherwise it says what is missing and the story runs with what is there (tasks
# as local processes without an engine), or names what it cannot do without.
set -uo pipefail
cd "$(dirname "$0")/.."

say() { printf 'rehearsal set-up: %s\n' "$*"; }

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  say "not root with apt-get: nothing installed; \`sudo bash .ci/docker-setup.sh\` gives the story a Docker engine and the registry"
  exit 0
fi

if ! bash .ci/docker-setup.sh; then
  say "no Docker engine could be started here: images are built and ECS tasks run as local processes"
fi

if ! command -v aws >/dev/null 2>&1; then
  say "installing Debian's awscli (production.yml runs \`aws ecr describe-images\`)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends awscli >/dev/null ||
    say "could not install awscli; the story will say what it cannot do without it"
fi
exit 0
