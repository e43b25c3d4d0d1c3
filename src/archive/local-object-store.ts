import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, copyFile, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

import { ArchiveStoreUnavailableError, ObjectStore, StoredObject } from './object-store';

/**
 * The archive in a local directory. Keys map to paths under the root; a key that would leave the
 * root is refused. Files appear by rename, so readers see whole files or nothing.
 */
export class LocalObjectStore implements ObjectStore {
  readonly location: string;

  constructor(root: string) {
    this.location = resolve(root);
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const target = this.pathOf(key);
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await this.guard(async () => {
      await mkdir(dirname(target), { recursive: true });
      await copyFile(localPath, temporary);
      await rename(temporary, target);
    });
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const objects: StoredObject[] = [];
    const directory = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const start = directory ? this.pathOf(directory.slice(0, -1)) : this.location;
    await this.guard(() => this.collect(start, objects));
    objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const object of objects) {
      if (object.key.startsWith(prefix) && !object.key.endsWith('.tmp')) yield object;
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(key))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ArchiveStoreUnavailableError(this.location, error);
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    return this.guard(async () => {
      const file = await open(this.pathOf(key), 'r');
      try {
        const buffer = Buffer.alloc(Math.max(0, end - start));
        const { bytesRead } = await file.read(buffer, 0, buffer.length, start);
        return buffer.subarray(0, bytesRead);
      } finally {
        await file.close();
      }
    });
  }

  async delete(key: string): Promise<void> {
    await this.guard(() => unlink(this.pathOf(key)).catch(ignoreMissing));
  }

  async isReady(): Promise<boolean> {
    try {
      await mkdir(this.location, { recursive: true });
      await access(this.location, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  private async collect(directory: string, into: StoredObject[]): Promise<void> {
    const entries = await readdir(directory, { withFileTypes: true }).catch((error) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    });
    for (const entry of entries) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) await this.collect(path, into);
      else if (entry.isFile() && !entry.name.endsWith('.tmp')) {
        // A file may be renamed or deleted between readdir and stat: it is simply not listed.
        const size = await stat(path).then((found) => found.size, ignoreMissing);
        const key = relative(this.location, path).split(sep).join('/');
        if (size !== undefined) into.push({ key, size });
      }
    }
  }

  private pathOf(key: string): string {
    const path = resolve(this.location, ...key.split('/'));
    if (!path.startsWith(this.location + sep)) throw new Error(`key outside the archive: ${key}`);
    return path;
  }

  private async guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw new ArchiveStoreUnavailableError(this.location, error);
    }
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): undefined {
  if (error.code !== 'ENOENT') throw error;
  return undefined;
}
