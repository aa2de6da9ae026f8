import { type TemplateSpec, getTemplate } from '@vlm/core';

const q = (s: string) => JSON.stringify(s); // a JSON string literal is a valid Jinja string literal

// The text of one message: its images first (each `<image>\n`, LLaVA's front placement), then its text parts.
const MESSAGE_TEXT = `{%- if m['content'] is string -%}{%- set text = m['content'] -%}{%- else -%}{%- set ns = namespace(t='') -%}{%- for c in m['content'] -%}{%- if c['type'] == 'image' -%}{%- set ns.t = ns.t + '<image>\\n' -%}{%- endif -%}{%- endfor -%}{%- for c in m['content'] -%}{%- if c['type'] == 'text' -%}{%- set ns.t = ns.t + c['text'] -%}{%- endif -%}{%- endfor -%}{%- set text = ns.t -%}{%- endif -%}`;

function systemBlock(spec: TemplateSpec): string {
  const [before, after] = spec.systemFormat.split('{system}') as [string, string | undefined];
  return (
    `{%- set sys = ${q(spec.system)} -%}{%- set msgs = messages -%}` +
    `{%- if messages and messages[0]['role'] == 'system' -%}{%- set m = messages[0] -%}${MESSAGE_TEXT}{%- set sys = text -%}{%- set msgs = messages[1:] -%}{%- endif -%}` +
    `{%- if sys -%}{{- ${q(before)} + sys + ${q(after ?? '')} -}}{%- endif -%}{{- ${q(spec.sep)} -}}`
  );
}

/**
 * A Jinja chat template (for `apply_chat_template`, in `chat_template.jinja`) that writes the same text
 * as `formatConversation` with this conversation template for messages in the Hugging Face form
 * (`{role, content}` with content a string or `[{type: 'image'}, {type: 'text', text}]`; images go to the
 * front of their message as `<image>\n`). Undefined for styles it cannot express (llama_2, v0_train).
 */
export function hfChatTemplate(template: string | TemplateSpec): string | undefined {
  const spec = getTemplate(template);
  const user = q(spec.roles.user);
  const assistant = q(spec.roles.assistant);
  const role = `{%- set role = ${user} if m['role'] == 'user' else ${assistant} -%}`;
  const loop = (body: string) => `{%- for m in msgs -%}${role}${MESSAGE_TEXT}${body}{%- endfor -%}`;
  switch (spec.style) {
    case 'two':
      return systemBlock(spec) + loop(`{{- role + ': ' + text + (${q(spec.sep)} if m['role'] == 'user' else ${q(spec.sep2 ?? spec.sep)}) -}}`) + `{%- if add_generation_prompt -%}{{- ${assistant} + ':' -}}{%- endif -%}`;
    case 'single':
      return systemBlock(spec) + loop(`{{- role + ': ' + text + ${q(spec.sep)} -}}`) + `{%- if add_generation_prompt -%}{{- ${assistant} + ':' -}}{%- endif -%}`;
    case 'mpt':
      return systemBlock(spec) + loop(`{{- role + text + ${q(spec.sep)} + ${q(spec.turnSuffix)} -}}`) + `{%- if add_generation_prompt -%}{{- ${assistant} -}}{%- endif -%}`;
    case 'plain':
      // stage-1 pretraining: the image, then the caption and the separator; instructions are dropped
      return `{%- for m in messages -%}{%- if m['content'] is not string -%}{%- for c in m['content'] -%}{%- if c['type'] == 'image' -%}{{- '<image>' -}}{%- endif -%}{%- endfor -%}{%- endif -%}{%- if m['role'] == 'assistant' -%}{%- set ns = namespace(t='') -%}{%- if m['content'] is string -%}{%- set ns.t = m['content'] -%}{%- else -%}{%- for c in m['content'] -%}{%- if c['type'] == 'text' -%}{%- set ns.t = ns.t + c['text'] -%}{%- endif -%}{%- endfor -%}{%- endif -%}{{- ns.t + ${q(spec.sep)} -}}{%- endif -%}{%- endfor -%}`;
    default:
      return undefined;
  }
}
