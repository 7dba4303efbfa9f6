// ESLint: Anthony Fu's shared config (@antfu/eslint-config: TypeScript, Vue, imports, regexps, unicorn, node, tests)
// with its stylistic options set to the way this code is written (2 spaces, single quotes, no semicolons, 1tbs braces,
// parentheses around arrow parameters, imports in the order a reader chose). `npm test` runs it (scripts/test.mjs).
import antfu from '@antfu/eslint-config'

export default antfu(
  {
    vue: true,
    typescript: true,
    stylistic: { indent: 2, quotes: 'single', semi: false },
    ignores: ['dist/**', 'test-results/**', 'coverage/**', 'server/db/migrations/**', 'public/**', '**/*.md', 'docs/**', 'server/openapi/*.generated.json'],
  },
  {
    rules: {
      // Layout choices of this code base (see ../shared/STYLE.md), not correctness.
      'antfu/if-newline': 'off',
      'antfu/top-level-function': 'off',
      'antfu/consistent-list-newline': 'off',
      'antfu/curly': 'off',
      'curly': ['error', 'multi-line'],
      'style/arrow-parens': ['error', 'always'],
      'style/brace-style': ['error', '1tbs', { allowSingleLine: true }],
      'style/member-delimiter-style': ['error', { multiline: { delimiter: 'none' }, singleline: { delimiter: 'semi', requireLast: false } }],
      'style/max-statements-per-line': 'off',
      'style/operator-linebreak': 'off',
      'perfectionist/sort-imports': 'off',
      'perfectionist/sort-named-imports': 'off',
      'perfectionist/sort-exports': 'off',
      'perfectionist/sort-named-exports': 'off',
      'import/consistent-type-specifier-style': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'test/prefer-lowercase-title': 'off',
      'jsonc/sort-keys': 'off',
      // Functions are hoisted and closures run later: a helper below the code that calls it reads top-down. A use
      // before the definition in the same scope (a real temporal-dead-zone error) is still reported.
      'ts/no-use-before-define': ['error', { functions: false, classes: false, variables: false, typedefs: false }],
      // `while ((match = re.exec(text)))` with its double parentheses is the idiom.
      'no-cond-assign': ['error', 'except-parens'],
      // Loops that wait on a flag a callback or another task changes (a stream closing, a child exiting).
      'no-unmodified-loop-condition': 'off',
      // A group kept for reading a pattern is not a bug.
      'regexp/no-unused-capturing-group': 'off',
    },
  },
  {
    // Node code: the server, scripts and tools use process and Buffer as globals and log to the console.
    files: ['server/**', 'scripts/**', 'tools/**', 'e2e/**', '*.config.*', 'vitest.*.ts', '**/*.test.ts'],
    rules: {
      'node/prefer-global/process': 'off',
      'node/prefer-global/buffer': 'off',
      'no-console': 'off',
      'antfu/no-top-level-await': 'off',
    },
  },
  {
    // The workbook libraries load when a workbook is first written (server/lib/spreadsheet.ts), never with the server:
    // together they were about 0.5 s of CPU in every start. Types only, here; test fixtures may write workbooks.
    files: ['server/**'],
    ignores: ['**/*.test.ts', '**/*.fixtures.ts'],
    rules: {
      'ts/no-restricted-imports': ['error', {
        paths: ['exceljs', 'xlsx'].map((name) => ({ name, allowTypeImports: true, message: 'Load it on first use (await import), as server/lib/spreadsheet.ts does: not in every server start.' })),
      }],
    },
  },
  {
    // Playwright: fixtures without dependencies are written `async ({}, use)`, and a test reads what a person sees
    // (innerText), not the DOM's text.
    files: ['e2e/**'],
    rules: {
      'no-empty-pattern': 'off',
      'unicorn/prefer-dom-node-text-content': 'off',
    },
  },
)
