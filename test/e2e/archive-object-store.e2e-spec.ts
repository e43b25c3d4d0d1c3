import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { LocalObjectStore } from '../../src/archive/local-object-store';
import { ArchiveStoreUnavailableError } from '../../src/archive/object-store';
import { ArchiveObjectStore } from '../../src/archive/object-store.factory';
import { S3ObjectStore } from '../../src/archive/s3-object-store';
import { S3rverServer, tempDir } from '../support/archive-support';
import { testConfig } from '../support/test-app';

/** 20 MiB: more than two parts of the S3 store's multipart upload. */
const LARGE_BYTES = 20 * 1024 * 1024;

describe('ObjectStore implementations', () => {
  let s3rver: S3rverServer;
  const scratch = tempDir('store-scratch');
  const large = join(scratch, 'large.bin');
  const content = randomBytes(LARGE_BYTES);

  beforeAll(async () => {
    s3rver = await S3rverServer.start();
    writeFileSync(large, content);
  });

  afterAll(async () => {
    await s3rver.dispose();
  });

  const stores: [string, () => Promise<ArchiveObjectStore>][] = [
    ['LocalObjectStore', async () => new LocalObjectStore(tempDir('store-local'))],
    [
      'S3ObjectStore',
      async () =>
        new S3ObjectStore(
          testConfig({
            STORAGE: 's3',
            S3_ENDPOINT: s3rver.endpoint,
            S3_BUCKET: `store-${Date.now().toString(36)}`,
            S3_PREFIX: 'p/q',
            S3_CREATE_BUCKET: 'true',
            S3_ACCESS_KEY: 'S3RVER',
            S3_SECRET_KEY: 'S3RVER',
          }).s3,
        ),
    ],
  ];

  describe.each(stores)('%s', (_name, create) => {
    let store: ArchiveObjectStore;

    beforeAll(async () => {
      store = await create();
      await store.prepare();
    });

    afterAll(() => store.close?.());

    it('stores a large file whole and reads ranges of it back', async () => {
      const key = 'room=a/date=2024-12-03/1-0_2-0.parquet';
      await store.putFile(key, large);

      expect(await store.size(key)).toBe(LARGE_BYTES);
      expect(await store.readRange(key, 0, 4)).toEqual(content.subarray(0, 4));
      const end = LARGE_BYTES;
      expect(await store.readRange(key, end - 1000, end)).toEqual(content.subarray(end - 1000));
      expect(await store.readRange(key, 9_000_000, 9_000_100)).toEqual(
        content.subarray(9_000_000, 9_000_100),
      );
    });

    it('lists keys under a prefix in key order, and deletes', async () => {
      const small = join(scratch, 'small.bin');
      writeFileSync(small, 'abc');
      await store.putFile('room=b/date=2024-12-04/3-0_4-0.parquet', small);
      await store.putFile('room=b/date=2024-12-03/1-0_2-0.parquet', small);

      const listed = [];
      for await (const object of store.list('room=b/')) listed.push(object);

      expect(listed).toEqual([
        { key: 'room=b/date=2024-12-03/1-0_2-0.parquet', size: 3 },
        { key: 'room=b/date=2024-12-04/3-0_4-0.parquet', size: 3 },
      ]);
      await store.delete('room=b/date=2024-12-03/1-0_2-0.parquet');
      expect(await store.size('room=b/date=2024-12-03/1-0_2-0.parquet')).toBeUndefined();
      expect(await store.isReady()).toBe(true);
    });
  });

  it('leaves no staging file in a local directory after a store', async () => {
    const root = tempDir('store-staging');
    await new LocalObjectStore(root).putFile('room=c/date=2024-12-03/1-0_1-0.parquet', large);

    expect(readdirSync(join(root, 'room=c', 'date=2024-12-03'))).toEqual(['1-0_1-0.parquet']);
  });

  it('raises ArchiveStoreUnavailableError when the S3 server does not answer', async () => {
    const store = new S3ObjectStore(
      testConfig({
        STORAGE: 's3',
        S3_ENDPOINT: 'http://127.0.0.1:9',
        S3_BUCKET: 'nowhere',
        S3_ACCESS_KEY: 'x',
        S3_SECRET_KEY: 'y',
      }).s3,
    );

    await expect(store.putFile('room=a/x', large)).rejects.toBeInstanceOf(
      ArchiveStoreUnavailableError,
    );
    expect(await store.isReady()).toBe(false);
    store.close();
  });
});
