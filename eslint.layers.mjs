// The arrows between the project's layers (docs/architecture.md), enforced on
// import paths: schema/ is the shared model and imports nothing of ours; the
// runtime never reaches into a provider; the providers use the runtime only
// through its client. Kept apart from eslint.config.mjs so that a test can lint
// one probe file against these rules alone, in a second.
import tseslint from 'typescript-eslint';

const noTests = { group: ['**/test/**', '**/examples/**'], message: 'production code does not import tests or examples.' };

/** One block per layer: the files it covers and the imports refused there. */
export const layers = [
  {
    files: ['schema/**/*.ts'],
    patterns: [
      { group: ['**/runtime/**', '**/provider/**'], message: 'schema/ is the shared model: it imports nothing of the runtime or the providers.' },
      noTests,
    ],
  },
  {
    files: ['runtime/**/*.ts'],
    patterns: [{ group: ['**/provider/**'], message: 'the runtime never imports a provider: the arrows run provider -> runtime/src/client.' }, noTests],
  },
  {
    files: ['provider/src/**/*.ts'],
    patterns: [
      {
        regex: '(^|/)runtime/(?!src/client(/|$))',
        message: 'the providers use the runtime only through runtime/src/client (and the model in schema/).',
      },
      noTests,
    ],
  },
].map(({ files, patterns }) => ({
  files,
  ignores: ['**/*.test.ts'],
  languageOptions: { parser: tseslint.parser },
  rules: { 'no-restricted-imports': ['error', { patterns }] },
}));

export default layers;
