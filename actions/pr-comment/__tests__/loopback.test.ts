import { expect, test } from '@jest/globals';
import { isLoopback } from '../src/loopback.js';

test.each([
  ['http://localhost:4567/hook', true],
  ['http://LOCALHOST/hook', true],
  ['http://127.0.0.1:4567/hook', true],
  ['http://127.255.0.9/hook', true],
  ['http://[::1]:4567/hook', true],
  ['https://hooks.slack.com/services/T/B/x', false],
  ['http://128.0.0.1/hook', false],
  ['http://localhost.example.com/hook', false],
  ['http://[::2]/hook', false],
  ['not a url', false],
])('isLoopback(%s) is %s', (url, loopback) => {
  expect(isLoopback(url)).toBe(loopback);
});
