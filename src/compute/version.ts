import manifest from '../../package.json';

/** The engine's version, written into every results file. */
export const ENGINE_VERSION: string = manifest.version;
