import type { z } from 'zod';

/**
 * One bad field of a request, named so a caller can fix it: what the ingress answers as problem+json
 * `errors[]`, and what the CLI prints. Kept beside the schemas (./schemas.ts) whose zod issues it translates.
 */
export interface FieldIssue {
  /** Dotted path into the request body (`actions.1.url`), or a header name. */
  path: string;
  message: string;
}

const pathOf = (p: readonly PropertyKey[]): string => p.map(String).join('.');

/** One FieldIssue per bad field: unknown keys are split so each one is named. */
export function zodIssuesToFieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const i of issues) {
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) {
        out.push({
          path: pathOf([...i.path, k]),
          message:
            k === 'callbackUrl'
              ? 'callbackUrl is chosen by the service (callbacks always come back to it); remove it'
              : 'unknown field',
        });
      }
    } else if (i.code === 'invalid_union' && i.errors.length > 0) {
      // A union of strict objects: the branch the caller meant is the one with no unknown keys.
      const meant = i.errors.find(
        (branch) => branch.length > 0 && branch.every((e) => e.code !== 'unrecognized_keys'),
      );
      if (meant)
        out.push(...zodIssuesToFieldIssues(meant.map((e) => ({ ...e, path: [...i.path, ...e.path] }))));
      else
        out.push({
          path: pathOf(i.path),
          message: 'must be {"userId": "..."} or {"email": "..."}, exactly one',
        });
    } else {
      out.push({ path: pathOf(i.path), message: i.message });
    }
  }
  return out;
}
