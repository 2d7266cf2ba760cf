/**
 * ONNX Runtime's native library keeps a telemetry queue of its own unless told not to before it loads: a device id
 * and a database of session and model events under ~/.cache/Microsoft, and files in /tmp, on every run with a model
 * file. Nothing of the user's model or machine is to be recorded, and nothing written but the results. The switch is
 * the process's environment, which the library reads with getenv: only a main thread's process.env reaches it (a
 * worker thread's is a copy of its own), so every main thread that may load the library, or start the thread that
 * does, calls this first.
 */
export function quietOnnxRuntime(): void {
  process.env.ORT_DISABLE_TELEMETRY = '1';
}
