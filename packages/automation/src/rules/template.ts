/**
 * `{{path}}` placeholders over the rule context. Paths are dotted (`payload.customer.name`) and
 * read own properties only; a missing value renders as an empty string; objects render as JSON.
 */

const PLACEHOLDER = /\{\{\s*([A-Za-z_$][\w$]*(?:\.[\w$]+)*)\s*\}\}/g;

function read(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Renders a template against a context. */
export function renderTemplate(template: string, context: unknown): string {
  return template.replace(PLACEHOLDER, (_, path: string) => {
    const value = read(context, path);
    if (value === undefined || value === null) return '';
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  });
}

/** Renders every string inside a JSON value (keys are left alone). */
export function renderDeep(value: unknown, context: unknown): unknown {
  if (typeof value === 'string') return renderTemplate(value, context);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, context));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderDeep(v, context);
    return out;
  }
  return value;
}
