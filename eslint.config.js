// Lint rules, including the one that keeps DESIGN.md's layers apart inside operator/src:
// a lower layer never imports a higher one, and only kube/ imports the Kubernetes client.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** operator/src layers from lowest to highest; each may import only those listed before it. */
const layers = ['api', 'runtime', 'kube', 'resources', 'providers', 'controllers', 'audit', 'api-server', 'cli'];

const layerRules = layers.map((layer, index) => {
  const higher = layers.slice(index + 1);
  const patterns = higher.map((h) => ({
    group: [`../${h}/**`, `../../${h}/**`, `../../../${h}/**`, `**/src/${h}/**`],
    message: `${layer}/ is below ${h}/ in the layering of DESIGN.md and must not import it.`,
  }));
  if (layer !== 'kube') {
    patterns.push({
      group: ['@kubernetes/client-node', '@kubernetes/client-node/**'],
      message: 'Only operator/src/kube may import @kubernetes/client-node.',
    });
  }
  return {
    files: [`operator/src/${layer}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
});

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '.bulkhead/**',
      'bench/tmp/**',
      'charts/**',
      'scratch/**',
      'eslint.config.js',
      '.mocharc.*.cjs',
      'hack/*.cjs',
      'hack/*.mjs',
      'operator/bin/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Caps borrowed from pepr: small functions that read top to bottom.
      complexity: ['error', 10],
      'max-depth': ['error', 3],
      'max-params': ['error', 4],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'e2e/**/*.ts'],
    rules: { 'max-params': 'off', complexity: 'off', '@typescript-eslint/no-unsafe-member-access': 'off' },
  },
  ...layerRules,
  {
    // Importing client-node costs the operator 30-50 MiB at rest (docs/decisions/0021): kube/ takes
    // its types statically and its code only through import() where a kubeconfig needs it.
    files: ['operator/src/kube/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@kubernetes/client-node',
              allowTypeImports: true,
              message:
                'Load @kubernetes/client-node with import() where it is needed (cluster-access.ts); a static import costs 30-50 MiB at rest.',
            },
          ],
        },
      ],
    },
  },
  {
    // The leadership fence (docs/decisions/0016): KMS requests that destroy are sent only inside
    // KmsSession.destroy(), which confirms leadership first. (DROP statements are typed so that only
    // AdminConnection.destroy() runs them; deleting a Namespace needs the fence at run time.)
    files: ['operator/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "NewExpression[callee.name=/^(ScheduleKeyDeletion|DeleteAlias)Command$/]:not(CallExpression[callee.property.name='destroy'] NewExpression)",
          message: 'A KMS request that destroys must be sent through KmsSession.destroy(fence, ...), behind the leadership fence.',
        },
      ],
    },
  },
);
