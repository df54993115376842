import {
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  specifiedRules,
  type ValidationRule,
} from "graphql";
import type { Plugin } from "graphql-yoga";

const SPECIFIED = new Set<ValidationRule>(specifiedRules);

/**
 * Validation in two parts: graphql's specified rules, which depend only on the schema and the
 * document, are run once per parsed document (yoga caches documents by text); the rules added
 * by plugins (cost, argument checks, introspection), which depend on the request's variables and
 * context, run on every request as before. The specified rules were ~18% of the server's time
 * per deep walk on PGlite (issue 9), and yoga's own validation cache cannot be used: it caches
 * the added rules' verdicts too.
 *
 * A document whose specified rules report errors is validated whole, uncached, so its errors
 * come in exactly the order and number they did before.
 */
export function useSpecifiedRulesCache(): Plugin {
  const cache = new WeakMap<
    GraphQLSchema,
    Map<string, WeakMap<DocumentNode, readonly GraphQLError[]>>
  >();
  return {
    onValidate({ setValidationFn, validateFn }) {
      const validate = validateFn;
      setValidationFn((schema, document, rules, typeInfo, options) => {
        if (!rules) return validate(schema, document, rules, typeInfo, options);
        const all: readonly ValidationRule[] = rules;
        const specified = all.filter((rule) => SPECIFIED.has(rule));
        if (specified.length === 0) return validate(schema, document, rules, typeInfo, options);
        const added = all.filter((rule) => !SPECIFIED.has(rule));
        let byRules = cache.get(schema);
        if (!byRules) {
          byRules = new Map();
          cache.set(schema, byRules);
        }
        const rulesKey = specified.map((rule: ValidationRule) => rule.name).join(",");
        let byDocument = byRules.get(rulesKey);
        if (!byDocument) {
          byDocument = new WeakMap();
          byRules.set(rulesKey, byDocument);
        }
        let errors = byDocument.get(document);
        if (errors === undefined) {
          const found: readonly GraphQLError[] = validate(
            schema,
            document,
            specified,
            typeInfo,
            options,
          );
          byDocument.set(document, found);
          errors = found;
        }
        if (errors.length > 0) return validate(schema, document, rules, typeInfo, options);
        return added.length > 0 ? validate(schema, document, added, typeInfo, options) : [];
      });
    },
  };
}
