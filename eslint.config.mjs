// Lint rules, run by `npm test` (npm run lint). Besides typescript-eslint's
// recommended set, the rules here encode the design's three rooms, so a tool
// and not only review keeps them apart (DESIGN.md, "Architecture"):
//   - the compute engine (src/compute) and the message/results contract
//     (src/protocol) never import the editor API;
//   - the protocol is also loaded by the webview, so it never imports Node;
//   - the webview imports nothing of the project but src/protocol, and no Node.
// Formatting is Prettier's job (npm run format); lines stay within 120
// characters, comments and strings included (which Prettier does not wrap).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'crypto',
  'stream',
  'util',
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'node_modules/**',
      '.cache/**',
      '.vscode-test/**',
      'bench/results/**',
      '**/*.js',
      'eslint.config.mjs',
      'esbuild.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true, ignoreTemplateLiterals: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // CommonJS preloads and test fixtures run by plain node: require() is how they import.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/compute/**/*.ts', 'src/cli/**/*.ts', 'src/cli.ts', 'src/demo/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The compute engine and the CLI never import the editor API.' }],
          patterns: [
            { group: ['**/host/*', '**/host'], message: 'The compute engine never imports the extension host.' },
            { group: ['**/webview/*'], message: 'The compute engine never imports the webview.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The protocol is shared with the webview: no editor API.' }],
          patterns: [
            { group: nodeBuiltins, message: 'The protocol is shared with the webview: no Node modules.' },
            { group: ['**/compute/*', '**/host/*', '**/webview/*'], message: 'The protocol depends on nothing else.' },
          ],
        },
      ],
    },
  },
  {
    // The webview's own code. test/webview/ is the Node side of its component tests (it serves the page), so it is not
    // here.
    files: ['webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The webview never imports the editor API; it talks by messages.' }],
          patterns: [
            { group: nodeBuiltins, message: 'The webview runs in a browser: no Node modules.' },
            {
              group: ['**/src/*', '!**/src/protocol', '**/src/*/**', '!**/src/protocol/**'],
              message: 'The webview imports only src/protocol.',
            },
          ],
        },
      ],
    },
  },
);
