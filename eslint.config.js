// Lint and formatting rules, and the architecture as import rules (STYLE.md, "Layers").
// ESLint with typescript-eslint rather than Biome: its no-restricted-imports says a layer rule at
// the offending line with our own message, per folder, and @stylistic formats with the rules this
// code already follows, so `npm run lint -- --fix` formats without a mass rewrite.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import tseslint from 'typescript-eslint';

/** Only Node's built-ins at run time: the lab requires the operating system's socket library. */
const builtinsOnly = { regex: '^(?!node:|\\.)', message: 'the server, client and their layers use only node: built-ins at run time' };
/** Library code is called by the CLIs, never the other way round. */
const noCli = { regex: '(^|/)cli/', message: 'library code never imports src/cli (move the shared piece into the library)' };
/** A layer may import itself and the layers below it; `below` are folder names next to it. */
const layer = (name, below) => ({
  regex: below.length === 0 ? '^\\.\\./' : `^\\.\\./(?!(${below.join('|')})/)`,
  message: `src/${name} imports only ${below.length === 0 ? 'node: built-ins' : `node: built-ins and src/${below.join(', src/')}`}`,
});

const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'captures/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/indent': ['error', 2, { SwitchCase: 1, flatTernaryExpressions: true, offsetTernaryExpressions: true }],
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
      '@stylistic/semi': ['error', 'always'],
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/eol-last': 'error',
      '@stylistic/no-trailing-spaces': 'error',
      '@stylistic/arrow-parens': ['error', 'always'],
      '@stylistic/brace-style': ['error', '1tbs', { allowSingleLine: true }],
      '@stylistic/keyword-spacing': 'error',
      '@stylistic/space-before-blocks': 'error',
      '@stylistic/no-multiple-empty-lines': ['error', { max: 1 }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      // A socket callback may need the variable before its one assignment (load-client.ts).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  { files: ['src/**/*.ts'], ignores: ['src/cli/**'], rules: restrict(noCli) },
  { files: ['src/protocol/**/*.ts'], rules: restrict(noCli, builtinsOnly, layer('protocol', [])) },
  { files: ['src/storage/**/*.ts'], rules: restrict(noCli, builtinsOnly, layer('storage', [])) },
  { files: ['src/crypto/**/*.ts'], rules: restrict(noCli, builtinsOnly, layer('crypto', ['protocol', 'storage'])) },
  { files: ['src/server/**/*.ts'], rules: restrict(noCli, builtinsOnly, layer('server', ['protocol', 'crypto', 'storage'])) },
  { files: ['src/client/**/*.ts'], rules: restrict(noCli, builtinsOnly, layer('client', ['protocol', 'crypto', 'storage'])) },
  // Node scripts outside the TypeScript tree.
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: { process: 'readonly', URL: 'readonly', console: 'readonly', Buffer: 'readonly' } } },
  // Tests assert on control characters: that is what the escaping code is for.
  { files: ['test/**/*.ts'], rules: { 'no-control-regex': 'off' } },
  // Library code logs through the logger its CLI configures.
  { files: ['src/**/*.ts'], ignores: ['src/cli/**', 'src/bench/**'], rules: { 'no-console': 'error' } },
);
