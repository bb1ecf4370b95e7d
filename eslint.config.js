import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'coverage/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_'}],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['bin/**/*.js', '**/*.mjs'],
    languageOptions: {globals: {process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', Buffer: 'readonly'}},
  },
  {
    // bin/run.cjs is CommonJS on purpose (its header says why).
    files: ['**/*.cjs'],
    languageOptions: {sourceType: 'commonjs', globals: {process: 'readonly', require: 'readonly', __dirname: 'readonly', __filename: 'readonly', URL: 'readonly'}},
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
)
