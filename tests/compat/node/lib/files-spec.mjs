// The Files and Vector Stores spec (../shared/spec/files-vector-stores.openapi.yaml, cut from openai/openai-openapi)
// for ajv checks of the bodies the Files and Vector Stores APIs answer: OpenAIFile, VectorStoreObject,
// VectorStoreFileObject, VectorStoreFileBatchObject, VectorStoreSearchResultsPage and the list and delete shapes.
// Prism does not see this traffic (the proxy serves the Assistants and Responses specs only): the files that use
// these checks run directly against Threadline.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import { specPath } from './paths.mjs';
import { rewriteNullable, describe } from './spec.mjs';
import { sdkMajor, sdkVersion } from './sdk.mjs';

export const filesSpecPath = path.resolve(path.dirname(specPath), 'files-vector-stores.openapi.yaml');

const SPEC_ID = 'https://threadline.invalid/files-vector-stores.openapi.json';
const doc = parse(readFileSync(filesSpecPath, 'utf8'));

/**
 * Errata, as lib/spec.mjs's: where the spec's schema contradicts what the hosted API answered (and the SDKs' types
 * allow), the checks use a corrected copy. SPEC_ERRATA=off checks against the spec as written.
 */
export const FILES_ERRATA = [
  {
    id: 'F1',
    what: 'OpenAIFile expires_at: integer -> integer | null; status_details: string -> string | null',
    why: 'a file without expiry has expires_at null, and status_details is null unless a fine-tune file failed; the hosted API answered null for both',
    apply(d) {
      const props = d.components.schemas.OpenAIFile.properties;
      for (const [field, type] of [['expires_at', 'integer'], ['status_details', 'string']]) {
        if (props[field].type !== type) throw new Error(`erratum F1 no longer applies to OpenAIFile.${field}`);
        props[field].type = [type, 'null'];
      }
    },
  },
];
if (process.env.SPEC_ERRATA !== 'off') for (const e of FILES_ERRATA) e.apply(doc);
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: SPEC_ID, components: { schemas: rewriteNullable(doc.components.schemas) } });

/** Validates a value against components.schemas[name] of the Files and Vector Stores spec. @returns {string[]} */
export function validateFilesSchema(name, value) {
  const validate = ajv.getSchema(`${SPEC_ID}#/components/schemas/${name}`);
  if (!validate) throw new Error(`no schema ${name} in ${filesSpecPath}`);
  return validate(value) ? [] : [`${name}: ${describe(validate.errors)}`];
}

/** Asserts that `value` (an SDK result: the parsed JSON body) conforms to the schema; returns it. */
export function conforms(name, value) {
  assert.deepEqual(validateFilesSchema(name, value), [], JSON.stringify(value));
  return value;
}

/**
 * Why these files don't run on this SDK, or undefined: they use openai 6.x's signatures (files.delete,
 * vectorStores.files.retrieve(fileId, { vector_store_id }), runs.steps.list(runId, { thread_id })) directly.
 */
export const notV6 = sdkMajor >= 5 ? undefined : `openai ${sdkVersion}: these tests use the 6.x signatures of files and vector stores`;

/** The reason the files of these APIs run directly against Threadline. */
export const directOnly = 'the Files and Vector Stores APIs are not in the spec Prism proxies';
