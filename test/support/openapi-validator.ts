import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Schema = Record<string, unknown>;

/**
 * Checks real responses against the service's own /docs-json. OpenAPI 3.0's
 * `nullable` becomes JSON Schema's "or null", component references resolve
 * inside the one document, and an object may hold only the fields it documents.
 */
export class OpenApiValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: any) {
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'openapi', components: toJsonSchema(document.components) } as Schema);
  }

  /** The errors of `body` against the documented response (null when it conforms); throws when the response is not documented. */
  errors(path: string, method: string, status: number, body: unknown): string | null {
    const key = `${method} ${path} ${status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      const schema = this.document.paths[path]?.[method.toLowerCase()]?.responses?.[String(status)]?.content?.['application/json']?.schema;
      if (!schema) throw new Error(`OpenAPI documents no JSON response for ${key}`);
      validate = this.ajv.compile(toJsonSchema(schema) as Schema);
      this.compiled.set(key, validate);
    }
    return validate(body) ? null : this.ajv.errorsText(validate.errors);
  }

  /** The errors of a webhook body against the documented delivery (`x-webhooks`), null when it conforms. */
  webhookErrors(body: unknown): string | null {
    const schema = this.document['x-webhooks']?.payoutChanged?.post?.requestBody?.content?.['application/json']?.schema;
    if (!schema) throw new Error('OpenAPI documents no webhook body');
    const validate = this.ajv.compile(toJsonSchema(schema) as Schema);
    return validate(body) ? null : this.ajv.errorsText(validate.errors);
  }
}

function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const result: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') result.$ref = value.replace(/^#\/components/, 'openapi#/components');
    else if (key !== 'nullable') result[key] = toJsonSchema(value);
  }
  // A field the service sends but the document does not name is a gap in the document: refuse it.
  if (result.properties !== undefined && result.additionalProperties === undefined) result.additionalProperties = false;
  return (node as Schema).nullable === true ? { anyOf: [result, { type: 'null' }] } : result;
}
