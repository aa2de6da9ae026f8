/** An append-only JSONL file: torn-tail repair on open, ordered appends, group-committed fsync. */
export { JsonlAppender, readJsonl, type AppendedLine, type JsonlAppenderOptions } from './jsonl-appender';
/** Streams the complete lines of a JSONL file with their byte offsets; reports a torn tail. */
export { scanJsonl, type JsonlLine, type JsonlScan } from './scan-jsonl';
