#!/usr/bin/env bash
# Installs what the integration tests need to run a real VS Code offline:
# Debian chromium (the browser playwright-core drives), and code-server 4.100.3
# (VS Code 1.100.3 with a real Node extension host; the last release that runs
# on Node 20). It follows ../shared/PLATFORM.md step by step, because
# @vscode/test-electron cannot download VS Code on our build machines.
#
# code-server goes into .cache/code-server/ (its own package.json), so it never
# enters the extension's package.json or lock file. Idempotent: every step is
# skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

CODE_SERVER_VERSION=4.100.3
PREFIX="$PWD/.cache/code-server"
TMP="${TMPDIR:-/tmp}"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# 1. System packages: chromium to drive, and what code-server's native modules
#    need to build (kerberos needs libkrb5-dev + pkg-config; ripgrep replaces
#    the download @vscode/ripgrep would attempt).
missing=()
for pkg in chromium libkrb5-dev pkg-config ripgrep; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-code-server: apt-get install ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
else
  echo "setup-code-server: chromium, libkrb5-dev, pkg-config, ripgrep already installed"
fi

# 2. code-server itself.
installed=""
if [ -f "$PREFIX/node_modules/code-server/package.json" ]; then
  installed="$(node -p "require('$PREFIX/node_modules/code-server/package.json').version")"
fi
if [ "$installed" = "$CODE_SERVER_VERSION" ]; then
  echo "setup-code-server: code-server $installed already in $PREFIX"
  exit 0
fi

# @vscode/ripgrep looks for its release archive in this cache before it tries
# to download it; the system rg, packed under the expected name, satisfies it.
RG_CACHE="$TMP/vscode-ripgrep-cache-1.15.11"
mkdir -p "$RG_CACHE"
tar czf "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg

mkdir -p "$PREFIX"
# A package.json of its own, so npm installs here and never walks up to ours.
[ -f "$PREFIX/package.json" ] || echo '{ "name": "influence-lens-code-server", "private": true }' > "$PREFIX/package.json"
echo "setup-code-server: npm install code-server@$CODE_SERVER_VERSION into $PREFIX (about a minute)"
# unsafe_perm: root may run the install scripts; yes: lets node-pty build;
# nodedir: node-gyp uses the installed headers instead of downloading them.
(
  cd "$PREFIX"
  npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
    npm install --no-audit --no-fund --no-save "code-server@$CODE_SERVER_VERSION"
)
node -p "'setup-code-server: installed code-server ' + require('$PREFIX/node_modules/code-server/package.json').version"
