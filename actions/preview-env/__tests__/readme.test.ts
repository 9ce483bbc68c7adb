import { describe, expect, test } from '@jest/globals';
import { manifestNames, readmeTableNames } from '../../../test/harness/manifest.js';
import { INPUT, OUTPUT } from '../src/inputs.js';

describe('README, action.yml and the code name the same inputs and outputs', () => {
  test.each(['Inputs', 'Outputs'] as const)('the %s table lists exactly what action.yml declares', (heading) => {
    const kind = heading === 'Inputs' ? 'inputs' : 'outputs';
    expect(readmeTableNames('preview-env', heading).sort()).toEqual(manifestNames('preview-env', kind).sort());
  });

  test('INPUT and OUTPUT are action.yml', () => {
    expect(Object.values(INPUT).sort()).toEqual(manifestNames('preview-env', 'inputs').sort());
    expect(Object.values(OUTPUT).sort()).toEqual(manifestNames('preview-env', 'outputs').sort());
  });
});
