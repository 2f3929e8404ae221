/**
 * The one catalogue of rejection codes. Every decoder, validator and command handler
 * reports one of these, so health counters and docs stay in step with the code.
 */
export const REJECTIONS = {
  OVERSIZE: 'payload larger than the limit',
  NOT_JSON: 'payload is not valid JSON',
  NOT_OBJECT: 'payload is not a JSON object',
  WRONG_VERSION: 'schema version not supported',
  MISSING_FIELD: 'a required field is missing',
  WRONG_TYPE: 'a field has the wrong type',
  NOT_FINITE: 'a number is NaN or infinite',
  OUT_OF_RANGE: 'a value is outside its allowed range',
  UNKNOWN_FIELD: 'a field is not in the catalogue',
  BAD_UNIT_ID: 'unit id is not of the form [a-z][a-z0-9_-]{0,31}',
  BAD_COMPONENT_ID: 'component or instance id is not of the form [a-z][a-z0-9_-]{0,31}',
  UNIT_MISMATCH: 'unit (or component) in the payload differs from the one in the topic',
  BAD_TOPIC: 'topic is not in the kpp/v1 map',
  BAD_BATCH: 'fleet batch is empty, or a line is of another tick or repeats a unit',
  BAD_BINARY: 'compact payload is truncated or corrupt',
  NO_KEYFRAME:
    'delta frame has no base to apply to (no keyframe yet, or a frame was lost): wait for a keyframe',
  UNKNOWN_COMMAND: 'command kind is not known',
  UNKNOWN_PARAMETER: 'parameter name is not known',
  UNKNOWN_FAULT: 'fault kind is not known',
  COMMAND_FAILED: 'the command could not be carried out in the current state',
} as const;

export type RejectionCode = keyof typeof REJECTIONS;
export const REJECTION_CODES = Object.keys(REJECTIONS) as RejectionCode[];
