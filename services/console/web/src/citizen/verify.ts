import { ref } from "vue";
import { solveChallenge } from "./pow";
import { postJson, PublicError, type Challenge, type Verification } from "./publicApi";

// "获取验证码": the challenge solved in a worker, then the SMS asked for; a countdown until it may be resent.
export function useVerification() {
  const verificationId = ref("");
  const busy = ref(false);
  const waitSeconds = ref(0);
  let timer: number | undefined;

  function countDown(seconds: number): void {
    window.clearInterval(timer);
    waitSeconds.value = seconds;
    timer = window.setInterval(() => {
      waitSeconds.value -= 1;
      if (waitSeconds.value <= 0) window.clearInterval(timer);
    }, 1000);
  }

  async function request(body: { phone: string; purpose: "report" | "follow"; case_number?: string;
    district?: string }): Promise<void> {
    // Web Crypto exists only in a secure context (https, or 127.0.0.1 / localhost): say so next to the code.
    if (!window.isSecureContext || !crypto.subtle) {
      const zh = "请通过 https 打开本页后再获取验证码";
      const en = "open this page over https to get a code";
      throw new PublicError(0, zh, en, [{ field: "code", zh, en }], null);
    }
    busy.value = true;
    try {
      const challenge = await postJson<Challenge>("challenges", {});
      const nonce = await solveChallenge(challenge.seed, challenge.difficulty_bits);
      const sent = await postJson<Verification>("verification-codes",
        { ...body, challenge_id: challenge.challenge_id, nonce });
      verificationId.value = sent.verification_id;
      countDown(sent.resend_after_s);
    } finally {
      busy.value = false;
    }
  }

  function stop(): void {
    window.clearInterval(timer);
  }

  return { verificationId, busy, waitSeconds, request, stop };
}
