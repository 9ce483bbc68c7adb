import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // test/lint-fixtures holds code that breaks the rules on purpose: test/lint-rules.test.ts lints it.
  {
    ignores: ['**/node_modules/**', 'actions/*/dist/**', 'demo-app/dist/**', 'coverage/**', 'test/lint-fixtures/**'],
  },
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
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
      // Without these, import-x reads no imported .ts file (its default extensions are .js ones), so
      // no-cycle never saw an edge between two TypeScript modules and passed whatever the code did;
      // test/lint-rules.test.ts now holds it to firing on a cycle.
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
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
);
