import type { Db } from "../db/client.ts";
import { findViewer, type Viewer } from "../editing/tokens.ts";

/** What the request's credentials turned out to be; looked up at most once per request. */
export type AuthState =
  | { kind: "anonymous" }
  | { kind: "invalid"; reason: string }
  | { kind: "viewer"; viewer: Viewer };

/**
 * Admits one public (tokenless) write from the request's client, or throws a RATE_LIMITED
 * error. "duplicate" when the same client sent the same write moments ago: it is then answered
 * without being written again. The HTTP layer (src/http/public-writes.ts) implements it.
 */
export type AdmitPublicWrite = (kind: string, fingerprint: string) => Promise<"new" | "duplicate">;

export interface Context {
  db: Db;
  admitPublicWrite: AdmitPublicWrite;
  /** Resolves the Authorization header lazily: requests that only read never touch the tokens. */
  auth(): Promise<AuthState>;
  /** Set once `auth()` has settled, for the synchronous authorization error messages. */
  authState?: AuthState;
}

const admitEverything: AdmitPublicWrite = async () => "new";

export function createContext(
  db: Db,
  authorization: string | null,
  admitPublicWrite: AdmitPublicWrite = admitEverything,
): Context {
  let pending: Promise<AuthState> | undefined;
  return {
    db,
    admitPublicWrite,
    // Yoga copies this object into its own context (Object.assign), so the state is set on the
    // object the method is called on: that is the `ctx` the authorization error messages read.
    auth() {
      pending ??= resolveAuth(db, authorization);
      return pending.then((state) => {
        if (this) this.authState = state;
        return state;
      });
    },
  };
}

async function resolveAuth(db: Db, authorization: string | null): Promise<AuthState> {
  if (authorization === null || authorization.trim() === "") return { kind: "anonymous" };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match)
    return { kind: "invalid", reason: "the Authorization header must be `Bearer <token>`" };
  const viewer = await findViewer(db, match[1] as string);
  return viewer
    ? { kind: "viewer", viewer }
    : { kind: "invalid", reason: "the token is unknown or revoked" };
}
