/**
 * The environment the compute subprocess gets: an allow-list, never the
 * extension host's whole environment. The host's environment holds whatever
 * the user's shell and other extensions put there (cloud keys, tokens, proxy
 * credentials); the analysis needs none of it, and a process that reads
 * untrusted files should not hold secrets it could leak in a log or a crash
 * report. Plain Node (no vscode), so it is unit-tested directly.
 */

/** Variables passed by exact name. */
const PASSED = new Set([
  // Finding programs and the user's folders; temp files.
  'PATH',
  'HOME',
  'TMPDIR',
  'TMP',
  'TEMP',
  // Locale and time zone (number and date formatting in messages).
  'LANG',
  'LANGUAGE',
  'TZ',
  // Windows: Node needs these to start and to find its folders.
  'SYSTEMROOT',
  'WINDIR',
  'COMSPEC',
  'PATHEXT',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  // VS Code runs extensions on its Electron binary as Node: the fork must do the same.
  'ELECTRON_RUN_AS_NODE',
  // tfjs-node's native TensorFlow log level, when that backend is installed.
  'TF_CPP_MIN_LOG_LEVEL',
]);

/** Variables passed by prefix: the locale categories and the project's own settings. */
const PASSED_PREFIXES = ['LC_', 'INFLUENCE_LENS_'];

/** Whether a variable of this name reaches the compute subprocess. Windows names are case-insensitive. */
export function isPassedToCompute(name: string): boolean {
  const upper = name.toUpperCase();
  return PASSED.has(upper) || PASSED_PREFIXES.some((p) => upper.startsWith(p));
}

/** The subset of `parent` the compute subprocess may see. */
export function computeEnvironment(parent: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined && isPassedToCompute(name)) env[name] = value;
  }
  return env;
}
