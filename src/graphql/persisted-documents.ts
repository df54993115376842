import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { usePersistedOperations } from "@graphql-yoga/plugin-persisted-operations";
import { parse, validate } from "graphql";
import type { Plugin } from "graphql-yoga";
import { schema } from "./schema.ts";

/**
 * Persisted documents (issue 13): the front ends' documents live in `documents/*.graphql`; the
 * generated manifest `schema/persisted-documents.json` maps each one's SHA-256 (of its exact text)
 * to the text. A client sends `documentId` (or the Apollo-style `extensions.persistedQuery`) instead
 * of `query`; with `PERSISTED_DOCUMENTS_ONLY` nothing else runs.
 */

export const DOCUMENTS_FOLDER = fileURLToPath(new URL("../../documents", import.meta.url));
export const MANIFEST_FILE = fileURLToPath(
  new URL("../../schema/persisted-documents.json", import.meta.url),
);

export type DocumentManifest = Record<string, string>;

export function documentHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Builds the manifest from the documents folder; each document must be valid against the schema. */
export function buildDocumentManifest(folder = DOCUMENTS_FOLDER): DocumentManifest {
  const manifest: DocumentManifest = {};
  const files = readdirSync(folder)
    .filter((name) => name.endsWith(".graphql"))
    .sort();
  for (const name of files) {
    const text = readFileSync(join(folder, name), "utf8");
    const problems = validate(schema, parse(text));
    if (problems.length > 0) {
      throw new Error(`${name} is not valid against the schema: ${problems[0]?.message}`);
    }
    manifest[documentHash(text)] = text;
  }
  return manifest;
}

export function renderDocumentManifest(manifest: DocumentManifest): string {
  return `${JSON.stringify(manifest, Object.keys(manifest).sort(), 2)}\n`;
}

export function loadDocumentManifest(file = MANIFEST_FILE): DocumentManifest {
  return JSON.parse(readFileSync(file, "utf8")) as DocumentManifest;
}

function persistedId(params: { extensions?: unknown }, request: Request): string | null {
  const fromBody = (params as { documentId?: unknown }).documentId;
  if (typeof fromBody === "string") return fromBody;
  const fromUrl = new URL(request.url).searchParams.get("documentId");
  if (fromUrl !== null) return fromUrl;
  const extensions = params.extensions as
    | { persistedQuery?: { version?: unknown; sha256Hash?: unknown } }
    | undefined;
  const hash = extensions?.persistedQuery?.sha256Hash;
  return typeof hash === "string" ? hash : null;
}

export function usePersistedDocuments(options: {
  manifest: DocumentManifest;
  /** Refuse any document that is not in the manifest (production). */
  only: boolean;
}): Plugin {
  return usePersistedOperations({
    allowArbitraryOperations: !options.only,
    extractPersistedOperationId: (params, request) => persistedId(params, request),
    // Own keys only: an id such as "constructor" or "__proto__" names Object's, not a document.
    getPersistedOperation: (id) =>
      (Object.hasOwn(options.manifest, id) ? options.manifest[id] : null) ?? null,
    customErrors: {
      notFound: {
        message: "Unknown persisted document: the documentId is not in the manifest.",
        extensions: { code: "PERSISTED_DOCUMENT_NOT_FOUND" },
      },
      persistedQueryOnly: {
        message:
          "Only persisted documents are accepted here: send the documentId of a registered document.",
        extensions: { code: "PERSISTED_DOCUMENT_ONLY" },
      },
      // Neither a query nor a documentId.
      keyNotFound: options.only
        ? {
            message: "Send the documentId of a registered document.",
            extensions: { code: "PERSISTED_DOCUMENT_ONLY" },
          }
        : {
            message:
              "The request has no query: send `query` (a GraphQL document) or the `documentId` of a registered document.",
            extensions: { code: "BAD_REQUEST", http: { status: 400 } },
          },
    },
  }) as Plugin;
}
