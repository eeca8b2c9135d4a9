// The Responses and Conversations spec (../shared/spec/responses-conversations.openapi.yaml) for ajv checks of what
// the Conversations API answers: each body against the schema its operation declares (ConversationResource,
// ConversationItemList, ConversationItem, DeletedConversationResource). Prism validates the non-streamed traffic of the files
// run.sh sends through it against both specs (lib/spec.mjs, erratum E-R1).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import { responsesSpecPath } from './paths.mjs';
import { rewriteNullable, describe } from './spec.mjs';

const SPEC_ID = 'https://threadline.invalid/responses-conversations.openapi.json';
const doc = parse(readFileSync(responsesSpecPath, 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: SPEC_ID, components: { schemas: rewriteNullable(doc.components.schemas) } });

/** Validates a value against components.schemas[name] of the Responses spec. @returns {string[]} the violations */
export function validateResponsesSchema(name, value) {
  const validate = ajv.getSchema(`${SPEC_ID}#/components/schemas/${name}`);
  if (!validate) throw new Error(`no schema ${name} in ${responsesSpecPath}`);
  return validate(value) ? [] : [`${name}: ${describe(validate.errors)}`];
}
