// The proof of work intake asks before it sends an SMS (POST /public/challenges): the first decimal nonce
// whose sha256(seed + nonce) starts with `bits` zero bits. Run off the page's thread so it stays responsive;
// loaded from the console's own origin, so the pages' CSP (default-src 'self') allows it.

interface Job { seed: string; bits: number }

function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

async function solve({ seed, bits }: Job): Promise<string> {
  const encoder = new TextEncoder();
  const batch = 512; // digests in flight at once: Web Crypto's per-call overhead is the cost, not the hash
  for (let start = 0; ; start += batch) {
    const digests = await Promise.all(Array.from({ length: batch }, (_, i) =>
      crypto.subtle.digest("SHA-256", encoder.encode(seed + String(start + i)))));
    const found = digests.findIndex((digest) => leadingZeroBits(new Uint8Array(digest)) >= bits);
    if (found >= 0) return String(start + found);
  }
}

self.onmessage = async (event: MessageEvent<Job>) => {
  self.postMessage({ nonce: await solve(event.data) });
};
