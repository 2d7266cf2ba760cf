#!/usr/bin/env bash
# Everything CI checks, in order: type check + build + unit tests, then a real
# VS Code (code-server, installed on first use) for the integration suite, then
# the packaged .vsix installed into it and driven through the UI.
set -euo pipefail
cd "$(dirname "$0")/.."
npm test
./scripts/setup-code-server.sh
npm run test:integration
npm run test:vsix
