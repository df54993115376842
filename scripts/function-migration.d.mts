/** Types of function-migration.mjs, for the tests that import it. */
export interface FunctionSource {
  name: string;
  file: string;
  text: string;
  definition: string;
}
export function functionSources(): FunctionSource[];
export function changedFunctions(): FunctionSource[];
