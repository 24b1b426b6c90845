/**
 * Named call groups and pickup groups (pickup.md §3, seed 002): accepted as a list or as one
 * comma-separated string, stored as a list (trimmed, duplicates dropped, first occurrence kept).
 *
 * Name rules: only Latin letters, digits, `_` and `-`; case-sensitive (`Sales` ≠ `sales`); not only
 * digits (those would clash with `88<extension>`); not starting with `cg_` (reserved, as in Wildix; the
 * check is case-sensitive like the names); not empty. The comma-separated form — given, or the list joined
 * with `,` — is at most 1024 characters.
 */
import { DirectoryError } from './errors.ts';

/** Longest comma-separated form of a named-group field. */
export const NAMED_GROUPS_MAX_CHARS = 1024;

const NAME_CHARS = /^[A-Za-z0-9_-]+$/;
const ONLY_DIGITS = /^[0-9]+$/;

/** Why `name` is not a valid group name, or undefined when it is. */
export function groupNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a group name must not be empty';
  if (!NAME_CHARS.test(name)) {
    return `group name '${name}' may contain only Latin letters, digits, '_' and '-'`;
  }
  if (ONLY_DIGITS.test(name))
    return `group name '${name}' must not be only digits (88<digits> dials an extension)`;
  if (name.startsWith('cg_')) return `group name '${name}' must not start with 'cg_' (reserved)`;
  return undefined;
}

function refuse(field: string, path: string, message: string): DirectoryError {
  return new DirectoryError(400, 'INVALID_GROUP_NAME', `${field}: ${message}`, [{ path, message }]);
}

/**
 * The stored list of a `call_groups` / `pickup_groups` input. Throws 400 INVALID_GROUP_NAME with the path
 * of the first bad name (`/<field>/<index>`; for the string form the index after splitting on `,`) or of
 * the field itself when the 1024-character limit is exceeded. An empty (or blank) string means no groups.
 */
export function parseNamedGroups(input: string[] | string, field: string): string[] {
  const base = `/${field}`;
  let names: string[];
  if (typeof input === 'string') {
    if (input.length > NAMED_GROUPS_MAX_CHARS) {
      throw refuse(
        field,
        base,
        `the comma-separated form is at most ${NAMED_GROUPS_MAX_CHARS} characters (got ${input.length})`,
      );
    }
    names = input.trim() === '' ? [] : input.split(',').map((n) => n.trim());
  } else {
    names = input.map((n) => n.trim());
  }
  names.forEach((name, i) => {
    const problem = groupNameProblem(name);
    if (problem) throw refuse(field, `${base}/${i}`, problem);
  });
  const unique = [...new Set(names)];
  const joined = unique.join(',').length;
  if (joined > NAMED_GROUPS_MAX_CHARS) {
    throw refuse(
      field,
      base,
      `the groups joined with ',' must be at most ${NAMED_GROUPS_MAX_CHARS} characters (got ${joined})`,
    );
  }
  return unique;
}
