/**
 * Starts the analysis thread's second thread (parallel/startWorker.ts prestartWorker) before the engine's modules are
 * evaluated: analysisWorker.ts imports this module first. An analysis on more than one core takes a second thread
 * sooner or later (the training pool, the matrices helper of the Hessian and influence kernels, the issues pass's
 * neighbour search, which always splits), and its start — a thread, the engine bundle, tfjs and its wasm — then
 * overlaps this thread's own start and the data's loading. Started after the imports, it came up ~0.1 s after this
 * thread began training on the digits CSV, which left it fewer of the fold models.
 */
import { availableParallelism } from 'node:os';
import { prestartWorker } from '../parallel/startWorker';

if (availableParallelism() > 1) prestartWorker();
