import type { DocumentNode, ExecutionArgs, ExecutionResult } from "graphql";
import type { Plugin } from "graphql-yoga";
import { preparedReaderOf } from "../db/prepared-reads.ts";
import { bindRead, type CompiledRead, compileRead, DECLINE } from "./compiled-reads.ts";
import type { Context } from "./context.ts";

/**
 * Routes the reads the compiled path handles (`compiled-reads.ts`) to one prepared statement and
 * everything else, including any request whose values it declines and any statement that fails,
 * to the usual execution. Plans are cached per parsed document (yoga caches documents by text),
 * so a document is compiled once and only bound per request.
 */
export function useCompiledReads(): Plugin<Context> {
  const plans = new WeakMap<DocumentNode, Map<string, CompiledRead | null>>();
  const planFor = (args: ExecutionArgs): CompiledRead | null => {
    let byOperation = plans.get(args.document);
    if (!byOperation) {
      byOperation = new Map();
      plans.set(args.document, byOperation);
    }
    const key = args.operationName ?? "";
    let plan = byOperation.get(key);
    if (plan === undefined) {
      plan = compileRead(args.schema, args.document, args.operationName);
      byOperation.set(key, plan);
    }
    return plan;
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const plan = planFor(args);
      if (!plan) return;
      const context = args.contextValue as Context;
      const values = bindRead(args.schema, plan, args.variableValues ?? undefined);
      if (values === DECLINE) return;
      setExecuteFn(async (executionArgs) => {
        // Looked up when the read runs: read routing (issue 13) sets ctx.db just before.
        const reader = preparedReaderOf(context.db);
        if (!reader) return executeFn(executionArgs) as Promise<ExecutionResult>;
        let body: string | null;
        try {
          body = await reader.readText(plan.text, values);
        } catch {
          // The usual execution meets the same failure and reports it in its own shape.
          return executeFn(executionArgs) as Promise<ExecutionResult>;
        }
        if (body === null) return executeFn(executionArgs) as Promise<ExecutionResult>;
        return { data: JSON.parse(body) } as ExecutionResult;
      });
    },
  };
}
