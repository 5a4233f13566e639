// The page's end of one engine worker (www/worker.js): numbered requests whose answers come
// back as promises, progress reports, and an end that rejects whatever was still asked. It
// carries requests without knowing them: model.js is the module that says what to ask.

/** The page's side of one worker (www/worker.js): numbered requests, answers as promises. */
export class Remote {
  constructor() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.dead = null;
    this.worker.onmessage = ({ data }) => {
      const p = this.pending.get(data.id);
      if (!p) return;
      if (data.progress) return p.onProgress?.(data.progress);
      this.pending.delete(data.id);
      if (data.ok) p.resolve(data.value);
      else p.reject(new Error(data.error));
    };
    this.worker.onerror = (e) => {
      e.preventDefault?.();
      this.end(new Error(`the engine's worker failed: ${e.message || 'could not start'}`));
    };
  }

  /** Sends a request; resolves to its answer (progress reports go to onProgress). */
  call(op, args = [], onProgress = null, transfer = []) {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  /** Ends the worker; whatever was still asked of it rejects with `reason`. */
  end(reason = cancelled()) {
    if (this.dead) return;
    this.dead = reason;
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
  }
}

/** The error a cancelled construction rejects with (err.cancelled is true). */
export function cancelled() {
  const err = new Error('cancelled');
  err.cancelled = true;
  return err;
}
