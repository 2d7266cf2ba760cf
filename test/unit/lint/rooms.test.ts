/**
 * The lint rules that keep the three rooms apart (eslint.config.mjs) fire on
 * code that crosses a wall and stay quiet on code that does not: the rules
 * are what `npm test` relies on instead of review, so they are tested like
 * code. Each case lints a snippet as if it sat at a path in the project.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';

const REPO = path.resolve(__dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: REPO });

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO, file) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const CASES: { file: string; code: string; refused: boolean }[] = [
  { file: 'src/compute/zz.ts', code: "import * as vscode from 'vscode';\nexport const a = vscode;\n", refused: true },
  { file: 'src/compute/zz.ts', code: "import type { Uri } from 'vscode';\nexport type A = Uri;\n", refused: true },
  { file: 'src/compute/zz.ts', code: "import { x } from '../host/paths';\nexport const a = x;\n", refused: true },
  { file: 'src/cli/zz.ts', code: "import * as vscode from 'vscode';\nexport const a = vscode;\n", refused: true },
  { file: 'src/compute/zz.ts', code: "import fs from 'node:fs';\nexport const a = fs;\n", refused: false },
  { file: 'src/protocol/zz.ts', code: "import fs from 'node:fs';\nexport const a = fs;\n", refused: true },
  { file: 'src/protocol/zz.ts', code: "import { a } from '../compute/random';\nexport const b = a;\n", refused: true },
  { file: 'src/protocol/zz.ts', code: "import { object } from './check';\nexport const b = object;\n", refused: false },
  { file: 'webview/zz.ts', code: "import { x } from '../src/host/paths';\nexport const a = x;\n", refused: true },
  {
    file: 'webview/components/zz.ts',
    code: "import { x } from '../../src/compute/random';\nexport const a = x;\n",
    refused: true,
  },
  { file: 'webview/zz.ts', code: "import path from 'node:path';\nexport const a = path;\n", refused: true },
  { file: 'webview/zz.ts', code: "import * as vscode from 'vscode';\nexport const a = vscode;\n", refused: true },
  {
    file: 'webview/zz.ts',
    code: "import { object } from '../src/protocol/check';\nexport const a = object;\n",
    refused: false,
  },
  { file: 'src/host/zz.ts', code: "import * as vscode from 'vscode';\nexport const a = vscode;\n", refused: false },
];

for (const c of CASES) {
  const first = c.code.split('\n')[0];
  test(`${c.file}: ${first} is ${c.refused ? 'refused' : 'allowed'}`, async () => {
    const messages = await restricted(c.file, c.code);
    assert.equal(messages.length > 0, c.refused, messages.join('; ') || 'no message');
  });
}
