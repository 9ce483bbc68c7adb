/**
 * The third-party actions the workflows use, the commit each one is pinned to (the table in
 * docs/pins, read from the actions' own release tags), and the keys of `with:` the rehearsal
 * understands for each. A step whose `uses:` is not in this table, or is pinned to another commit,
 * is an error that names it: the rehearsal never guesses what an unknown action would do.
 */

export interface ThirdPartyAction {
  /** `owner/name` */
  name: string;
  version: string;
  commit: string;
  /** What stands in for it here. */
  meaning: string;
  /** `with:` keys understood; any other key is refused by name. */
  inputs: string[];
}

export const THIRD_PARTY: ThirdPartyAction[] = [
  {
    name: 'actions/checkout',
    version: 'v7.0.1',
    commit: '3d3c42e5aac5ba805825da76410c181273ba90b1',
    meaning: 'a checkout of the commit from the local repository into the job workspace',
    inputs: ['ref', 'persist-credentials', 'sparse-checkout', 'sparse-checkout-cone-mode', 'fetch-depth', 'clean'],
  },
  {
    name: 'actions/setup-node',
    version: 'v7.0.0',
    commit: '820762786026740c76f36085b0efc47a31fe5020',
    meaning: "the machine's own Node.js (its major version must match node-version)",
    inputs: ['node-version', 'node-version-file', 'cache', 'cache-dependency-path'],
  },
  {
    name: 'aws-actions/configure-aws-credentials',
    version: 'v6.2.3',
    commit: 'e6de054238d6b7531b4efff3b6587d9aade6a06c',
    meaning: "the AWS emulator's credentials, region and endpoint, exported for later steps",
    inputs: [
      'role-to-assume',
      'role-session-name',
      'aws-region',
      'allowed-account-ids',
      'mask-aws-account-id',
      'role-duration-seconds',
      'audience',
    ],
  },
  {
    name: 'docker/setup-buildx-action',
    version: 'v4.3.0',
    commit: '37fe631027851001ddb9b187196cc803df7f5f0e',
    meaning:
      "the machine's own `docker buildx`; where it is missing, the classic builder (real docker with the local base image, or the process builder without an engine)",
    inputs: ['driver', 'install', 'version'],
  },
];

export type UsesReference =
  | { kind: 'local'; path: string }
  | { kind: 'third-party'; action: ThirdPartyAction }
  | { kind: 'refused'; reason: string };

/** What a step's `uses:` names: a local action, a known pinned action, or a refusal that says why. */
export function resolveUses(uses: string): UsesReference {
  if (uses.startsWith('./')) return { kind: 'local', path: uses };
  if (uses.startsWith('docker://'))
    return { kind: 'refused', reason: `'${uses}': Docker container actions are not modelled` };
  const at = uses.lastIndexOf('@');
  if (at < 0) return { kind: 'refused', reason: `'${uses}' has no @ref` };
  const path = uses.slice(0, at);
  const ref = uses.slice(at + 1);
  const parts = path.split('/');
  if (parts.length !== 2)
    return { kind: 'refused', reason: `'${uses}': an action in a subfolder of a repository is not modelled` };
  const action = THIRD_PARTY.find((known) => known.name.toLowerCase() === path.toLowerCase());
  if (!action)
    return {
      kind: 'refused',
      reason: `the third-party action '${path}' is unknown to the rehearsal (known: ${THIRD_PARTY.map((a) => a.name).join(', ')})`,
    };
  if (ref !== action.commit)
    return {
      kind: 'refused',
      reason: `'${path}' is used at '${ref}', but the pinned commit is ${action.commit} (${action.version})`,
    };
  return { kind: 'third-party', action };
}
