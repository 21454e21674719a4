// Solves intake's challenge in a Web Worker (pow.worker.ts); one worker per challenge, ended when solved.
export function solveChallenge(seed: string, bits: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./pow.worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<{ nonce: string }>) => {
      worker.terminate();
      resolve(event.data.nonce);
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(event.message || "proof of work failed"));
    };
    worker.postMessage({ seed, bits });
  });
}
