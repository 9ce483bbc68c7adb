import { describe, expect, test } from '@jest/globals';
import { REGISTERABLE_TASK_DEFINITION_FIELDS } from '@shipyard/shared/task-definition';
import { serviceModel } from '@shipyard/emulators/aws/model/index';

describe('REGISTERABLE_TASK_DEFINITION_FIELDS', () => {
  test("are RegisterTaskDefinition's members in AWS's own model (botocore), all but tags", () => {
    const ecs = serviceModel('ecs');
    const input = ecs.operations.get('RegisterTaskDefinition')?.input;
    const members = Object.keys(ecs.shapes[input ?? '']?.members ?? {});
    expect(members).toContain('family');
    // A member AWS adds to RegisterTaskDefinition must be kept when a definition is registered again.
    expect([...REGISTERABLE_TASK_DEFINITION_FIELDS].sort()).toEqual(members.filter((name) => name !== 'tags').sort());
  });
});
