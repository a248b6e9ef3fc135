import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv as AjvType, ValidateFunction } from 'ajv';
import { sharedDataPath } from './shared-data.js';

const require = createRequire(import.meta.url);

/** Validators for the official FHIR R4 (4.0.1) JSON schema in shared/data/fhir-r4-schema. */
export interface FhirValidators {
  /** The whole schema: a oneOf over every resource type (a Bundle, an OperationOutcome...). */
  readonly resource: ValidateFunction;
  readonly observation: ValidateFunction;
  readonly bundle: ValidateFunction;
}

/**
 * Ajv 8 with ajv-formats. The FHIR file is draft-06 with a draft-04 style top-level "id" and the
 * OpenAPI "discriminator" keyword (shared/data/fhir-r4-schema/GROUND_TRUTH.txt): the draft-06
 * meta-schema is added, "id" removed as a keyword and strict mode off; nothing in the schema changes.
 */
export function fhirValidators(): FhirValidators {
  const { Ajv } = require('ajv') as { Ajv: new (o: object) => AjvType };
  const addFormats = require('ajv-formats') as (ajv: AjvType) => AjvType;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.removeKeyword('id');
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  const schema = JSON.parse(readFileSync(sharedDataPath('fhir-r4-schema', 'fhir.schema.json'), 'utf8')) as object;
  ajv.addSchema(schema, 'fhir');
  const resource = ajv.getSchema('fhir');
  if (resource === undefined) throw new Error('FHIR schema did not compile');
  return {
    resource,
    observation: ajv.compile({ $ref: 'fhir#/definitions/Observation' }),
    bundle: ajv.compile({ $ref: 'fhir#/definitions/Bundle' }),
  };
}

/** Ajv errors, short, for an assertion message. */
export function errorsOf(v: ValidateFunction): string {
  return (v.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
}
