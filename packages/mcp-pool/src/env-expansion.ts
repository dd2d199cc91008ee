/** `${VAR}` expansion in config values, shell-style. */

import { ConfigError } from "./errors.js";
import { SESSION_ID_PLACEHOLDER } from "./session-placeholder.js";

const VARIABLE_REFERENCE = /\$\{([^}]*)\}/g;
const VARIABLE_BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/**
 * Expands `${NAME}` and `${NAME:-default}` (default when unset or empty, as in
 * the shell). `$NAME` without braces is left alone. Throws ConfigError for an
 * unset variable without default or a malformed reference. `${session.id}` is
 * not a variable (a name has no `.`): it is left in place, for the per-session
 * fill at connect (see session-placeholder.ts). `onExpanded` hears each
 * variable's value put in (not a default written in the config).
 */
export function expandEnv(
  value: string,
  env: Record<string, string | undefined> = process.env,
  onExpanded?: (variableValue: string) => void,
): string {
  return value.replace(VARIABLE_REFERENCE, (reference: string, body: string) => {
    if (reference === SESSION_ID_PLACEHOLDER) return reference;
    const match = VARIABLE_BODY.exec(body);
    if (!match) {
      throw new ConfigError(`malformed variable reference "${reference}" (write \${NAME} or \${NAME:-default})`);
    }
    const [, name = "", fallback] = match;
    // Own values only: `${constructor}` or `${toString}` is an unset variable, not a built-in function.
    const own = Object.hasOwn(env, name) ? env[name] : undefined;
    const found = typeof own === "string" ? own : undefined;
    if (fallback !== undefined && !found) return fallback;
    if (found === undefined) {
      throw new ConfigError(`environment variable ${name} is not set (write \${${name}:-default} to give a default)`);
    }
    onExpanded?.(found);
    return found;
  });
}
