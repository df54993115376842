import { createHash } from "node:crypto";
import { GraphQLError } from "graphql";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { AdmitPublicWrite } from "../graphql/context.ts";

export interface PublicWriteLimits {
  /** Public writes one client address may make per minute. */
  perMinute: number;
  /** Seconds in which the same write from the same client is a duplicate. */
  dedupeSeconds: number;
}

/**
 * Rate limits and de-duplicates public writes (submitFeedback) per client address, in this
 * process's memory: several server processes each count on their own, so behind N processes a
 * client gets up to N times the limit (a shared store such as Redis would fix that).
 */
export function createPublicWriteGate(limits: PublicWriteLimits) {
  const rate = new RateLimiterMemory({ points: limits.perMinute, duration: 60 });
  const seen =
    limits.dedupeSeconds > 0
      ? new RateLimiterMemory({ points: 1, duration: limits.dedupeSeconds })
      : null;
  return (clientAddress: string): AdmitPublicWrite =>
    async (kind, fingerprint) => {
      try {
        await rate.consume(`${kind}:${clientAddress}`);
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        const seconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
        throw new GraphQLError(
          `Too many ${kind} calls from your address: at most ${limits.perMinute} a minute; retry in ${seconds} s`,
          {
            extensions: {
              code: "RATE_LIMITED",
              retryAfterSeconds: seconds,
              http: { status: 429, headers: { "Retry-After": String(seconds) } },
            },
          },
        );
      }
      if (!seen) return "new";
      const key = createHash("sha256")
        .update(`${kind}\n${clientAddress}\n${fingerprint}`)
        .digest("hex");
      const count = await seen.get(key);
      if (count !== null && count.consumedPoints >= 1) return "duplicate";
      await seen.penalty(key, 1);
      return "new";
    };
}
