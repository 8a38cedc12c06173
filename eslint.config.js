import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** Packages that the pure engine (src/core) must never import: it runs anywhere, like tensorflow/playground's nn.ts. */
const CORE_FORBIDDEN = [
  'react',
  'react-dom',
  'd3',
  'd3-*',
  'zustand',
  'onnxruntime-web',
  'onnxruntime-*',
  'node:*',
  'fs',
  'path',
];

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'models/train', 'coverage', 'test-results', '**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}', 'src/store/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['src/core/**/*.ts'],
    languageOptions: { globals: { ...globals.es2023 } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: CORE_FORBIDDEN,
              message: 'src/core is pure TypeScript: no DOM, React, D3, zustand, onnxruntime or Node imports.',
            },
            {
              group: ['**/runtime/**', '**/ui/**', '**/store/**', '**/worker/**', '**/cli/**'],
              message: 'src/core depends on nothing above it.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'fetch', 'localStorage', 'self', 'process'],
    },
  },
  {
    files: ['src/runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/ui/**', '**/store/**', '**/worker/**', '**/cli/**', 'react', 'd3', 'zustand'],
              message: 'runtime sits below the worker, store and UI.',
            },
          ],
        },
      ],
    },
  },
);
