import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, copyFile, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

import { ArchiveStoreUnavailableError, ObjectStore, StoredObject } from './object-store';

/**
 * The archive in a local directory. A file becomes visible by a rename within its final
 * directory, so a reader sees nothing or the whole file. Until then it is a hidden
 * `.<name>.<random>.partial` file: no `*.parquet` glob matches it, and Spark and Hive skip
 * names that start with a dot.
 * A process killed between copy and rename leaves its staging file behind until the resumed
 * export stores the same key again.
 */
export class LocalObjectStore implements ObjectStore {
  readonly location: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.location = this.root;
  }

  /** Creates the root directory when it is missing. */
  async prepare(): Promise<void> {
    await this.guard(() => mkdir(this.root, { recursive: true }));
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const target = this.pathOf(key);
    const directory = dirname(target);
    const name = basename(target);
    await this.guard(async () => {
      await mkdir(directory, { recursive: true });
      const staging = join(directory, `.${name}.${randomBytes(4).toString('hex')}.partial`);
      try {
        await copyFile(localPath, staging);
        await syncFile(staging);
        await rename(staging, target);
      } catch (error) {
        await unlink(staging).catch(() => undefined);
        throw error;
      }
      await removeLeftovers(directory, name);
    });
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const keys = await this.guard(() => this.walk(this.root));
    const matching = keys.filter((key) => key.startsWith(prefix) && !isStaging(key)).sort();
    for (const key of matching) {
      const size = await this.size(key);
      if (size !== undefined) yield { key, size };
    }
  }

  async size(key: string): Promise<number | undefined> {
    const path = this.pathOf(key);
    try {
      return (await stat(path)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ArchiveStoreUnavailableError(this.location, error);
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    const path = this.pathOf(key);
    return this.guard(async () => {
      if (end <= start) return Buffer.alloc(0);
      const chunks: Buffer[] = [];
      for await (const chunk of createReadStream(path, { start, end: end - 1 })) {
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks);
    });
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await this.guard(() => unlink(path)).catch((error: unknown) => {
      const cause = (error as ArchiveStoreUnavailableError).cause as NodeJS.ErrnoException;
      if (cause?.code !== 'ENOENT') throw error;
    });
  }

  async isReady(): Promise<boolean> {
    try {
      await mkdir(this.root, { recursive: true });
      await access(this.root, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  /** The file of a key; a key that would leave the root is refused. */
  pathOf(key: string): string {
    const path = resolve(this.root, key);
    const inside = relative(this.root, path);
    if (!inside || inside.startsWith('..') || inside.split(sep).includes('..')) {
      throw new Error(`archive key outside the archive root: ${key}`);
    }
    return path;
  }

  private async walk(directory: string): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const keys: string[] = [];
    for (const entry of entries) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) keys.push(...(await this.walk(path)));
      else if (entry.isFile()) keys.push(relative(this.root, path).split(sep).join('/'));
    }
    return keys;
  }

  private async guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw new ArchiveStoreUnavailableError(this.location, error);
    }
  }
}

function isStaging(key: string): boolean {
  return /(^|\/)\.[^/]*\.partial$/.test(key);
}

/**
 * Staging files of the same key left by a process killed between copy and rename. A resumed
 * export writes the same keys again, so this removes every leftover of an interrupted run.
 */
async function removeLeftovers(directory: string, name: string): Promise<void> {
  for (const entry of await readdir(directory)) {
    if (entry.startsWith(`.${name}.`) && entry.endsWith('.partial')) {
      await unlink(join(directory, entry)).catch(() => undefined);
    }
  }
}

/** The copy must be on disk before the rename publishes it, or a crash could expose zeros. */
async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
