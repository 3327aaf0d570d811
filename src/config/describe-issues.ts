import type { BaseIssue } from 'valibot';

/**
 * One line per validation issue: the dotted path of the field ('(root)' for the document itself) and what is wrong.
 * A key the schema does not allow is named at the object that holds it.
 */
export function describeIssues(issues: readonly BaseIssue<unknown>[]): string[] {
  return issues.map((issue) => {
    const path = (issue.path ?? []).map((item) => String(item.key));
    const last = issue.path?.at(-1);
    if (last?.origin === 'key' && (issue.type === 'strict_object' || issue.type === 'object')) {
      if (issue.expected === 'never')
        return `${path.slice(0, -1).join('.') || '(root)'}: Unrecognized key: ${JSON.stringify(last.key)}`;
      return `${path.join('.')}: missing`;
    }
    return `${path.join('.') || '(root)'}: ${issue.message}`;
  });
}
