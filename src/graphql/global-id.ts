import { MAX_ID, NODE_TYPES, type NodeType } from "../domain/rules.ts";
import { badUserInput } from "./client-errors.ts";

const GLOBAL_ID = new RegExp(`^(${NODE_TYPES.join("|")}):([1-9][0-9]{0,9})$`);

/** Global ids are base64 of `Type:id`, as the relay plugin writes them. */
export function encodeGlobalId(typename: NodeType, id: number): string {
  return Buffer.from(`${typename}:${id}`).toString("base64");
}

/** Anything but a global id this server wrote is the client's mistake, said plainly. */
export function decodeGlobalId(globalID: string): { typename: string; id: string } {
  const decoded = Buffer.from(globalID, "base64").toString("utf8");
  const match = GLOBAL_ID.exec(decoded);
  if (
    match === null ||
    Buffer.from(decoded, "utf8").toString("base64") !== globalID ||
    Number(match[2]) > MAX_ID
  ) {
    throw badUserInput(`"${globalID.slice(0, 100)}" is not a pickgraph id`, { argument: "id" });
  }
  return { typename: match[1] as string, id: match[2] as string };
}
