import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'actions/*/dist/**', 'demo-app/dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // The import graph of the house (CONTRIBUTING.md, "Imports"): no cycles, and one package reaches
  // another by its name (`@shipyard/shared/text`), never by a relative path into its folder.
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })] },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-relative-packages': 'error',
      // inputs.ts reads and validates the action's inputs using the domain modules' own parsers, so
      // the arrow points from inputs.ts to them; a domain module never imports inputs.ts back.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './actions/!(shared)/src/!(inputs|main|index).ts',
              from: './actions/*/src/inputs.ts',
              message: 'a domain module takes plain values; inputs.ts imports it, not the other way round',
            },
          ],
        },
      ],
    },
  },
  // TODO(issue 18): the test tree still reaches test/harness, test/emulators and other packages by
  // relative paths; these files leave this list as they move to package imports
  // (`@shipyard/harness/<module>`, `@shipyard/emulators/aws`, …: CONTRIBUTING.md, "Imports").
  // The two benchmarks import an action's own modules (smoke-test's checks, build-push-ecr's docker
  // shim), which its package does not export yet.
  {
    files: [
      'actions/*/__tests__/**/*.ts',
      'rehearsal/**/*.ts',
      'test/e2e/**/*.ts',
      'bench/build-push-ecr.bench.ts',
      'bench/smoke-test.bench.ts',
    ],
    rules: { 'import-x/no-relative-packages': 'off' },
  },
);
