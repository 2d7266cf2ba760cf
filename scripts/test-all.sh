#!/usr/bin/env bash
# Everything CI checks, in order: type check + build + unit tests, then a real
# VS Code (code-server and Debian's chromium, installed on first use): the
# panel's component tests in chromium, the integration suite, then
# the packaged .vsix installed into it and driven through the UI.
set -euo pipefail
cd "$(dirname "$0")/.."
npm test
./scripts/setup-code-server.sh
npm run test:webview
npm run test:integration
npm run test:vsix
