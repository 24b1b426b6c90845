// Lint: typescript-eslint recommended rules plus the layering rule of docs/principles.md:
// imports point one way — sip/ and media/ → pbx/ → api/ — wired together only in src/app.ts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layers each folder of src/ must not import from (one-way dependency rule). */
const forbidden = {
  sip: ['media', 'pbx', 'directory', 'store', 'events', 'api', 'cli', 'config', 'app'],
  media: ['sip', 'pbx', 'directory', 'store', 'events', 'api', 'cli', 'config', 'app'],
  store: ['sip', 'media', 'pbx', 'directory', 'events', 'api', 'cli', 'config', 'app'],
  directory: ['sip', 'media', 'pbx', 'events', 'api', 'cli', 'config', 'app'],
  events: ['sip', 'media', 'pbx', 'api', 'cli', 'config', 'app'],
  pbx: ['api', 'cli', 'config', 'app'],
  api: ['cli', 'config', 'app'],
  config: ['sip', 'media', 'pbx', 'directory', 'store', 'events', 'api', 'cli', 'app'],
};

const layerRules = Object.entries(forbidden).map(([layer, banned]) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: banned.map((b) => ({
          group: [`**/${b}/**`, `**/${b}`, `**/${b}.ts`, `**/${b}.js`],
          message: `src/${layer}/ must not import from src/${b}/ (imports point one way: sip/, media/ → pbx/ → api/).`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  ...layerRules,
);
