import { getMappedArgumentValues } from "@pothos/core";
import { createComplexityRule } from "@pothos/plugin-complexity";
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  getVariableValues,
  isInputObjectType,
  isInputType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isOutputType,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  TypeInfo,
  typeFromAST,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
  type VariableDefinitionNode,
  visit,
  visitWithTypeInfo,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { argumentProblem, MAX_LIST_ARGUMENT } from "../graphql/argument-checks.ts";

/** What one operation may ask for; every number is configurable (src/config.ts). */
export interface OperationLimits {
  /** Characters of the document, comments and whitespace included. */
  maxLength: number;
  /** Lexical tokens of the document (graphql's parser stops counting at this). */
  maxTokens: number;
  /** Nesting of fields, fragments flattened. */
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** Items the server may produce, by the costs of src/graphql/builder.ts. */
  maxCost: number;
}

/** A refusal before anything runs: a 400 with a code and the limit in the message. */
export function limitError(code: string, message: string, limit: number, actual: number) {
  return new GraphQLError(message, {
    extensions: { code, limit, actual, http: { status: 400 } },
  });
}

function countDirectivesAndAliases(operation: OperationDefinitionNode, fragments: Set<string>) {
  let aliases = 0;
  let directives = 0;
  const visit = (node: { selectionSet?: { selections: readonly unknown[] } }) => {
    for (const selection of (node.selectionSet?.selections ?? []) as FieldNode[]) {
      directives += selection.directives?.length ?? 0;
      if (selection.kind === Kind.FIELD && selection.alias) aliases += 1;
      if ((selection as { kind: string }).kind === Kind.FRAGMENT_SPREAD) {
        fragments.add((selection as unknown as { name: { value: string } }).name.value);
      }
      visit(selection);
    }
  };
  visit(operation);
  return { aliases, directives };
}

/** The operation the request runs: the named one, or the only one; undefined when unclear. */
function chosenOperation(
  document: DocumentNode,
  operationName: string | undefined,
): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (operationName === undefined) return operations.length === 1 ? operations[0] : undefined;
  return operations.find((o) => o.name?.value === operationName);
}

/** Longest message kept from graphql's variable errors, which print the whole value given. */
const MAX_VARIABLE_MESSAGE = 300;

/**
 * The request's variables checked against the operation that runs, stopping at the first
 * problem. graphql's own checks print the whole invalid value into every error, and
 * plugin-complexity collects every error: 100,000 unknown keys in one input object made that
 * 100,000 prints of a 100,000-key object (minutes of CPU). Here one print at most, the message
 * cut, and the request refused before the cost rule or execution coerce the variables again.
 */
function variablesProblem(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): GraphQLError | null {
  const oversized = oversizedVariable(schema, operation, variables);
  if (oversized) {
    return new GraphQLError(oversized.message, {
      nodes: [oversized.node],
      extensions: { code: "BAD_USER_INPUT", argument: oversized.variable },
    });
  }
  const { errors } = getVariableValues(schema, operation.variableDefinitions ?? [], variables, {
    maxErrors: 1,
  });
  const first = errors?.[0];
  if (!first) return null;
  const message =
    first.message.length > MAX_VARIABLE_MESSAGE
      ? `${first.message.slice(0, MAX_VARIABLE_MESSAGE)}… (cut)`
      : first.message;
  return new GraphQLError(message, {
    nodes: first.nodes,
    extensions: { code: "BAD_USER_INPUT" },
  });
}

/**
 * A variable value bigger than its type allows, found in one pass over the raw value before
 * graphql coerces it (coercion prints the whole value into each error, and a 100,000-item list
 * took a second to coerce before the argument check refused it): a list over MAX_LIST_ARGUMENT
 * items, or an input object with more keys than its type has fields.
 */
function oversizedVariable(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): { variable: string; node: VariableDefinitionNode; message: string } | null {
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    if (!type || !isInputType(type) || !Object.hasOwn(variables, name)) continue;
    const problem = oversized(variables[name], type, `$${name}`);
    if (problem) return { variable: name, node: definition, message: problem };
  }
  return null;
}

function oversized(value: unknown, type: GraphQLInputType, path: string): string | null {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (value === null || typeof value !== "object") return null;
  if (isListType(inner)) {
    const items = Array.isArray(value) ? value : [value];
    if (items.length > MAX_LIST_ARGUMENT) {
      return `Variable ${path} holds ${items.length} items; at most ${MAX_LIST_ARGUMENT} are allowed`;
    }
    for (const [i, item] of items.entries()) {
      const problem = oversized(item, inner.ofType, `${path}[${i}]`);
      if (problem) return problem;
    }
    return null;
  }
  if (isInputObjectType(inner) && !Array.isArray(value)) {
    const fields = inner.getFields();
    const keys = Object.keys(value);
    if (keys.length > Object.keys(fields).length) {
      const unknown = keys.find((key) => !Object.hasOwn(fields, key)) ?? "";
      return `Variable ${path} has ${keys.length} fields; ${inner.name} has ${Object.keys(fields).length} (no field "${unknown.slice(0, 100)}")`;
    }
    for (const key of keys) {
      const field = fields[key];
      if (!field) continue;
      const problem = oversized(
        (value as Record<string, unknown>)[key],
        field.type,
        `${path}.${key}`,
      );
      if (problem) return problem;
    }
  }
  return null;
}

/**
 * Reports the variables' first problem (see variablesProblem), and a subscription: the schema
 * has none, and graphql finds that out only when executing (an answer without a code).
 */
function variablesRule(
  operationName: string | undefined,
  problemOf: (validation: ValidationContext) => GraphQLError | null,
): ValidationRule {
  return (validation) => {
    const operation = chosenOperation(validation.getDocument(), operationName);
    if (operation?.operation === "subscription" && !validation.getSchema().getSubscriptionType()) {
      validation.reportError(
        new GraphQLError("Subscriptions are not supported: send a query or a mutation", {
          nodes: [operation],
          extensions: { code: "BAD_REQUEST", http: { status: 400 } },
        }),
      );
      return {};
    }
    const problem = problemOf(validation);
    if (problem) validation.reportError(problem);
    return {};
  };
}

/**
 * Depth, aliases, directives and cost of the operation the request runs, with its variables:
 * `first: $n` costs what $n says. Counted over the operation and every fragment of the document.
 */
function shapeRule(
  limits: OperationLimits,
  variables: Record<string, unknown>,
  operationName: string | undefined,
  context: object,
  problemOf: (validation: ValidationContext) => GraphQLError | null,
): ValidationRule[] {
  const shape: ValidationRule = (validation) => {
    const { aliases, directives } = countDocumentAliasesAndDirectives(validation.getDocument());
    if (aliases > limits.maxAliases) {
      validation.reportError(
        limitError(
          "QUERY_TOO_MANY_ALIASES",
          `The query uses ${aliases} aliases; at most ${limits.maxAliases} are allowed`,
          limits.maxAliases,
          aliases,
        ),
      );
    }
    if (directives > limits.maxDirectives) {
      validation.reportError(
        limitError(
          "QUERY_TOO_MANY_DIRECTIVES",
          `The query uses ${directives} directives; at most ${limits.maxDirectives} are allowed`,
          limits.maxDirectives,
          directives,
        ),
      );
    }
    return {};
  };
  const cost = createComplexityRule({
    variableValues: variables,
    ...(operationName ? { operationName } : {}),
    context,
    validate: (result, reportError) => {
      if (result.depth > limits.maxDepth) {
        reportError(
          limitError(
            "QUERY_TOO_DEEP",
            `The query depth is ${result.depth} levels; at most ${limits.maxDepth} are allowed`,
            limits.maxDepth,
            result.depth,
          ),
        );
      } else if (result.complexity > limits.maxCost) {
        reportError(
          limitError(
            "QUERY_TOO_COMPLEX",
            `The query costs ${result.complexity}; at most ${limits.maxCost} is allowed (page sizes, depth and limit arguments multiply the cost of what is selected below them)`,
            limits.maxCost,
            result.complexity,
          ),
        );
      }
    },
  });
  return [shape, ignoringUncountable(cost, problemOf)];
}

/**
 * The cost rule maps every field's arguments (decoding ids, coercing values) to price them. An
 * argument that cannot be mapped is the client's mistake, which graphql's own validation or the
 * field reports with its proper code when the operation runs; the cost is then not counted
 * here rather than reported as a second, vaguer error.
 */
function ignoringUncountable(
  rule: ValidationRule,
  problemOf: (validation: ValidationContext) => GraphQLError | null,
): ValidationRule {
  return (validation) => {
    // Variables that do not fit the operation are refused by variablesRule; the cost rule would
    // coerce them again, collecting every error.
    if (problemOf(validation)) return {};
    // Only the limit errors pass; the rule's reports about arguments it could not map do not.
    const onlyLimits = Object.create(validation, {
      reportError: {
        value: (error: GraphQLError) => {
          if (String(error.extensions?.code ?? "").startsWith("QUERY_")) {
            validation.reportError(error);
          }
        },
      },
    });
    const visitor = rule(onlyLimits) as {
      OperationDefinition?: { enter?: (node: unknown) => void; leave?: (node: unknown) => void };
    };
    const hooks = visitor.OperationDefinition;
    if (!hooks) return {};
    let uncountable = false;
    return {
      OperationDefinition: {
        enter(node) {
          uncountable = false;
          try {
            hooks.enter?.(node);
          } catch {
            uncountable = true;
          }
        },
        leave(node) {
          if (!uncountable) hooks.leave?.(node);
        },
      },
    };
  };
}

/**
 * Every field's arguments, as the resolver would get them (variables and defaults applied),
 * checked before anything runs: src/graphql/argument-checks.ts says what is refused.
 */
function argumentRule(
  variables: Record<string, unknown>,
  operationName: string | undefined,
  problemOf: (validation: ValidationContext) => GraphQLError | null,
): ValidationRule {
  return (validation) => {
    if (problemOf(validation)) return {}; // refused already, by variablesRule
    // The variables of the operation that runs, coerced as execution will; fields of fragments
    // are checked with them too. Wrong variables are left to graphql, which reports them.
    const operation = chosenOperation(validation.getDocument(), operationName);
    const coerced = operation
      ? getVariableValues(validation.getSchema(), operation.variableDefinitions ?? [], variables, {
          maxErrors: 1,
        }).coerced
      : undefined;
    return {
      Field: {
        enter(node) {
          const field = validation.getFieldDef();
          const parent = validation.getParentType();
          if (!field || !parent || field.args.length === 0) return;
          let args: Record<string, unknown>;
          try {
            args = getArgumentValues(field, node, coerced ?? {});
          } catch {
            return; // a wrong or missing argument: graphql reports it itself
          }
          const problem = argumentProblem(parent.name, field, args);
          if (problem) {
            validation.reportError(
              new GraphQLError(problem.message, {
                nodes: [node],
                extensions: { code: "BAD_USER_INPUT", argument: problem.argument },
              }),
            );
          }
        },
      },
    };
  };
}

// --- issue 9: the limits' verdict compiled per document ---

/**
 * What the cost of a selection comes to: its depth (the document's shape alone) and its cost,
 * fixed when no argument it depends on is a variable, else a function of the request.
 */
interface CompiledCost {
  depth: number;
  fixed: number | null;
  cost: (request: VerdictRequest) => number;
}

interface VerdictRequest {
  context: object;
  info: {
    fragments: Record<string, FragmentDefinitionNode>;
    variableValues: object;
    schema: GraphQLSchema;
  };
}

/** A field whose arguments hold a variable: checked with each request's variables. */
interface VariableArguments {
  parentType: string;
  field: GraphQLField<unknown, unknown>;
  node: FieldNode;
}

/**
 * A document's verdict on the request's variables: true when none of this plugin's rules would
 * report anything (the variables fit, the shape, cost and arguments are within the limits),
 * false when one might, and the request is then validated by the rules themselves.
 */
type Verdict = (variables: Record<string, unknown>, context: object) => boolean;

const NEVER: Verdict = () => false;

function holdsVariable(node: ValueNode): boolean {
  if (node.kind === Kind.VARIABLE) return true;
  if (node.kind === Kind.LIST) return node.values.some(holdsVariable);
  if (node.kind === Kind.OBJECT) return node.fields.some((field) => holdsVariable(field.value));
  return false;
}

const argumentsHoldVariables = (node: FieldNode) =>
  (node.arguments ?? []).some((argument) => holdsVariable(argument.value));

type ComplexityOption = number | { field?: number; multiplier?: number } | undefined;
type ComplexityFunction = (
  args: unknown,
  context: object,
  field: GraphQLField<unknown, unknown>,
) => ComplexityOption;

/**
 * plugin-complexity's `complexityFromSelectionSet` (calculate-complexity.js), evaluated once per
 * document: a field's cost is folded to a number when its arguments hold no variable (costs are
 * functions of the arguments alone) and it has no argument mappers (which see the context).
 * Whatever the plugin would refuse (an unknown field, a cyclic fragment) throws here too, and
 * the document is then left to the rules.
 */
function compileSelectionSet(
  schema: GraphQLSchema,
  fragments: Record<string, FragmentDefinitionNode>,
  selectionSet: SelectionSetNode,
  type: GraphQLOutputType,
  traversal: Traversal,
): CompiledCost {
  // As the plugin does: a selection set counted once per type, so exponential spreads stay cheap.
  const cached = traversal.results.get(selectionSet)?.get(type);
  if (cached) return cached;
  if (traversal.active.has(selectionSet)) throw new Error("cyclic fragment");
  traversal.active.add(selectionSet);
  const parts: CompiledCost[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      parts.push(compileField(schema, fragments, selection, type, traversal));
    } else {
      const fragment =
        selection.kind === Kind.FRAGMENT_SPREAD ? fragments[selection.name.value] : selection;
      if (!fragment) throw new Error("missing fragment");
      const fragmentType = fragment.typeCondition
        ? schema.getType(fragment.typeCondition.name.value)
        : type;
      if (!fragmentType || !isOutputType(fragmentType)) throw new Error("not an output type");
      parts.push(
        compileSelectionSet(schema, fragments, fragment.selectionSet, fragmentType, traversal),
      );
    }
  }
  traversal.active.delete(selectionSet);
  const depth = parts.reduce((deepest, part) => Math.max(deepest, part.depth), 0);
  let result: CompiledCost;
  if (parts.every((part) => part.fixed !== null)) {
    const fixed = parts.reduce((sum, part) => sum + (part.fixed as number), 0);
    result = { depth, fixed, cost: () => fixed };
  } else {
    // Once per request however often the selection set is spread, like the plugin's cache;
    // weakly held, so a document kept for long does not keep its last request's variables.
    const perRequest = new WeakMap<VerdictRequest, number>();
    result = {
      depth,
      fixed: null,
      cost: (request) => {
        let cost = perRequest.get(request);
        if (cost === undefined) {
          cost = parts.reduce((sum, part) => sum + part.cost(request), 0);
          perRequest.set(request, cost);
        }
        return cost;
      },
    };
  }
  let byType = traversal.results.get(selectionSet);
  if (!byType) {
    byType = new Map();
    traversal.results.set(selectionSet, byType);
  }
  byType.set(type, result);
  return result;
}

/** Aliases and directives over every operation and fragment of a document (the shape limits). */
function countDocumentAliasesAndDirectives(document: DocumentNode): {
  aliases: number;
  directives: number;
} {
  let aliases = 0;
  let directives = 0;
  for (const definition of document.definitions) {
    if (
      definition.kind === Kind.OPERATION_DEFINITION ||
      definition.kind === Kind.FRAGMENT_DEFINITION
    ) {
      const counted = countDirectivesAndAliases(definition as OperationDefinitionNode, new Set());
      aliases += counted.aliases;
      directives += counted.directives;
    }
  }
  return { aliases, directives };
}

/** Whether the document has an operation of that name. */
function namesOperation(document: DocumentNode, name: string): boolean {
  return document.definitions.some(
    (definition) =>
      definition.kind === Kind.OPERATION_DEFINITION && definition.name?.value === name,
  );
}

interface Traversal {
  active: Set<SelectionSetNode>;
  results: Map<SelectionSetNode, Map<GraphQLOutputType, CompiledCost>>;
}

function listType(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

function compileField(
  schema: GraphQLSchema,
  fragments: Record<string, FragmentDefinitionNode>,
  selection: FieldNode,
  type: GraphQLOutputType,
  traversal: Traversal,
): CompiledCost {
  const name = selection.name.value;
  const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
  if (!field && !name.startsWith("__")) throw new Error("unknown field");
  const option = field?.extensions?.complexity as ComplexityOption | ComplexityFunction;
  const sub =
    field && selection.selectionSet
      ? compileSelectionSet(
          schema,
          fragments,
          selection.selectionSet,
          getNamedType(field.type),
          traversal,
        )
      : null;
  const depth = 1 + (sub?.depth ?? 0);
  const total = (resolved: ComplexityOption, subCost: number) => {
    const multiplier =
      typeof resolved === "object" && resolved.multiplier !== undefined
        ? resolved.multiplier
        : field && listType(field.type)
          ? 10 // plugin-complexity's DEFAULT_LIST_MULTIPLIER
          : 1;
    const own = typeof resolved === "number" ? resolved : (resolved?.field ?? 1);
    return (sub ? subCost * Math.max(multiplier, 0) : 0) + own;
  };
  if (!field || typeof option !== "function") {
    const plain = typeof option === "function" ? undefined : option;
    if (sub?.fixed === null) {
      const subCost = sub.cost;
      return { depth, fixed: null, cost: (request) => total(plain, subCost(request)) };
    }
    const fixed = total(plain, sub?.fixed ?? 0);
    return { depth, fixed, cost: () => fixed };
  }
  const mappers = (field.extensions as { pothosArgMappers?: unknown[] }).pothosArgMappers;
  const resolve = (request: VerdictRequest) => {
    const args = getMappedArgumentValues(
      field,
      selection,
      request.context as never,
      request.info as never,
    );
    if (args instanceof Promise) throw new Error("asynchronous argument mapping");
    return option(args, request.context, field);
  };
  if (!argumentsHoldVariables(selection) && !mappers?.length) {
    const resolved = option(getArgumentValues(field, selection, {}), {}, field);
    if (sub?.fixed !== null) {
      const fixed = total(resolved, sub?.fixed ?? 0);
      return { depth, fixed, cost: () => fixed };
    }
    const subCost = sub.cost;
    return { depth, fixed: null, cost: (request) => total(resolved, subCost(request)) };
  }
  const subCost = sub?.cost ?? (() => 0);
  return { depth, fixed: null, cost: (request) => total(resolve(request), subCost(request)) };
}

/**
 * The verdict of this plugin's rules on a document, compiled once: everything that does not
 * depend on the variables (the operation chosen, aliases, directives, depth, the cost and
 * arguments of fields without variables) is decided here; what does is left to a few calls per
 * request. A document that any part would refuse always goes to the rules. Skipping the rules
 * when they would report nothing leaves the validation result as it was, whatever graphql's
 * own rules or other plugins' rules report.
 */
function compileVerdict(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  limits: OperationLimits,
): Verdict {
  const operation = chosenOperation(document, operationName);
  if (!operation) return NEVER;
  if (operation.operation === "subscription" && !schema.getSubscriptionType()) return NEVER;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const { aliases, directives } = countDocumentAliasesAndDirectives(document);
  if (aliases > limits.maxAliases || directives > limits.maxDirectives) return NEVER;
  const root = schema.getRootType(operation.operation);
  if (!root) return NEVER;
  let cost: CompiledCost;
  try {
    cost = compileSelectionSet(schema, fragments, operation.selectionSet, root, {
      active: new Set(),
      results: new Map(),
    });
  } catch {
    return NEVER;
  }
  if (cost.depth > limits.maxDepth) return NEVER;
  if (cost.fixed !== null && cost.fixed > limits.maxCost) return NEVER;
  // The argument rule checks every field of the document, with the chosen operation's variables.
  const variableArguments: VariableArguments[] = [];
  let refused = false;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        if (!field || !parent || field.args.length === 0) return;
        if (argumentsHoldVariables(node)) {
          variableArguments.push({ parentType: parent.name, field, node });
          return;
        }
        try {
          if (argumentProblem(parent.name, field, getArgumentValues(field, node, {})))
            refused = true;
        } catch {
          refused = true;
        }
      },
    }),
  );
  if (refused) return NEVER;
  const definitions = operation.variableDefinitions ?? [];
  return (variables, context) => {
    if (oversizedVariable(schema, operation, variables)) return false;
    const { coerced, errors } = getVariableValues(schema, definitions, variables, { maxErrors: 1 });
    if (errors || !coerced) return false;
    try {
      for (const { parentType, field, node } of variableArguments) {
        if (argumentProblem(parentType, field, getArgumentValues(field, node, coerced)))
          return false;
      }
      if (cost.fixed !== null) return true;
      return (
        cost.cost({ context, info: { fragments, variableValues: coerced, schema } }) <=
        limits.maxCost
      );
    } catch {
      return false;
    }
  };
}
// --- end issue 9 ---

/**
 * The operation limits as one yoga plugin: the document's length before it is parsed, its
 * tokens while it is parsed, and its shape, cost and arguments while it is validated, so a
 * refused request never reaches a resolver or the database.
 */
export function operationLimitsPlugin(
  limits: OperationLimits,
  options: {
    /** Off: every request runs the rules (tests compare the two ways; default on). */
    compiledVerdict?: boolean;
  } = {},
): Plugin {
  const compiled = options.compiledVerdict ?? true;
  // Per parsed document (yoga caches documents by text), per operation name.
  const verdicts = new WeakMap<DocumentNode, Map<string, Verdict>>();
  const verdictFor = (
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | undefined,
  ) => {
    let byOperation = verdicts.get(document);
    if (!byOperation) {
      byOperation = new Map();
      verdicts.set(document, byOperation);
    }
    const key = operationName ?? "";
    let verdict = byOperation.get(key);
    if (!verdict) {
      verdict = compileVerdict(schema, document, operationName, limits);
      // Kept only for a name the document has (or none): a client sending endless made-up
      // operation names must not grow the map of a document that stays cached.
      if (operationName === undefined || namesOperation(document, operationName)) {
        byOperation.set(key, verdict);
      }
    }
    return verdict;
  };
  return {
    onParams({ params }) {
      const length = typeof params.query === "string" ? params.query.length : 0;
      if (length > limits.maxLength) {
        throw limitError(
          "QUERY_TOO_LONG",
          `The query is ${length} characters long; at most ${limits.maxLength} are allowed`,
          limits.maxLength,
          length,
        );
      }
    },
    onParse({ setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parse(source, { ...options, maxTokens: limits.maxTokens });
        } catch (error) {
          // graphql 16 words it "contains more that N tokens".
          if (error instanceof GraphQLError && / more th(?:an|at) \d+ tokens/.test(error.message)) {
            throw limitError(
              "QUERY_TOO_LONG",
              `The query has more than ${limits.maxTokens} tokens; at most ${limits.maxTokens} are allowed`,
              limits.maxTokens,
              limits.maxTokens + 1,
            );
          }
          throw error;
        }
      });
    },
    onValidate({ addValidationRule, context, params: validation }) {
      const params = (context as { params?: { variables?: unknown; operationName?: string } })
        .params;
      const variables =
        params?.variables && typeof params.variables === "object"
          ? (params.variables as Record<string, unknown>)
          : {};
      const operationName = params?.operationName ?? undefined;
      // A document's compiled verdict accepts most requests in a few calls; the rules below run
      // only when it cannot, so every refusal is theirs, worded as before.
      if (
        compiled &&
        verdictFor(validation.schema, validation.documentAST, operationName)(variables, context)
      ) {
        return;
      }
      // Once per request, shared by the rules.
      let problem: GraphQLError | null | undefined;
      const problemOf = (validation: ValidationContext) => {
        if (problem === undefined) {
          const operation = chosenOperation(validation.getDocument(), operationName);
          problem = operation
            ? variablesProblem(validation.getSchema(), operation, variables)
            : null;
        }
        return problem;
      };
      addValidationRule(variablesRule(operationName, problemOf));
      for (const rule of shapeRule(limits, variables, operationName, context, problemOf)) {
        addValidationRule(rule);
      }
      addValidationRule(argumentRule(variables, operationName, problemOf));
    },
  };
}

/**
 * What the schema tells strangers: introspection can be switched off, and outside development
 * the "Did you mean …?" hints of validation errors are dropped (they list field names a client
 * did not ask about).
 */
export function schemaExposurePlugin(options: {
  introspection: boolean;
  fieldSuggestions: boolean;
}): Plugin {
  return {
    onValidate({ addValidationRule }) {
      if (!options.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
      if (options.fieldSuggestions) return;
      return ({ result, setResult }) => {
        if (result.length === 0) return;
        setResult(
          result.map((error) =>
            / Did you mean /.test(error.message)
              ? new GraphQLError(error.message.replace(/ Did you mean .*$/, ""), {
                  nodes: error.nodes,
                  extensions: error.extensions,
                })
              : error,
          ),
        );
      };
    },
  };
}
