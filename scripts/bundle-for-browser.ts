import { build } from 'esbuild';

/**
 * Bundles `import * as m from '<name>'` for the browser platform from `fromDir` (resolving workspace
 * packages to their sources) and returns esbuild's errors as "what: where" lines; none means browser-safe.
 */
export async function bundleForBrowser(name: string, fromDir: string): Promise<{ errors: string[]; bytes: number }> {
  const result = await build({
    stdin: { contents: `import * as m from '${name}'; globalThis.m = m;`, resolveDir: fromDir, loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    conditions: ['@vlm/source'],
  }).catch((error: { errors?: { text: string; location?: { file: string; line: number } | null }[] }) => ({ errors: error.errors ?? [], outputFiles: [] }));
  const errors = result.errors.map((e) => `${e.text}${e.location ? `: ${e.location.file}:${e.location.line}` : ''}`);
  return { errors, bytes: result.outputFiles?.reduce((n, f) => n + f.contents.byteLength, 0) ?? 0 };
}
