import { VlmError } from '../errors/vlm-error';
import { chatml } from './chatml';
import { llavaLlama2 } from './llava-llama-2';
import { llavaV0 } from './llava-v0';
import { llavaV0Train } from './llava-v0-train';
import { llavaV1 } from './llava-v1';
import { mistralInstruct } from './mistral-instruct';
import { mpt } from './mpt';
import { plain } from './plain';
import { templateSpecSchema, type TemplateSpec, type TemplateSpecInput } from './template-spec';
import { vicunaV1 } from './vicuna-v1';

const BUILT_IN: TemplateSpecInput[] = [llavaV0, llavaV0Train, vicunaV1, llavaV1, plain, llavaLlama2, mistralInstruct, mpt, chatml];

/** Names of the templates that ship with @vlm/core. */
export const BUILT_IN_TEMPLATE_NAMES: readonly string[] = BUILT_IN.map((t) => t.name);

const registry = new Map<string, TemplateSpec>(BUILT_IN.map((t) => [t.name, templateSpecSchema.parse(t)]));

/** Validates a spec; throws `VlmError('template_invalid')` naming the bad field. */
export function parseTemplateSpec(spec: unknown): TemplateSpec {
  const parsed = templateSpecSchema.safeParse(spec);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = typeof spec === 'object' && spec !== null ? (spec as { name?: unknown }).name : undefined;
  throw new VlmError('template_invalid', `Template ${JSON.stringify(name ?? '?')} is invalid: ${issue.message}.`, {
    location: { field: issue.path.join('.') || 'template' },
    hint: 'A template needs name, style, system, roles {user, assistant} and sep; see TemplateSpec.',
  });
}

/** Adds (or, with `replace`, overrides) a template in the registry and returns the validated spec. */
export function registerTemplate(spec: TemplateSpecInput, options: { replace?: boolean } = {}): TemplateSpec {
  const parsed = parseTemplateSpec(spec);
  if (registry.has(parsed.name) && !options.replace) {
    throw new VlmError('template_exists', `A template named ${JSON.stringify(parsed.name)} is already registered.`, {
      hint: 'Pick another name or pass { replace: true }.',
    });
  }
  registry.set(parsed.name, parsed);
  return parsed;
}

/** A template by name, or the spec itself when one is passed. Unknown names throw `template_unknown`. */
export function getTemplate(template: string | TemplateSpec | TemplateSpecInput): TemplateSpec {
  if (typeof template !== 'string') return parseTemplateSpec(template);
  const spec = registry.get(template);
  if (!spec) {
    throw new VlmError('template_unknown', `Unknown conversation template ${JSON.stringify(template)}.`, {
      hint: `Known templates: ${[...registry.keys()].join(', ')}; register others with registerTemplate().`,
    });
  }
  return spec;
}

/** All registered template names, built-in first. */
export function listTemplates(): string[] {
  return [...registry.keys()];
}
