import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { ManualClock, startAwsEmulator, type AwsEmulator } from './index.js';
import { registryUnavailableReason } from './registry.js';
import { basicAuth, credentialsFromToken, pushSyntheticImage } from './registry-fixtures.js';

const noRegistry = registryUnavailableReason();
if (noRegistry) console.warn(`ECR registry tests skipped: ${noRegistry}`);
const withRegistry = noRegistry ? test.skip : test;

let emulator: AwsEmulator;
let ecr: ECRClient;
const clock = new ManualClock(Date.UTC(2026, 5, 1));

beforeAll(async () => {
  emulator = await startAwsEmulator({ clock });
  ecr = new ECRClient({ ...emulator.clientConfig(), maxAttempts: 1 });
});
afterAll(async () => {
  ecr?.destroy();
  await emulator?.close();
});
beforeEach(() => emulator.reset());

async function token(): Promise<{ authorization: string; password: string }> {
  const answer = await ecr.send(new GetAuthorizationTokenCommand({}));
  const { username, password } = credentialsFromToken(answer.authorizationData?.[0].authorizationToken as string);
  return { authorization: basicAuth(username, password), password };
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('expected the call to fail');
}

describe('repositories', () => {
  test('CreateRepository then DescribeRepositories, in ECR shapes', async () => {
    const created = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'team/web',
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
      }),
    );
    const account = emulator.scenario().accountId;
    expect(created.repository).toMatchObject({
      repositoryName: 'team/web',
      registryId: account,
      repositoryArn: `arn:aws:ecr:${emulator.scenario().region}:${account}:repository/team/web`,
      repositoryUri: `${emulator.ecr.registryHost()}/team/web`,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
    });
    expect(created.repository?.createdAt).toEqual(new Date(clock.now()));
    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['team/web'] }));
    expect(described.repositories?.map((r) => r.repositoryName)).toEqual(['team/web']);
    expect(emulator.calls({ service: 'ecr', mutating: true }).map((c) => c.operation)).toEqual(['CreateRepository']);
  });

  test.each([
    [
      'a missing repository',
      () => new DescribeRepositoriesCommand({ repositoryNames: ['nope'] }),
      'RepositoryNotFoundException',
      "The repository with name 'nope' does not exist",
    ],
    [
      'an invalid name',
      () => new CreateRepositoryCommand({ repositoryName: 'Bad_Name!' }),
      'InvalidParameterException',
      "Invalid parameter at 'repositoryName'",
    ],
    [
      'another registry',
      () => new DescribeRepositoriesCommand({ registryId: '999999999999' }),
      'AccessDeniedException',
      '999999999999',
    ],
    [
      'PutImage to a missing repository',
      () => new PutImageCommand({ repositoryName: 'ghost', imageManifest: '{}' }),
      'RepositoryNotFoundException',
      "'ghost'",
    ],
  ])('%s is refused as ECR refuses it', async (_, command, name, message) => {
    const error = await errorOf(ecr.send(command() as never));
    expect(error.name).toBe(name);
    expect(error.message).toContain(message);
  });

  test('creating a repository twice is RepositoryAlreadyExistsException', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    const error = await errorOf(ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' })));
    expect(error.name).toBe('RepositoryAlreadyExistsException');
  });
});

describe('GetAuthorizationToken', () => {
  test('gives AWS:<password>, the emulator as proxy endpoint, valid for 12 hours', async () => {
    const answer = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = answer.authorizationData?.[0];
    expect(data?.proxyEndpoint).toBe(`http://${emulator.ecr.registryHost()}`);
    expect(data?.expiresAt).toEqual(new Date(clock.now() + 12 * 3600 * 1000));
    const { username, password } = credentialsFromToken(data?.authorizationToken as string);
    expect(username).toBe('AWS');
    expect(password.length).toBeGreaterThan(40);
  });
});

describe('the registry behind /v2/', () => {
  test('refuses requests without credentials with a Basic challenge', async () => {
    const response = await fetch(`${emulator.url}/v2/`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });

  test.each([
    ['a wrong password', () => basicAuth('AWS', 'not-the-password'), 401, 'UNAUTHORIZED'],
    ['a user other than AWS', async () => basicAuth('admin', (await token()).password), 401, 'UNAUTHORIZED'],
  ])('refuses %s', async (_, authorization, status, code) => {
    const response = await fetch(`${emulator.url}/v2/`, { headers: { authorization: await authorization() } });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { errors: { code: string }[] }).errors[0].code).toBe(code);
  });

  withRegistry('accepts a fresh token and refuses it once expired, as ECR does', async () => {
    const { authorization } = await token();
    expect((await fetch(`${emulator.url}/v2/`, { headers: { authorization } })).status).toBe(200);
    clock.advance(12 * 3600 * 1000);
    const expired = await fetch(`${emulator.url}/v2/`, { headers: { authorization } });
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Your authorization token has expired');
  });

  withRegistry('refuses a push to a repository that does not exist', async () => {
    const { authorization } = await token();
    const response = await fetch(`${emulator.url}/v2/ghost/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization },
    });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('NAME_UNKNOWN');
  });

  withRegistry('refuses to move an immutable tag, and logs registry calls', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'frozen', imageTagMutability: 'IMMUTABLE' }));
    const { authorization } = await token();
    await pushSyntheticImage(emulator.url, { authorization, repository: 'frozen', tag: 'v1', content: 'one' });
    // The same bytes again are fine (a rerun); other bytes under the same tag are not.
    await pushSyntheticImage(emulator.url, { authorization, repository: 'frozen', tag: 'v1', content: 'one' });
    await expect(
      pushSyntheticImage(emulator.url, { authorization, repository: 'frozen', tag: 'v1', content: 'two' }),
    ).rejects.toThrow(/400 .*TAG_INVALID.*cannot be overwritten because the repository is immutable/);
    const manifestPuts = emulator.calls({ service: 'ecr' }).filter((c) => c.operation === 'registry PUT manifests');
    expect(manifestPuts.map((c) => c.status)).toEqual([201, 201, 400]);
  });
});

describe('images, stored in the real registry', () => {
  withRegistry('DescribeImages and BatchGetImage see what was pushed, byte for byte', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    const { authorization } = await token();
    const pushed = await pushSyntheticImage(emulator.url, {
      authorization,
      repository: 'web',
      tag: 'abc123',
      content: 'layer bytes',
    });

    const described = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'web', imageIds: [{ imageTag: 'abc123' }] }),
    );
    expect(described.imageDetails?.[0]).toMatchObject({
      imageDigest: pushed.digest,
      imageTags: ['abc123'],
      imageSizeInBytes: pushed.layerSize,
      imageManifestMediaType: pushed.mediaType,
      imagePushedAt: new Date(clock.now()),
    });

    const got = await ecr.send(
      new BatchGetImageCommand({ repositoryName: 'web', imageIds: [{ imageTag: 'abc123' }, { imageTag: 'nope' }] }),
    );
    expect(got.images?.[0]).toMatchObject({
      imageId: { imageDigest: pushed.digest, imageTag: 'abc123' },
      imageManifest: pushed.manifest,
      imageManifestMediaType: pushed.mediaType,
    });
    expect(got.failures).toEqual([
      { imageId: { imageTag: 'nope' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
    ]);

    const missing = await errorOf(
      ecr.send(new DescribeImagesCommand({ repositoryName: 'web', imageIds: [{ imageTag: 'nope' }] })),
    );
    expect(missing.name).toBe('ImageNotFoundException');
  });

  withRegistry(
    'PutImage copies a manifest to a new tag with the same digest; again is ImageAlreadyExistsException',
    async () => {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
      const { authorization } = await token();
      const pushed = await pushSyntheticImage(emulator.url, { authorization, repository: 'web', tag: 'staging' });
      const put = await ecr.send(
        new PutImageCommand({
          repositoryName: 'web',
          imageManifest: pushed.manifest,
          imageManifestMediaType: pushed.mediaType,
          imageTag: 'production',
        }),
      );
      expect(put.image?.imageId).toEqual({ imageDigest: pushed.digest, imageTag: 'production' });

      const described = await ecr.send(new DescribeImagesCommand({ repositoryName: 'web' }));
      expect(described.imageDetails).toHaveLength(1);
      expect(described.imageDetails?.[0].imageTags).toEqual(['production', 'staging']);

      const again = await errorOf(
        ecr.send(
          new PutImageCommand({ repositoryName: 'web', imageManifest: pushed.manifest, imageTag: 'production' }),
        ),
      );
      expect(again.name).toBe('ImageAlreadyExistsException');
      const wrongDigest = await errorOf(
        ecr.send(
          new PutImageCommand({
            repositoryName: 'web',
            imageManifest: pushed.manifest,
            imageTag: 'x',
            imageDigest: `sha256:${'0'.repeat(64)}`,
          }),
        ),
      );
      expect(wrongDigest.name).toBe('ImageDigestDoesNotMatchException');
    },
  );

  withRegistry(
    "the scenario's ecr faults: one tag's PutImage fails; a lost answer is applied, then retried",
    async () => {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
      const { authorization } = await token();
      const pushed = await pushSyntheticImage(emulator.url, { authorization, repository: 'web', tag: 'staging' });
      emulator.setScenario({
        ecr: {
          putImageFailures: [{ tag: 'broken', type: 'LimitExceededException', status: 400 }],
          putImageAnswerLost: ['lost'],
        },
      });
      const put = (imageTag: string) =>
        ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: pushed.manifest, imageTag }));
      try {
        expect((await errorOf(put('broken'))).name).toBe('LimitExceededException');
        // The first answer is lost (500) after the tag was written; a retry finds it there.
        expect((await errorOf(put('lost'))).name).toBe('ServerException');
        expect((await errorOf(put('lost'))).name).toBe('ImageAlreadyExistsException');
        expect(emulator.calls({ operation: 'PutImage' }).map((call) => [call.status, call.errorType])).toEqual([
          [400, 'LimitExceededException'],
          [500, 'ServerException'],
          [400, 'ImageAlreadyExistsException'],
        ]);
        const described = await ecr.send(new DescribeImagesCommand({ repositoryName: 'web' }));
        expect(described.imageDetails?.[0].imageTags).toEqual(['lost', 'staging']);
      } finally {
        emulator.setScenario({});
      }
    },
  );

  withRegistry('a tag that moves leaves the old image untagged, as DescribeImages shows with tagStatus', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    const { authorization } = await token();
    const first = await pushSyntheticImage(emulator.url, {
      authorization,
      repository: 'web',
      tag: 'latest',
      content: 'one',
    });
    const second = await pushSyntheticImage(emulator.url, {
      authorization,
      repository: 'web',
      tag: 'latest',
      content: 'two',
    });
    const digestsWith = async (tagStatus?: 'TAGGED' | 'UNTAGGED') =>
      (
        await ecr.send(
          new DescribeImagesCommand({ repositoryName: 'web', ...(tagStatus ? { filter: { tagStatus } } : {}) }),
        )
      ).imageDetails
        ?.map((detail) => [detail.imageDigest, detail.imageTags ?? []])
        .sort();
    expect(await digestsWith('TAGGED')).toEqual([[second.digest, ['latest']]]);
    expect(await digestsWith('UNTAGGED')).toEqual([[first.digest, []]]);
    expect(await digestsWith()).toEqual(
      [
        [first.digest, []],
        [second.digest, ['latest']],
      ].sort(),
    );
  });

  withRegistry('an immutable repository refuses PutImage over a tag held by another image', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'frozen', imageTagMutability: 'IMMUTABLE' }));
    const { authorization } = await token();
    await pushSyntheticImage(emulator.url, { authorization, repository: 'frozen', tag: 'prod', content: 'one' });
    const other = await pushSyntheticImage(emulator.url, {
      authorization,
      repository: 'frozen',
      tag: 'next',
      content: 'two',
    });
    const error = await errorOf(
      ecr.send(new PutImageCommand({ repositoryName: 'frozen', imageManifest: other.manifest, imageTag: 'prod' })),
    );
    expect(error.name).toBe('ImageTagAlreadyExistsException');
    expect(error.message).toContain("The image tag 'prod' already exists in the 'frozen' repository");
  });

  withRegistry('BatchDeleteImage removes one tag while others remain, then the image', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    const { authorization } = await token();
    const pushed = await pushSyntheticImage(emulator.url, { authorization, repository: 'web', tag: 'a' });
    await ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: pushed.manifest, imageTag: 'b' }));

    const untagged = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'web', imageIds: [{ imageTag: 'a' }] }),
    );
    expect(untagged.imageIds).toEqual([{ imageDigest: pushed.digest, imageTag: 'a' }]);
    const left = await ecr.send(new DescribeImagesCommand({ repositoryName: 'web' }));
    expect(left.imageDetails?.[0].imageTags).toEqual(['b']);

    const deleted = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: 'web',
        imageIds: [{ imageDigest: pushed.digest }, { imageTag: 'gone' }],
      }),
    );
    expect(deleted.imageIds).toEqual([{ imageDigest: pushed.digest, imageTag: 'b' }]);
    expect(deleted.failures?.[0]).toMatchObject({ failureCode: 'ImageNotFound' });
    expect((await ecr.send(new DescribeImagesCommand({ repositoryName: 'web' }))).imageDetails).toEqual([]);
    expect(
      emulator.calls({ service: 'ecr', mutating: true }).filter((c) => c.operation === 'BatchDeleteImage'),
    ).toHaveLength(2);
  });
});
