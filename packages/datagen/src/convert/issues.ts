/** A source row that could not be converted: where it is and why. The conversion goes on without it. */
export interface ConversionIssue {
  file: string;
  /** 1-based line where the row starts, when the format has lines. */
  line?: number;
  /** 0-based index of the row in its container. */
  index?: number;
  /** Row key or id (object member name, question id). */
  key?: string;
  reason: string;
}

/** Collects conversion issues: counts all, keeps the first `keep` for the report, forwards each to a callback. */
export class IssueLog {
  readonly kept: ConversionIssue[] = [];
  count = 0;
  constructor(
    private readonly onIssue?: (issue: ConversionIssue) => void,
    private readonly keep = 1000,
  ) {}

  add(issue: ConversionIssue): void {
    this.count++;
    if (this.kept.length < this.keep) this.kept.push(issue);
    this.onIssue?.(issue);
  }
}

/** `file.json:12 [index 3, key "q1"]: reason` — one issue on one line, for logs and CLIs. */
export function formatIssue(issue: ConversionIssue): string {
  const where: string[] = [];
  if (issue.index !== undefined) where.push(`index ${issue.index}`);
  if (issue.key !== undefined) where.push(`key ${JSON.stringify(issue.key)}`);
  return `${issue.file}${issue.line !== undefined ? `:${issue.line}` : ''}${where.length ? ` [${where.join(', ')}]` : ''}: ${issue.reason}`;
}
