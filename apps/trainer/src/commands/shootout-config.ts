import { VlmError } from '@vlm/core';
import { type ShootoutConnector, shootoutConnectors } from '@vlm/shapes-demo';

/** `vlm-train demo --config <file>`: the connector shoot-out (or the demo) as a file. */
export interface DemoConfig {
  /** true, or the shoot-out's own settings. */
  compareConnectors?: boolean | { connectors?: ShootoutConnector[]; stage2Steps?: number; testScenes?: number };
  out?: string;
  seed?: number;
  quick?: boolean;
  force?: boolean;
}

const TOP = ['compareConnectors', 'out', 'seed', 'quick', 'force'];
const SHOOTOUT = ['connectors', 'stage2Steps', 'testScenes'];

function bad(file: string, field: string, message: string, hint: string): never {
  throw new VlmError('config_invalid', `${file}: ${field} ${message}`, { location: { file, field }, hint });
}

function positiveInt(value: unknown, file: string, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) bad(file, field, `must be a positive whole number, got ${JSON.stringify(value)}`, `e.g. ${field}: 600`);
  return value;
}

/** Checks a parsed demo config; every error names the file and the field. */
export function parseDemoConfig(json: unknown, file: string): DemoConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) bad(file, '(top level)', 'must be a mapping', 'e.g. compareConnectors: true');
  const c = json as Record<string, unknown>;
  for (const key of Object.keys(c)) if (!TOP.includes(key)) bad(file, key, 'is not a demo setting', `use ${TOP.join(', ')}`);
  const out: DemoConfig = {};
  if (c.out !== undefined) {
    if (typeof c.out !== 'string' || c.out === '') bad(file, 'out', 'must be a folder name', 'e.g. out: vlm-connectors');
    out.out = c.out;
  }
  if (c.seed !== undefined) {
    if (typeof c.seed !== 'number' || !Number.isSafeInteger(c.seed) || c.seed < 0) bad(file, 'seed', `must be a non-negative whole number, got ${JSON.stringify(c.seed)}`, 'e.g. seed: 1');
    out.seed = c.seed;
  }
  for (const key of ['quick', 'force'] as const) {
    if (c[key] !== undefined && typeof c[key] !== 'boolean') bad(file, key, 'must be true or false', `e.g. ${key}: true`);
    if (c[key] !== undefined) out[key] = c[key] as boolean;
  }
  const s = c.compareConnectors;
  if (s === undefined || typeof s === 'boolean') out.compareConnectors = s;
  else if (typeof s !== 'object' || s === null || Array.isArray(s)) bad(file, 'compareConnectors', 'must be true or a mapping of its settings', `e.g. compareConnectors: { connectors: [${shootoutConnectors.join(', ')}] }`);
  else {
    const m = s as Record<string, unknown>;
    for (const key of Object.keys(m)) if (!SHOOTOUT.includes(key)) bad(file, `compareConnectors.${key}`, 'is not a shoot-out setting', `use ${SHOOTOUT.join(', ')}`);
    const settings: Exclude<DemoConfig['compareConnectors'], boolean | undefined> = {};
    if (m.connectors !== undefined) {
      if (!Array.isArray(m.connectors) || m.connectors.length === 0) bad(file, 'compareConnectors.connectors', 'must be a non-empty list', `e.g. [${shootoutConnectors.join(', ')}]`);
      m.connectors.forEach((name, i) => {
        if (!shootoutConnectors.includes(name as ShootoutConnector)) bad(file, `compareConnectors.connectors[${i}]`, `${JSON.stringify(name)} is not a connector the shoot-out knows`, `use ${shootoutConnectors.join(', ')}`);
      });
      settings.connectors = m.connectors as ShootoutConnector[];
    }
    if (m.stage2Steps !== undefined) settings.stage2Steps = positiveInt(m.stage2Steps, file, 'compareConnectors.stage2Steps');
    if (m.testScenes !== undefined) settings.testScenes = positiveInt(m.testScenes, file, 'compareConnectors.testScenes');
    out.compareConnectors = settings;
  }
  return out;
}
