/**
 * Resolves an image path against an image root without touching the file system, or returns undefined
 * when the path escapes the root (`..`, absolute paths, drive letters, URLs). Browser-safe.
 */
export function resolveImagePath(imageRoot: string, path: string): string | undefined {
  if (path.length === 0 || path.includes('\0')) return undefined;
  if (/^([a-zA-Z]:|[\\/]|[a-zA-Z][a-zA-Z0-9+.-]*:\/\/)/.test(path)) return undefined;
  const parts: string[] = [];
  for (const part of path.split(/[\\/]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  if (parts.length === 0) return undefined;
  const root = imageRoot.replace(/[\\/]+$/, '');
  return root.length === 0 ? parts.join('/') : `${root}/${parts.join('/')}`;
}
