import { createComplexityRule } from "@pothos/plugin-complexity";
import {
  type FieldNode,
  GraphQLError,
  getArgumentValues,
  getVariableValues,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type OperationDefinitionNode,
  parse,
  type ValidationRule,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { argumentProblem } from "../graphql/argument-checks.ts";

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

/**
 * Depth, aliases, directives and cost of the operation the request runs, with its variables:
 * `first: $n` costs what $n says. Counted over the operation and every fragment of the document.
 */
function shapeRule(
  limits: OperationLimits,
  variables: Record<string, unknown>,
  operationName: string | undefined,
  context: object,
): ValidationRule[] {
  const shape: ValidationRule = (validation) => {
    const document = validation.getDocument();
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
  return [shape, ignoringUncountable(cost)];
}

/**
 * The cost rule maps every field's arguments (decoding ids, coercing values) to price them. An
 * argument that cannot be mapped is the client's mistake, which graphql's own validation or the
 * field reports with its proper code when the operation runs; the cost is then not counted
 * here rather than reported as a second, vaguer error.
 */
function ignoringUncountable(rule: ValidationRule): ValidationRule {
  return (validation) => {
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
): ValidationRule {
  return (validation) => {
    // The variables of the operation that runs, coerced as execution will; fields of fragments
    // are checked with them too. Wrong variables are left to graphql, which reports them.
    const operations = validation
      .getDocument()
      .definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
    const operation =
      operationName === undefined
        ? operations.length === 1
          ? operations[0]
          : undefined
        : operations.find((o) => o.name?.value === operationName);
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

/**
 * The operation limits as one yoga plugin: the document's length before it is parsed, its
 * tokens while it is parsed, and its shape, cost and arguments while it is validated, so a
 * refused request never reaches a resolver or the database.
 */
export function operationLimitsPlugin(limits: OperationLimits): Plugin {
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
          if (error instanceof GraphQLError && /more than \d+ tokens/.test(error.message)) {
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
    onValidate({ addValidationRule, context }) {
      const params = (context as { params?: { variables?: unknown; operationName?: string } })
        .params;
      const variables =
        params?.variables && typeof params.variables === "object"
          ? (params.variables as Record<string, unknown>)
          : {};
      for (const rule of shapeRule(limits, variables, params?.operationName, context)) {
        addValidationRule(rule);
      }
      addValidationRule(argumentRule(variables, params?.operationName ?? undefined));
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
