import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  getVariableValues,
  isAbstractType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import { topicComparisonTotal } from "../db/tables.ts";
import { CONNECTION_DEFAULT_SIZE, CONNECTION_MAX_SIZE } from "./paging.ts";

/** The text of a fragment with no parameters, shared with the resolvers (db/tables.ts). */
const dialect = new PgDialect();
function sqlText(fragment: SQL): string {
  const query = dialect.sqlToQuery(fragment);
  if (query.params.length > 0) throw new Error("a shared SQL fragment with parameters");
  return query.sql;
}

/**
 * Compiles a read document into ONE SQL statement that builds the whole `data` object as JSON.
 *
 * The compiled path covers the reads front ends send most (a comparison with its options, verdict
 * and adjacent topics, a topic with its comparisons) and answers exactly what the Pothos path
 * answers for them. Anything it does not know (another field, a directive, `last`/`before`, an
 * argument value Pothos would refuse) makes it decline: the document, or that one request, runs
 * through the Pothos resolvers as before, so the contract, errors included, stays theirs.
 */

/** A bound parameter: how to get its value from the request's coerced variables. */
interface Parameter {
  kind: "slug" | "first" | "after";
  source: { variable: string } | { literal: unknown };
}

export interface CompiledRead {
  /** The statement; `$n` are the parameters, in order. */
  text: string;
  parameters: Parameter[];
  operation: OperationDefinitionNode;
}

/** Thrown while compiling: this document is not one the compiled path handles. */
class Unsupported extends Error {}

/** Returned while binding: this request's values must go through the Pothos path. */
export const DECLINE = Symbol("decline");

type Fields = Map<string, FieldNode[]>;

/** A json_build_object can take at most 100 arguments (50 keys) in Postgres. */
const MAX_KEYS = 50;

class Compiler {
  readonly parameters: Parameter[] = [];
  private aliasCount = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: Map<string, FragmentDefinitionNode>,
  ) {}

  alias(prefix: string): string {
    this.aliasCount += 1;
    return `${prefix}${this.aliasCount}`;
  }

  parameter(kind: Parameter["kind"], value: ValueNode | undefined): string | null {
    if (value === undefined) return null;
    let source: Parameter["source"];
    if (value.kind === Kind.VARIABLE) source = { variable: value.name.value };
    else if (value.kind === Kind.STRING) source = { literal: value.value };
    else if (value.kind === Kind.INT) source = { literal: Number(value.value) };
    else if (value.kind === Kind.NULL) source = { literal: null };
    else throw new Unsupported(`argument of kind ${value.kind}`);
    this.parameters.push({ kind, source });
    const cast = kind === "first" ? "int" : "text";
    return `$${this.parameters.length}::${cast}`;
  }

  /** graphql-js' CollectFields for one object type, without directives (those decline). */
  collect(type: GraphQLObjectType, selectionSets: readonly SelectionSetNode[]): Fields {
    const fields: Fields = new Map();
    const visited = new Set<string>();
    const visit = (set: SelectionSetNode) => {
      for (const selection of set.selections) {
        if (selection.directives && selection.directives.length > 0) {
          throw new Unsupported("directives");
        }
        if (selection.kind === Kind.FIELD) {
          const key = selection.alias?.value ?? selection.name.value;
          const list = fields.get(key);
          if (list) list.push(selection);
          else fields.set(key, [selection]);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          if (!this.applies(selection.typeCondition?.name.value, type)) continue;
          visit(selection.selectionSet);
        } else {
          const name = selection.name.value;
          if (visited.has(name)) continue;
          visited.add(name);
          const fragment = this.fragments.get(name);
          if (!fragment) throw new Unsupported(`unknown fragment ${name}`);
          if (fragment.directives && fragment.directives.length > 0)
            throw new Unsupported("directives");
          if (!this.applies(fragment.typeCondition.name.value, type)) continue;
          visit(fragment.selectionSet);
        }
      }
    };
    for (const set of selectionSets) visit(set);
    return fields;
  }

  private applies(condition: string | undefined, type: GraphQLObjectType): boolean {
    if (condition === undefined || condition === type.name) return true;
    const conditionType = this.schema.getType(condition);
    if (!conditionType) return false;
    return isAbstractType(conditionType) && this.schema.isSubType(conditionType, type);
  }

  /** The merged sub-selections of one response key, collected for its object type. */
  subfields(
    parent: GraphQLObjectType,
    nodes: FieldNode[],
  ): { type: GraphQLObjectType; fields: Fields } {
    const first = nodes[0] as FieldNode;
    const definition = parent.getFields()[first.name.value];
    if (!definition) throw new Unsupported(`unknown field ${first.name.value}`);
    const type = getNamedType(definition.type);
    if (!isObjectType(type)) throw new Unsupported(`${type.name} is not an object type`);
    const sets = nodes.map((node) => node.selectionSet).filter((s): s is SelectionSetNode => !!s);
    return { type, fields: this.collect(type, sets) };
  }

  object(
    type: GraphQLObjectType,
    fields: Fields,
    compileField: (key: string, nodes: FieldNode[]) => string,
  ): string {
    if (fields.size > MAX_KEYS) throw new Unsupported("too many keys in one object");
    const parts: string[] = [];
    for (const [key, nodes] of fields) {
      const name = (nodes[0] as FieldNode).name.value;
      parts.push(`'${key}'`, name === "__typename" ? `'${type.name}'` : compileField(key, nodes));
    }
    return `json_build_object(${parts.join(", ")})`;
  }

  arguments(node: FieldNode, allowed: readonly string[]): Map<string, ValueNode> {
    const values = new Map<string, ValueNode>();
    for (const argument of node.arguments ?? []) {
      if (!allowed.includes(argument.name.value)) {
        throw new Unsupported(`argument ${argument.name.value}`);
      }
      values.set(argument.name.value, argument.value);
    }
    return values;
  }

  noArguments(node: FieldNode): void {
    if (node.arguments && node.arguments.length > 0) throw new Unsupported("arguments");
  }

  // --- the types ---------------------------------------------------------------------------

  query(type: GraphQLObjectType, fields: Fields): string {
    return this.object(type, fields, (_key, nodes) => {
      const node = nodes[0] as FieldNode;
      const { type: fieldType, fields: sub } = this.subfields(type, nodes);
      if (node.name.value === "comparison") {
        const slug = this.parameter("slug", this.arguments(node, ["slug"]).get("slug"));
        const c = this.alias("c");
        return `(SELECT ${this.comparison(fieldType, sub, c)} FROM comparisons ${c} WHERE ${c}.slug = ${slug})`;
      }
      if (node.name.value === "topic") {
        const slug = this.parameter("slug", this.arguments(node, ["slug"]).get("slug"));
        const t = this.alias("t");
        return `(SELECT ${this.topic(fieldType, sub, t)} FROM topics ${t} WHERE ${t}.slug = ${slug} OR ${t}.id = (SELECT a.topic_id FROM topic_aliases a WHERE a.slug = ${slug}) LIMIT 1)`;
      }
      throw new Unsupported(`Query.${node.name.value}`);
    });
  }

  comparison(type: GraphQLObjectType, fields: Fields, c: string): string {
    return this.object(type, fields, (_key, nodes) => {
      const node = nodes[0] as FieldNode;
      const name = node.name.value;
      this.noArguments(node);
      switch (name) {
        case "id":
          return globalId("Comparison", `${c}.id`);
        case "slug":
        case "title":
        case "category":
        case "intro":
        case "version":
          return `${c}.${name}`;
        case "feedbackContact":
          return `${c}.feedback_contact`;
        case "createdAt":
          return `${c}.created_at::text`;
        case "updatedAt":
          return `${c}.updated_at::text`;
        case "options": {
          const { type: optionType, fields: sub } = this.subfields(type, nodes);
          const o = this.alias("o");
          return `(SELECT coalesce(json_agg(${this.option(optionType, sub, o)} ORDER BY ${o}.position), '[]'::json) FROM options ${o} WHERE ${o}.comparison_id = ${c}.id)`;
        }
        case "verdict": {
          const { type: verdictType, fields: sub } = this.subfields(type, nodes);
          return this.verdict(verdictType, sub, c);
        }
        case "topics": {
          const { type: topicType, fields: sub } = this.subfields(type, nodes);
          const x = this.alias("x");
          const t = this.alias("t");
          return `(SELECT coalesce(json_agg(${this.topic(topicType, sub, t)} ORDER BY ${x}.option_position, ${x}.tag_position), '[]'::json) FROM (SELECT DISTINCT ON (ot.topic_id) ot.topic_id, o.position AS option_position, ot.position AS tag_position FROM options o JOIN option_tags ot ON ot.option_id = o.id WHERE o.comparison_id = ${c}.id ORDER BY ot.topic_id, o.position, ot.position) ${x} JOIN topics ${t} ON ${t}.id = ${x}.topic_id)`;
        }
        default:
          throw new Unsupported(`Comparison.${name}`);
      }
    });
  }

  verdict(type: GraphQLObjectType, fields: Fields, c: string): string {
    return this.object(type, fields, (_key, nodes) => {
      const node = nodes[0] as FieldNode;
      this.noArguments(node);
      switch (node.name.value) {
        case "pickSummary":
          return `${c}.pick_summary`;
        case "bottomLine":
          return `${c}.bottom_line`;
        case "pick": {
          const { type: optionType, fields: sub } = this.subfields(type, nodes);
          const p = this.alias("p");
          return `(SELECT ${this.option(optionType, sub, p)} FROM options ${p} WHERE ${p}.id = ${c}.pick_option_id)`;
        }
        case "conditions": {
          const { type: conditionType, fields: sub } = this.subfields(type, nodes);
          const o = this.alias("o");
          const condition = this.object(conditionType, sub, (_k, conditionNodes) => {
            const conditionNode = conditionNodes[0] as FieldNode;
            this.noArguments(conditionNode);
            if (conditionNode.name.value === "useIf") return `${o}.use_if`;
            if (conditionNode.name.value === "option") {
              const { type: optionType, fields: optionFields } = this.subfields(
                conditionType,
                conditionNodes,
              );
              return this.option(optionType, optionFields, o);
            }
            throw new Unsupported(`VerdictCondition.${conditionNode.name.value}`);
          });
          return `(SELECT coalesce(json_agg(${condition} ORDER BY ${o}.position), '[]'::json) FROM options ${o} WHERE ${o}.comparison_id = ${c}.id AND ${o}.use_if IS NOT NULL)`;
        }
        default:
          throw new Unsupported(`Verdict.${node.name.value}`);
      }
    });
  }

  option(type: GraphQLObjectType, fields: Fields, o: string): string {
    return this.object(type, fields, (_key, nodes) => {
      const node = nodes[0] as FieldNode;
      const name = node.name.value;
      this.noArguments(node);
      switch (name) {
        case "id":
          return globalId("Option", `${o}.id`);
        case "name":
        case "position":
        case "summary":
          return `${o}.${name}`;
        case "pros":
        case "cons":
          return `to_json(${o}.${name})`;
        case "useIf":
          return `${o}.use_if`;
        case "isPick":
          return `EXISTS (SELECT 1 FROM comparisons k WHERE k.id = ${o}.comparison_id AND k.pick_option_id = ${o}.id)`;
        case "topic": {
          const { type: topicType, fields: sub } = this.subfields(type, nodes);
          const t = this.alias("t");
          return `(SELECT ${this.topic(topicType, sub, t)} FROM topics ${t} WHERE ${t}.id = ${o}.topic_id)`;
        }
        case "comparison": {
          const { type: comparisonType, fields: sub } = this.subfields(type, nodes);
          const c = this.alias("c");
          return `(SELECT ${this.comparison(comparisonType, sub, c)} FROM comparisons ${c} WHERE ${c}.id = ${o}.comparison_id)`;
        }
        case "relatedTopics": {
          const { type: topicType, fields: sub } = this.subfields(type, nodes);
          const g = this.alias("g");
          const t = this.alias("t");
          return `(SELECT coalesce(json_agg(${this.topic(topicType, sub, t)} ORDER BY ${g}.position), '[]'::json) FROM option_tags ${g} JOIN topics ${t} ON ${t}.id = ${g}.topic_id WHERE ${g}.option_id = ${o}.id)`;
        }
        default:
          throw new Unsupported(`Option.${name}`);
      }
    });
  }

  topic(type: GraphQLObjectType, fields: Fields, t: string): string {
    return this.object(type, fields, (_key, nodes) => {
      const node = nodes[0] as FieldNode;
      const name = node.name.value;
      if (name !== "comparisons") this.noArguments(node);
      switch (name) {
        case "id":
          return globalId("Topic", `${t}.id`);
        case "slug":
        case "name":
        case "summary":
        case "provisional":
          return `${t}.${name}`;
        case "createdAt":
          return `${t}.created_at::text`;
        case "updatedAt":
          return `${t}.updated_at::text`;
        case "comparisons":
          return this.topicComparisons(type, nodes, t);
        default:
          throw new Unsupported(`Topic.${name}`);
      }
    });
  }

  /**
   * `Topic.comparisons(first, after, orderBy: SLUG)`, ordered by slug: the page is read from the
   * topic_comparison_entries index, so a topic with 5,000 comparisons costs what one with 5 does.
   */
  topicComparisons(parent: GraphQLObjectType, nodes: FieldNode[], t: string): string {
    const node = nodes[0] as FieldNode;
    const args = this.arguments(node, ["first", "after", "orderBy"]);
    // Only the default order is compiled (its index and cursor are the slug's); RELEVANCE and
    // UPDATED, or an order chosen by a variable, run on the resolvers over the same table.
    const orderBy = args.get("orderBy");
    if (orderBy !== undefined && !(orderBy.kind === Kind.ENUM && orderBy.value === "SLUG")) {
      throw new Unsupported("Topic.comparisons(orderBy) other than SLUG");
    }
    const first = this.parameter("first", args.get("first")) ?? `${CONNECTION_DEFAULT_SIZE}`;
    const after = this.parameter("after", args.get("after"));
    const { type, fields } = this.subfields(parent, nodes);
    const n = this.alias("n");
    const afterFilter = after === null ? "" : ` AND e.comparison_slug > coalesce(${after}, '')`;
    const entries = `FROM topic_comparison_entries e WHERE e.topic_id = ${t}.id${afterFilter}`;
    const body = this.object(type, fields, (_key, connectionNodes) => {
      const connectionNode = connectionNodes[0] as FieldNode;
      this.noArguments(connectionNode);
      switch (connectionNode.name.value) {
        case "totalCount":
          return sqlText(topicComparisonTotal(sql.raw(`${t}.id`)));
        case "nodes": {
          const { type: comparisonType, fields: sub } = this.subfields(type, connectionNodes);
          return `coalesce(json_agg(${this.comparison(comparisonType, sub, n)} ORDER BY ${n}.entry_slug), '[]'::json)`;
        }
        case "edges": {
          const { type: edgeType, fields: edgeFields } = this.subfields(type, connectionNodes);
          const edge = this.object(edgeType, edgeFields, (_k, edgeNodes) => {
            const edgeNode = edgeNodes[0] as FieldNode;
            this.noArguments(edgeNode);
            if (edgeNode.name.value === "cursor") return slugCursor(`${n}.entry_slug`);
            if (edgeNode.name.value === "node") {
              const { type: comparisonType, fields: sub } = this.subfields(edgeType, edgeNodes);
              return this.comparison(comparisonType, sub, n);
            }
            throw new Unsupported(`edge field ${edgeNode.name.value}`);
          });
          return `coalesce(json_agg(${edge} ORDER BY ${n}.entry_slug), '[]'::json)`;
        }
        case "pageInfo": {
          const { type: pageInfoType, fields: pageFields } = this.subfields(type, connectionNodes);
          return this.object(pageInfoType, pageFields, (_k, pageNodes) => {
            const pageNode = pageNodes[0] as FieldNode;
            this.noArguments(pageNode);
            switch (pageNode.name.value) {
              case "hasNextPage":
                return `EXISTS (SELECT 1 ${entries} ORDER BY e.comparison_slug OFFSET ${first} LIMIT 1)`;
              case "hasPreviousPage":
                return after === null ? "false" : `(${after} IS NOT NULL)`;
              case "startCursor":
                return slugCursor(`min(${n}.entry_slug)`);
              case "endCursor":
                return slugCursor(`max(${n}.entry_slug)`);
              default:
                throw new Unsupported(`PageInfo.${pageNode.name.value}`);
            }
          });
        }
        default:
          throw new Unsupported(`connection field ${connectionNode.name.value}`);
      }
    });
    return `(SELECT ${body} FROM (SELECT e.comparison_slug AS entry_slug, c.* ${entries.replace("FROM topic_comparison_entries e", "FROM topic_comparison_entries e JOIN comparisons c ON c.id = e.comparison_id")} ORDER BY e.comparison_slug LIMIT ${first}) ${n})`;
  }
}

function globalId(typename: string, column: string): string {
  return `encode(convert_to('${typename}:' || ${column}, 'UTF8'), 'base64')`;
}

/** plugin-drizzle's cursor for a slug-ordered connection: base64 of `DC:S:<slug>`. */
function slugCursor(slug: string): string {
  return `replace(encode(convert_to('DC:S:' || ${slug}, 'UTF8'), 'base64'), E'\\n', '')`;
}

/** Compiles the operation, or answers null when the compiled path does not handle it. */
export function compileRead(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): CompiledRead | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  let operations = 0;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION) {
      operations += 1;
      if (operationName ? definition.name?.value === operationName : true) operation = definition;
    }
  }
  if (!operation || (!operationName && operations !== 1)) return null;
  if (operation.operation !== "query") return null;
  if (operation.directives && operation.directives.length > 0) return null;
  for (const variable of operation.variableDefinitions ?? []) {
    if (variable.directives && variable.directives.length > 0) return null;
  }
  const queryType = schema.getQueryType();
  if (!queryType) return null;
  const compiler = new Compiler(schema, fragments);
  try {
    const data = compiler.query(queryType, compiler.collect(queryType, [operation.selectionSet]));
    return {
      text: `SELECT ${data}::text AS body`,
      parameters: compiler.parameters,
      operation,
    };
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}

/**
 * The statement's parameter values for one request, or DECLINE when a value is one the Pothos
 * path would refuse or treat specially (it then answers, with its own errors).
 */
export function bindRead(
  schema: GraphQLSchema,
  compiled: CompiledRead,
  rawVariables: Record<string, unknown> | undefined,
): unknown[] | typeof DECLINE {
  const coerced = getVariableValues(
    schema,
    compiled.operation.variableDefinitions ?? [],
    rawVariables ?? {},
    { maxErrors: 1 },
  );
  if (coerced.errors) return DECLINE;
  const values: unknown[] = [];
  for (const parameter of compiled.parameters) {
    const value =
      "literal" in parameter.source
        ? parameter.source.literal
        : coerced.coerced[parameter.source.variable];
    switch (parameter.kind) {
      case "slug":
        // A NUL byte cannot travel as text; the Pothos path owns that error.
        if (typeof value !== "string" || value.includes("\u0000")) return DECLINE;
        values.push(value);
        break;
      case "first":
        if (value === undefined) {
          values.push(CONNECTION_DEFAULT_SIZE);
          break;
        }
        if (
          typeof value !== "number" ||
          !Number.isInteger(value) ||
          value < 0 ||
          value > CONNECTION_MAX_SIZE
        ) {
          return DECLINE;
        }
        values.push(value);
        break;
      case "after": {
        if (value === undefined || value === null) {
          values.push(null);
          break;
        }
        const slug = decodeSlugCursor(value);
        if (slug === null) return DECLINE;
        values.push(slug);
        break;
      }
    }
  }
  return values;
}

/** The slug inside a cursor this path wrote, or null for anything else. */
function decodeSlugCursor(cursor: unknown): string | null {
  if (typeof cursor !== "string") return null;
  const decoded = Buffer.from(cursor, "base64").toString("utf8");
  if (!decoded.startsWith("DC:S:")) return null;
  if (Buffer.from(decoded, "utf8").toString("base64") !== cursor) return null;
  const slug = decoded.slice("DC:S:".length);
  if (slug.includes("\u0000")) return null;
  return slug;
}
