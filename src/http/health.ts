import type { Plugin } from "graphql-yoga";
import type { Database } from "../db/client.ts";
import { checkReadiness } from "../db/readiness.ts";

export const READY_PATH = "/ready";

/**
 * `/ready`: 200 when the database answers and is migrated, 503 otherwise, with a JSON body that
 * says which (`{ ready, database, migrations, error? }`), for load balancers and orchestrators.
 * `/health` (alive: the process answers HTTP) is yoga's own health check, answered before any
 * plugin and without touching the database.
 */
export function readinessPlugin(database: Database): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== READY_PATH) return;
      if (request.method !== "GET" && request.method !== "HEAD") {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: "GET, HEAD" } }));
        return;
      }
      const readiness = await checkReadiness(database);
      endResponse(
        new fetchAPI.Response(JSON.stringify(readiness), {
          status: readiness.ready ? 200 : 503,
          headers: { "content-type": "application/json", "cache-control": "no-store" },
        }),
      );
    },
  };
}
