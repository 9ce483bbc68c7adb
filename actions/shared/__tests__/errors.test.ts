import { describe, expect, test } from '@jest/globals';
import { ActionFailure, errorMessage, InputError } from '../src/errors.js';

describe('InputError', () => {
  test.each([
    ['cluster', 'is required', undefined, "Input 'cluster' is required"],
    [
      'cluster',
      'is required',
      "Set 'cluster' in the step's with: block",
      "Input 'cluster' is required. Set 'cluster' in the step's with: block",
    ],
  ])('names the input, what is wrong and the fix: %s %s', (input, problem, fix, message) => {
    const error = new InputError(input, problem, fix);
    expect(error.message).toBe(message);
    expect(error.input).toBe(input);
    expect(error.name).toBe('InputError');
    expect(error).toBeInstanceOf(Error);
  });
});

describe('ActionFailure', () => {
  test('is an Error with its own name and the message as given', () => {
    const error = new ActionFailure('The rollout failed');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ActionFailure');
    expect(error.message).toBe('The rollout failed');
  });
});

describe('errorMessage', () => {
  test.each([
    ['an Error', new Error('boom'), 'boom'],
    ['an InputError', new InputError('a', 'is bad'), "Input 'a' is bad"],
    ['a string', 'plain', 'plain'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'undefined'],
  ])('%s', (_, error, message) => {
    expect(errorMessage(error)).toBe(message);
  });
});
